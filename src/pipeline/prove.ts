/**
 * Proving: run the engine, compute the witness, make a Groth16 proof bound to one job, and encode it
 * for the hub (`submitZkResult(jobId, input, output, proof)`).
 */
import { existsSync } from "node:fs";
import { lstat, readFile, realpath } from "node:fs/promises";
import path from "node:path";
import * as snarkjs from "snarkjs";
import { BuildError, EngineCircuitMismatchError } from "../errors.js";
import { evaluate, pack, parseQuantized, type QuantizedModel } from "../engine/fixed.js";
import { MANIFEST_FILE, readManifestFile, type Manifest } from "./manifest.js";
import { useCurve } from "./ptau.js";
import { bindingOf, encodeProof, type ProofBinding } from "../protocol/index.js";

export type { ProofBinding };

/** A built model: its manifest, its quantized model and the paths the prover needs. */
export interface ModelArtifacts {
  dir: string;
  manifest: Manifest;
  model: QuantizedModel;
  wasm: string;
  zkey: string;
  vkey: snarkjs.VerificationKey;
}

export interface InferenceProof {
  output: bigint[];
  proof: snarkjs.Groth16Proof;
  /** As snarkjs orders them: outputPacked..., binding, inputPacked... */
  publicSignals: bigint[];
  /** abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c): the `proof` argument of submitZkResult(jobId, input, output, proof). */
  calldata: string;
}

/**
 * Whether `file` is a regular file (not a link, a device or a FIFO) inside directory `dir`, both
 * resolved through the real file system. A build's manifest names its files as free text; only
 * files of the build itself are ever opened.
 */
export async function regularFileInside(dir: string, file: string): Promise<boolean> {
  try {
    const root = await realpath(dir);
    const stats = await lstat(file);
    if (!stats.isFile()) return false;
    const real = await realpath(file);
    return real.startsWith(root + path.sep);
  } catch {
    return false;
  }
}

export async function loadArtifacts(dir: string): Promise<ModelArtifacts> {
  if (!existsSync(path.join(dir, MANIFEST_FILE))) throw new BuildError(`${dir} holds no ${MANIFEST_FILE}: run \`proofgrid model build\` first`);
  const manifest = await readManifestFile(dir);
  for (const [what, entry] of [["quantized model", manifest.quantized], ["wasm", manifest.wasm], ["zkey", manifest.zkey], ["verification key", manifest.vkey], ["deployable", manifest.deployable]] as const) {
    const file = typeof entry?.file === "string" ? path.resolve(dir, entry.file) : undefined;
    if (!file || !(await regularFileInside(dir, file))) throw new BuildError(`${dir}: the ${what} its manifest names (${JSON.stringify(entry?.file)}) is not a file of the build directory`);
  }
  const at = (file: string) => path.resolve(dir, file);
  return {
    dir,
    manifest,
    model: parseQuantized(await readFile(at(manifest.quantized.file), "utf8")),
    wasm: at(manifest.wasm.file),
    zkey: at(manifest.zkey.file),
    vkey: JSON.parse(await readFile(at(manifest.vkey.file), "utf8")) as snarkjs.VerificationKey,
  };
}

/** The circuit's public signals for a statement, in snarkjs order. */
export function publicSignalsOf(artifacts: ModelArtifacts, input: readonly bigint[], output: readonly bigint[], binding: ProofBinding): bigint[] {
  const { model, manifest } = artifacts;
  return [...pack(output, model.output), bindingOf(binding, manifest.quantized.weightsCommitment), ...pack(input, model.input)];
}

/**
 * Runs the model on `input` (fixed-point integers) and proves the result for one job. Throws
 * InferenceInputError for an input the circuit does not accept, and EngineCircuitMismatchError
 * (never a proof) when the circuit's public signals are not the engine's.
 */
export async function proveInference(artifacts: ModelArtifacts, input: readonly bigint[], binding: ProofBinding): Promise<InferenceProof> {
  const { model, manifest } = artifacts;
  const { output } = evaluate(model, input); // checks the input's length and range first
  const signals = {
    binding: bindingOf(binding, manifest.quantized.weightsCommitment),
    inputPacked: pack(input, model.input),
  };
  const { proof, publicSignals } = await useCurve(() => snarkjs.groth16.fullProve(signals, artifacts.wasm, artifacts.zkey));
  const expected = publicSignalsOf(artifacts, input, output, binding);
  const got = publicSignals.map(BigInt);
  if (got.length !== expected.length || got.some((v, i) => v !== expected[i])) {
    // The engine and the circuit disagree: never submit such a proof.
    throw new EngineCircuitMismatchError(`the circuit's public signals [${got.join(", ")}] differ from the engine's [${expected.join(", ")}]`);
  }
  return { output, proof, publicSignals: got, calldata: encodeProof(proof) };
}

/** Checks a proof off chain with the model's verification key. */
export async function verifyInference(artifacts: ModelArtifacts, proof: InferenceProof): Promise<boolean> {
  return useCurve(() => snarkjs.groth16.verify(artifacts.vkey, proof.publicSignals.map(String), proof.proof));
}

/** Stops snarkjs' worker threads (call once when done proving, or the process stays alive). */
export { releaseCurve as releaseProver, useCurve } from "./ptau.js";
