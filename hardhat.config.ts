import { existsSync } from "node:fs";
import path from "node:path";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";
import { SOLC_PATH, SOLC_SETTINGS, SOLC_VERSION } from "./src/pipeline/compiler.js";

// The Solidity compiler and its settings come from src/pipeline/compiler.ts, which the model
// pipeline's solc-js compiles with too: the npm `solc` package (solc-js), never a download
// (Hardhat uses `path` as is and does not call its compiler downloader).
const compiler = { version: SOLC_VERSION, path: SOLC_PATH, settings: SOLC_SETTINGS };

// The demo model's generated verifier and adapter stay in its build directory (`npm test` builds it
// first). They import their base as `proofgrid/contracts/zk/...`, which remappings.txt maps to
// contracts/. A build directory that does not exist yet (a fresh clone) is left out.
const generated = ["build/support-intents"].filter((dir) => existsSync(path.join(import.meta.dirname, dir)));

// The hub sits close to the 24 KB code limit: it is compiled for size (runs 200), which costs its
// callers about 1% more gas than runs 1000 would (see README, "Benchmarks").
// The Solidity tests that deploy the hub are compiled the same way, so that they test the hub's
// real bytecode (and the compiler does not warn about a runs-1000 copy over the limit).
const forSize = { ...compiler, settings: { ...compiler.settings, optimizer: { enabled: true, runs: 200 } } };
const hubOverride = Object.fromEntries(
  ["contracts/hub/InferenceHub.sol", "test/solidity/HubInvariant.t.sol", "test/solidity/HubFuzz.t.sol", "test/solidity/CommitteeGame.t.sol"].map((file) => [file, forSize]),
);

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    profiles: {
      default: { compilers: [compiler], overrides: hubOverride },
      production: { compilers: [compiler], overrides: hubOverride },
    },
  },
  paths: {
    sources: { solidity: ["contracts", ...generated] },
    tests: { mocha: "test", solidity: "test/solidity" },
  },
  // Generated verifiers (build/) and test mocks are not the project's audited code.
  coverage: { skipFiles: ["build/**", "contracts/mocks/**"] },
  test: {
    solidity: {
      // 256 runs in `npm test`; `npm run fuzz` sets FUZZ_RUNS=10000.
      fuzz: { runs: Number(process.env.FUZZ_RUNS ?? 256) },
      invariant: { runs: Number(process.env.FUZZ_RUNS ?? 256), depth: 30, failOnRevert: false },
    },
  },
  networks: {
    hardhatMainnet: { type: "edr-simulated", chainType: "l1" },
    localhost: {
      type: "http",
      chainType: "l1",
      url: process.env.PROOFGRID_RPC_URL ?? "http://127.0.0.1:8545",
      // A local chain answers in milliseconds: a request that hangs (a connection dropped mid-call)
      // fails after 20 s instead of Hardhat's default 300 s, so a node's poll fails, backs off and
      // recovers rather than waiting out five minutes of jobs.
      timeout: 20_000,
    },
    sepolia: {
      type: "http",
      chainType: "l1",
      url: configVariable("SEPOLIA_RPC_URL"),
      accounts: [configVariable("SEPOLIA_PRIVATE_KEY")],
    },
  },
  typechain: { outDir: "types/contracts" },
});
