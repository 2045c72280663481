/**
 * The releases a node answers for. A node opts into a release (model id and version) only when the
 * release is the model it holds: the same weights commitment and model-file hash, and, for a release
 * with a proof verifier, exactly the verifier code its own build compiles to (the adapter's code,
 * up to the address of its Groth16 verifier, and that verifier's code). So a model owner cannot
 * point a release at a verifier that accepts its own "proofs" and take the nodes' stake, and an
 * upgrade with new weights is never served with old artifacts.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Contract, ZeroAddress, type Provider } from "ethers";
import type { Proofgrid } from "../chain/contracts.js";
import { ProofgridError } from "../errors.js";
import type { ModelArtifacts } from "../pipeline/prove.js";
import { unpackVersion } from "../protocol/index.js";
import { SetupError } from "../pipeline/ceremony.js";
import { encodingMax } from "../engine/fixed.js";
import { loadModel } from "../pipeline/load.js";
import { regularFileInside } from "../pipeline/prove.js";
import { hashFile, PIPELINE_VERSION } from "../pipeline/manifest.js";
import { cacheDir } from "../pipeline/ptau.js";
import { quantizeAt } from "../pipeline/quantize.js";
import { hashBytes, weightsCommitment } from "../protocol/hashing.js";
import { checkSetup, type CheckedSetup, type SetupTrust } from "./setup.js";

/** A release is not the model a node holds, or its verifier is not the code the node's build makes. */
export class ReleaseMismatchError extends ProofgridError {
  override name = "ReleaseMismatchError";
}

/**
 * Throws ReleaseMismatchError unless release `version` of `modelId` is exactly `artifacts`' model
 * and verifier, and its keys are ones this node may stake on (src/node/setup.ts: a ceremony it
 * took part in, or a development key where `trust` accepts them). Returns the setup it found.
 */
export async function checkRelease(
  contracts: Proofgrid,
  provider: Provider,
  modelId: number,
  version: number,
  artifacts: ModelArtifacts,
  options: { node?: string; trust?: SetupTrust } = {},
): Promise<CheckedSetup> {
  const where = `model #${modelId} release ${unpackVersion(version)}`;
  const [, release] = await contracts.models.getRelease(modelId, version);
  const [, frozen] = await contracts.models.soundnessOf(modelId, version);
  if (frozen) throw new ReleaseMismatchError(`${where} was proven unsound (two valid proofs of different outputs for one input) and is frozen: it serves no job`);
  if (release.weightsCommitment !== artifacts.manifest.quantized.weightsCommitment) {
    throw new ReleaseMismatchError(`${where} commits to other weights than ${artifacts.dir} (${release.weightsCommitment.slice(0, 10)}... vs ${artifacts.manifest.quantized.weightsCommitment.slice(0, 10)}...)`);
  }
  if (release.contentHash !== artifacts.manifest.model.hash) throw new ReleaseMismatchError(`${where} was registered from another model file than ${artifacts.dir}`);
  await checkQuantized(release, artifacts, where);
  if (release.verifier === ZeroAddress) return { kind: "none" };
  let setup: CheckedSetup;
  try {
    setup = await checkSetup(contracts, modelId, version, artifacts, options.node ?? ZeroAddress, options.trust, where);
  } catch (error) {
    if (error instanceof SetupError) throw new ReleaseMismatchError(error.shortMessage, { cause: error });
    throw error;
  }
  await checkVerifierCode(provider, release.verifier, artifacts, where, setup.deployable);
  return setup;
}

/**
 * The model file a build was made from: the copy the build keeps in its own directory
 * (`source.json` or `source.onnx`), a regular file. The manifest's own path to the original is
 * free text and is never followed (it could name a device, a FIFO or any file on the machine).
 */
export async function modelFileOf(artifacts: ModelArtifacts): Promise<string | undefined> {
  const format = artifacts.manifest.model.format === "onnx" ? "onnx" : "json";
  const copy = path.join(artifacts.dir, `source.${format}`);
  return (await regularFileInside(artifacts.dir, copy)) ? copy : undefined;
}

/**
 * The quantized model a node runs must be the one its model file quantizes to, at the build's
 * scale and input range: the widths, bounds and encodings in it are then the ones the quantizer
 * proved, not a build's say-so (a narrower output encoding would let a proof of one output verify
 * as another; a narrower layer would make the engine fail on an accepted input and the node time
 * out). And the release must accept no input, and promise no shape, other than the model's.
 */
