/**
 * `proofgrid/hardhat/testing`: a deployed proofgrid stack on a test's network connection, with the
 * project's configured models built (cached) and registered at every level, and an honest
 * in-process node per level (ZK, TEE, VANILLA) and a watcher. A consumer contract in the project
 * requests through `stack.hub`; `stack.settle()` lets the nodes answer and, for VANILLA, moves time
 * past the challenge window.
 *
 *   const connection = await network.create();
 *   const stack = await proofgridStack(hre, connection);
 *   ... request from the consumer, then: await stack.settle(jobId)
 *   await stack.stop();
 */
import type { NetworkConnection } from "hardhat/types/network";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { Signer } from "ethers";
import { launchLocalNetwork, minter, type LocalNetwork } from "../devnet/launcher.js";
import { evaluate, quantizeInput } from "../engine/fixed.js";
import { TrustLevel } from "../protocol/index.js";
import { buildConfigured, ProofgridConfigError, selectModels } from "./models.js";

export interface ProofgridStack extends LocalNetwork {
  /** The inference hub's address: what a consumer contract calls. */
  hub: string;
  /** The registered model id of a configured model, by name (the first model when omitted). */
  modelId(name?: string): number;
  /** Its newest release, `major << 16 | minor`: what a consumer pins (a request for "the latest" could be re-pointed by the model's owner). */
  version(name?: string): number;
  /** Mints the local token to `to` (the deployer owns it on test networks). */
  mint(to: string, amount: bigint): Promise<void>;
  /** What a request costs: the release's price at `level` plus `callbackGasLimit` at the hub's callback gas price. */
  quote(level: TrustLevel, callbackGasLimit: number, model?: string): Promise<bigint>;
  /** A real-valued input in the model's fixed point, as a consumer contract passes it to the hub. */
  quantize(input: readonly number[], model?: string): bigint[];
  /** The model's output on a fixed-point input, as every honest node computes it (the engine). */
  evaluate(input: readonly bigint[], model?: string): bigint[];
  /** Waits until job `jobId` is settled (or refunded): the nodes answer, a VANILLA window passes. */
  settle(jobId: bigint): Promise<void>;
}

export interface StackOptions {
  /** Configured models to build and register (names or files; default all). */
  models?: string[];
  log?: (line: string) => void;
}

export async function proofgridStack(hre: HardhatRuntimeEnvironment, connection: NetworkConnection, options: StackOptions = {}): Promise<ProofgridStack> {
  const signers = (await connection.ethers.getSigners()) as Signer[];
  if (signers.length < 6) throw new ProofgridConfigError(`the network has ${signers.length} accounts; the stack needs 6 (deployer, requester, watcher, three nodes)`);
  const selected = options.models ? (await Promise.all(options.models.map((m) => selectModels(hre.config, m)))).flat() : await selectModels(hre.config);
  const built: Awaited<ReturnType<typeof buildConfigured>>[] = [];
  for (const model of selected) built.push(await buildConfigured(hre.config, model, true));
  const net = await launchLocalNetwork({
    deployer: signers[0],
    requester: signers[1],
    watcher: signers[2],
    models: built.map(({ artifacts }) => ({ artifacts })),
    nodes: [
      { name: "node-zk", signer: signers[3], levels: [TrustLevel.ZK] },
      { name: "node-tee", signer: signers[4], levels: [TrustLevel.TEE] },
      { name: "node-vanilla", signer: signers[5], levels: [TrustLevel.VANILLA] },
    ],
    log: options.log,
    pollMs: 100,
  });
  const names = built.map(({ artifacts }) => artifacts.model.name);
  const mint = minter(net.contracts);
  const indexOf = (name?: string) => {
    const index = name === undefined ? 0 : names.indexOf(name);
    if (index < 0) throw new ProofgridConfigError(`no model named ${name} in the stack; it has ${names.join(", ")}`);
    return index;
  };
  const versions = await Promise.all(net.modelIds.map(async (id) => Number((await net.contracts.models.getRelease(id, 0))[0])));
  return {
    ...net,
    hub: await net.contracts.hub.getAddress(),
    modelId: (name?: string) => net.modelIds[indexOf(name)],
    version: (name?: string) => versions[indexOf(name)],
    mint,
    async quote(level: TrustLevel, callbackGasLimit: number, model?: string) {
      const [, release] = await net.contracts.models.getRelease(net.modelIds[indexOf(model)], versions[indexOf(model)]);
      return release.prices[level] + BigInt(callbackGasLimit) * (await net.contracts.hub.parameters()).callbackGasPrice;
    },
    quantize(input: readonly number[], model?: string) {
      return quantizeInput(built[indexOf(model)].artifacts.model, input);
    },
    evaluate(input: readonly bigint[], model?: string) {
      return evaluate(built[indexOf(model)].artifacts.model, input).output;
    },
    async settle(jobId: bigint) {
      await net.client.waitFor(jobId);
    },
  };
}

export { TrustLevel };
