#!/usr/bin/env node
// The `proofgrid` command: the compiled CLI (dist/, what npm installs), or in a checkout of the
// repository the TypeScript sources as they are, through tsx (Hardhat's own loader).
import { existsSync } from "node:fs";

const sources = new URL("../src/cli/main.ts", import.meta.url);
let main;
if (existsSync(sources)) {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import(sources.href));
} else {
  ({ main } = await import("../dist/src/cli/main.js"));
}
process.exitCode = await main(process.argv.slice(2));