async function checkQuantized(release: { weightsCommitment: string; contentHash: string; inputSize: bigint; outputSize: bigint; scaleBits: bigint; inputMin: bigint; inputMax: bigint }, artifacts: ModelArtifacts, where: string): Promise<void> {
  const { model } = artifacts;
  if (weightsCommitment(model) !== release.weightsCommitment) throw new ReleaseMismatchError(`${where}: ${artifacts.dir}'s quantized model is not the one its manifest commits to`);
  const file = await modelFileOf(artifacts);
  if (!file) throw new ReleaseMismatchError(`${where}: ${artifacts.dir} holds no copy of its model file (source.json or source.onnx, which 'proofgrid model build' writes): a node re-quantizes the model file before it stakes`);
  if ((await hashFile(file)) !== release.contentHash) throw new ReleaseMismatchError(`${where}: ${file} is not the model file the release was registered from`);
  const mine = await requantize(file, release.contentHash, model.scaleBits, model.inputRange);
  if (mine !== release.weightsCommitment) {
    throw new ReleaseMismatchError(`${where}: ${file} quantizes here (scale 2^${model.scaleBits}) to weights ${mine.slice(0, 10)}..., not the release's ${release.weightsCommitment.slice(0, 10)}...: the build's quantized model is not its model file's`);
  }
  const top = encodingMax(model.input);
  if (Number(release.inputSize) !== model.input.size || Number(release.outputSize) !== model.output.size || Number(release.scaleBits) !== model.scaleBits) {
    throw new ReleaseMismatchError(`${where}: the release says ${release.inputSize} inputs, ${release.outputSize} outputs, scale 2^${release.scaleBits}; the model has ${model.input.size}, ${model.output.size}, 2^${model.scaleBits}`);
  }
  if (release.inputMin < model.input.lo || release.inputMax > top) {
    throw new ReleaseMismatchError(`${where}: the release accepts inputs in [${release.inputMin}, ${release.inputMax}], beyond the range the model is proven on [${model.input.lo}, ${top}]`);
  }
}

/** weightsCommitment of `file` quantized at 2^scaleBits over `inputRange`, remembered in this machine's cache. */
async function requantize(file: string, contentHash: string, scaleBits: number, inputRange: [number, number]): Promise<string> {
  const key = hashBytes([PIPELINE_VERSION, contentHash, String(scaleBits), JSON.stringify(inputRange)].join("\0"));
  const cached = path.join(cacheDir(), "requantized", `${key.slice(2)}.txt`);
  if (existsSync(cached)) return (await readFile(cached, "utf8")).trim();
  const { model } = await loadModel(file, { inputRange });
  const commitment = weightsCommitment(quantizeAt(model, scaleBits).quantized);
  await mkdir(path.dirname(cached), { recursive: true });
  await writeFile(cached, commitment);
  return commitment;
}

/**
 * The verifier at `address` must be the adapter the build compiles, byte for byte except for the
 * address of the Groth16 verifier its constructor created, and that verifier's code must be the
 * build's. Both are found by simulating the creation code (eth_call without a target).
 */
export async function checkVerifierCode(
  provider: Provider,
  address: string,
  artifacts: ModelArtifacts,
  where = address,
  compiled?: { bytecode: string; verifierBytecode: string },
): Promise<void> {
  const file = path.resolve(artifacts.dir, artifacts.manifest.deployable.file);
  // A ceremony release is compared with what the node compiled itself from the checked zkey.
  const deployable = compiled ?? (JSON.parse(await readFile(file, "utf8")) as { bytecode: string; verifierBytecode?: string });
  if (!deployable.verifierBytecode) throw new ReleaseMismatchError(`${file} predates verifier checks: run 'proofgrid model build' again`);
  const real = (await provider.getCode(address)).toLowerCase();
  const simulated = (await provider.call({ data: deployable.bytecode })).toLowerCase();
  const mismatch = () => new ReleaseMismatchError(`${where}: the verifier at ${address} is not the code ${artifacts.dir} compiles to; refusing to stake on it`);
  if (real.length !== simulated.length || real.length <= 2) throw mismatch();
  let inner: string;
  try {
    inner = ((await new Contract(address, ["function groth16Verifier() view returns (address)"], provider).groth16Verifier()) as string).toLowerCase().slice(2);
  } catch {
    throw mismatch();
  }
  const at = real.indexOf(inner);
  if (at < 0) throw mismatch();
  const simulatedInner = simulated.slice(at, at + 40);
  const blank = "0".repeat(40);
  if (real.replaceAll(inner, blank) !== simulated.replaceAll(simulatedInner, blank)) throw mismatch();
  const innerCode = (await provider.getCode(`0x${inner}`)).toLowerCase();
  const expectedInner = (await provider.call({ data: deployable.verifierBytecode })).toLowerCase();
  if (innerCode !== expectedInner) throw mismatch();
}
