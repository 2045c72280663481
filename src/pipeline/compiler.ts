/**
 * The one Solidity compiler of the project, for hardhat.config.ts and for solc-js in the model
 * pipeline (src/pipeline/solidity.ts): the npm `solc` package (solc-js, never a download) and its
 * settings. Hardhat's per-file overrides (the hub's runs 200) stay in hardhat.config.ts.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** The npm `solc` package's version, e.g. "0.8.35". */
export const SOLC_VERSION: string = (require("solc/package.json") as { version: string }).version;

/** Path of the `solc` package's soljson.js (Hardhat uses it as is: no compiler download). */
export const SOLC_PATH: string = require.resolve("solc/soljson.js");

/** Compiler settings of every contract, generated verifiers and adapters included. */
export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 1000 },
  evmVersion: "cancun",
};

/** solc-js itself (loads soljson.js, ~10 MB: only when a contract is compiled). */
export function loadSolc(): { compile(input: string, callbacks: object): string; version(): string } {
  return require("solc") as ReturnType<typeof loadSolc>;
}
