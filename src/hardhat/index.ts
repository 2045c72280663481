/**
 * `proofgrid/hardhat`: the Hardhat 3 plugin. Add it to hardhat.config.ts:
 *
 *   import proofgrid from "proofgrid/hardhat";
 *   export default defineConfig({ plugins: [hardhatToolboxMochaEthers, proofgrid],
 *     proofgrid: { models: ["models/my-model.onnx"] } });
 *
 * Tasks: `proofgrid build [model]` (circuit, keys, verifier contracts copied into the project),
 * `proofgrid deploy --network <name>`, `proofgrid register [model] --network <name>`. Tests get a whole stack from `proofgrid/hardhat/testing`.
 */
import { emptyTask, task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";
import type { HardhatPlugin } from "hardhat/types/plugins";
import { SOLC_PATH, SOLC_SETTINGS, SOLC_VERSION } from "../pipeline/compiler.js";
import "./type-extensions.js";

const plugin: HardhatPlugin = {
  id: "proofgrid",
  npmPackage: "proofgrid",
  hookHandlers: {
    config: () => import("./hooks/config.js"),
  },
  tasks: [
    emptyTask("proofgrid", "Verifiable inference: build models, deploy proofgrid").build(),
    task(["proofgrid", "build"], "Builds the configured models: circuit, keys and verifier contracts (cached)")
      .addPositionalArgument({ name: "model", description: "one configured model (name or file); default all", defaultValue: "" })
      .addFlag({ name: "quiet", description: "print only the result" })
      .setAction(() => import("./tasks/build.js"))
      .build(),
    task(["proofgrid", "register"], "Registers the configured models on the network's deployment, at every level (deploys each ZK verifier)")
      .addPositionalArgument({ name: "model", description: "one configured model (name or file); default all", defaultValue: "" })
      .addOption({ name: "prices", description: "price per level in whole tokens: vanilla,tee,zk", type: ArgumentType.STRING, defaultValue: "1,2,4" })
      .setAction(() => import("./tasks/register.js"))
      .build(),
    task(["proofgrid", "deploy"], "Deploys proofgrid to the network and writes deployments/<chainId>.json")
      .addOption({ name: "attestationRoot", description: "the enclaves' attestation-root key (default: the deployer)", type: ArgumentType.STRING, defaultValue: "" })
      .addFlag({ name: "force", description: "deploy again where a deployment is live (replaces deployments/<chainId>.json)" })
      .setAction(() => import("./tasks/deploy.js"))
      .build(),
  ],
};

export default plugin;

/**
 * The Solidity compiler proofgrid builds its verifiers with: the npm `solc` package (solc-js), never a
 * download. Use it in the project's config, `solidity: { compilers: [solidityCompiler] }`, so that
 * the generated verifiers compile as they were checked.
 */
export const solidityCompiler = { version: SOLC_VERSION, path: SOLC_PATH, settings: SOLC_SETTINGS };
export type { ProofgridConfig, ProofgridModelConfig, ProofgridUserConfig } from "./type-extensions.js";
