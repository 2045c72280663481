#!/usr/bin/env node
// The `proofgrid` command. The CLI is TypeScript; tsx (Hardhat's own loader) runs it as is.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
