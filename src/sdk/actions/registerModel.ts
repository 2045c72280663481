/** Registering a built model: its release record, its verifier, the registration itself. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ContractFactory, ZeroAddress, type Signer } from "ethers";
import { typed } from "../../chain/errors.js";
import { ProofgridError } from "../../errors.js";
import { encodingMax } from "../../engine/fixed.js";
import type { ModelArtifacts } from "../../pipeline/prove.js";
import { levelMask, packVersion, TrustLevel } from "../../protocol/index.js";
import type { ActionContext, RegisterOptions } from "../types.js";
import { postBond } from "./bonds.js";

/**
 * The registry's release record of a built model: its hashes, shape, scale and the input range its
 * circuit accepts (from the build), with the given verifier, levels, prices and royalty.
 */
export function releaseOf(artifacts: ModelArtifacts, options: Pick<RegisterOptions, "levels" | "prices" | "royaltyBps"> & { verifier: string }) {
  // A release with a verifier names the ceremony its keys came from (0: a single-party development key).
  const setup = artifacts.manifest.setup;
  const ceremony = options.verifier !== ZeroAddress && setup?.kind === "ceremony" ? (setup.ceremonyId ?? 0) : 0;
  return {
    contentHash: artifacts.manifest.model.hash,
    weightsCommitment: artifacts.manifest.quantized.weightsCommitment,
    verifier: options.verifier,
    inputSize: artifacts.model.input.size,
    outputSize: artifacts.model.output.size,
    scaleBits: artifacts.model.scaleBits,
    inputMin: artifacts.model.input.lo,
    inputMax: encodingMax(artifacts.model.input),
    levels: levelMask(...options.levels),
    royaltyBps: options.royaltyBps ?? 1_000,
    deprecated: false,
    ceremony,
    prices: options.prices,
  };
}

/** Deploys a built model's IProofVerifier adapter (bytecode from the build directory). */
export async function deployVerifier(artifacts: ModelArtifacts, signer: Signer): Promise<string> {
  const compiled = JSON.parse(await readFile(path.resolve(artifacts.dir, artifacts.manifest.deployable.file), "utf8")) as { abi: []; bytecode: string };
  const contract = await new ContractFactory(compiled.abi, compiled.bytecode, signer).deploy();
  await contract.waitForDeployment();
  return contract.getAddress();
}

/**
 * Registers a built model; for ZK, deploys its verifier adapter first and then posts the release's
 * soundness bond (`options.bond`, default the deployment's minimum; 0n: post it later). Returns
 * the model id.
 */
export async function registerModel(context: ActionContext, artifacts: ModelArtifacts, options: RegisterOptions): Promise<number> {
  const { models } = context.contracts;
  const zk = options.levels.includes(TrustLevel.ZK);
  const verifier = zk ? await deployVerifier(artifacts, context.signer) : ZeroAddress;
  const [major, minor] = options.version ?? [1, 0];
  const release = releaseOf(artifacts, { ...options, verifier });
  const version = packVersion(major, minor);
  const receipt = await typed("registerModel", async () => (await (await models.registerModel(options.name ?? artifacts.model.name, version, release)).wait())!);
  for (const log of receipt.logs) {
    const parsed = models.interface.parseLog(log);
    if (parsed?.name !== "ModelRegistered") continue;
    const modelId = Number(parsed.args.modelId);
    // A ZK release serves ZK jobs only once its soundness bond reaches the deployment's minimum.
    if (zk && options.bond !== 0n) await postBond(context, modelId, version, options.bond);
    return modelId;
  }
  throw new ProofgridError(`registerModel: transaction ${receipt.hash} emitted no ModelRegistered event (is the deployment file this network's?)`);
}
