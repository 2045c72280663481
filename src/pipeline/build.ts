/**
 * `proofgrid model build`: model file -> quantized model -> circom circuit -> r1cs/wasm -> Groth16 keys
 * -> Solidity verifier + IProofVerifier adapter -> manifest, all in one build directory. Every step
 * is keyed by the hashes of its inputs and skipped when they did not change, so a second build of the
 * same model is instant. This file is the orchestration; each step lives in its module:
 * circuit.ts (generation), circom.ts (compiling), setup.ts (ptau and Groth16 keys), solidity.ts
 * (verifier, adapter, solc-js), manifest.ts (the manifest and the cache keys).
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { BuildError } from "../errors.js";
import { hashBytes, weightsCommitment } from "../protocol/hashing.js";
import { serializeQuantized, type QuantizedModel } from "../engine/fixed.js";
import { circuitLayout, generateCircuit } from "./circuit.js";
import { compileCircuit, libraryHash, toolVersions } from "./circom.js";
import { loadModel } from "./load.js";
import {
  cacheKeys,
  encodingJson,
  fileEntry,
  hashFile,
  MANIFEST_FORMAT,
  PIPELINE_VERSION,
  previousManifest,
  upToDate,
  writeIfChanged,
  writeManifest,
  type Manifest,
} from "./manifest.js";
import { silentProgress, type Progress } from "./progress.js";
import { releaseCurve } from "./ptau.js";
import { formatReport, quantize } from "./quantize.js";
import { developmentRecord } from "./ceremony.js";
import { groth16Setup, selectPtau, verificationKeyJson } from "./setup.js";
import { ADAPTER_BASE_FILE, adapterSource, COMPILER_ID, contractNames, deployableJson, verifierSource, type GeneratedFrom } from "./solidity.js";
import { countConstraints, readR1cs } from "./witness.js";

// The pipeline's API, from the modules that hold it.
export { checkVerifier, contractBase } from "./solidity.js";
export { compileCircuit } from "./circom.js";
export type { FileEntry, Manifest, PtauEntry } from "./manifest.js";

export interface BuildOptions {
  /** Output directory (default build/<model name>). Every generated file goes here. */
  out?: string;
  /** A powers-of-tau ceremony file; default: a local one, cached outside the tree. */
  ptau?: string;
  /** Fixes the scale 2^S instead of choosing it. */
  scaleBits?: number;
  /** Overrides the input range (ONNX files carry none; default [-1, 1]). */
  inputRange?: [number, number];
  /** Overrides the model's name (the contracts are named after it). */
  name?: string;
  /** Also copy the Solidity verifier and adapter into this directory (default, or null: no copy; they are always in `out`). */
  verifiersDir?: string | null;
  progress?: Progress;
}

export interface BuildResult {
  dir: string;
  manifest: Manifest;
  quantized: QuantizedModel;
  /** The steps that ran (the others were up to date). */
  ran: string[];
}

/** The circuit source a build writes for `quantized` (read from the model file of keccak256 `modelHash`); nodes regenerate it the same way. */
export function circuitSourceOf(quantized: QuantizedModel, modelHash: string): string {
  return generateCircuit(quantized, [`model file keccak256 ${modelHash}`, `weights commitment ${weightsCommitment(quantized)}`]);
}

/**
 * The compiled circuit must be the one its layers describe: as many non-linear constraints as the
 * templates cost by their parameters, and exactly the public signals the hub and the adapter
 * expect, in their order (outputPacked..., binding, inputPacked...). A circuit that differs (a
 * template that lost a constraint, a signal that is not where the verifier reads it) is refused.
 */
export async function checkCompiled(
  r1cs: { nPubOut: number; nPubIn: number },
  counts: { nonLinear: number },
  symFile: string,
  layout: ReturnType<typeof circuitLayout>,
): Promise<void> {
  const nPublic = r1cs.nPubOut + r1cs.nPubIn;
  if (nPublic !== layout.publicSignals || r1cs.nPubOut !== layout.outputPacked) {
    throw new BuildError(`the circuit has ${r1cs.nPubOut} + ${r1cs.nPubIn} public signals, the layout expects ${layout.outputPacked} + ${layout.publicSignals - layout.outputPacked}`);
  }
  if (counts.nonLinear !== layout.expectedOptimized) {
    throw new BuildError(`the circuit has ${counts.nonLinear} non-linear constraints, its layers cost ${layout.expectedOptimized}: refusing a circuit that is not the model's`);
  }
  const expected = [
    ...Array.from({ length: layout.outputPacked }, (_, i) => `main.outputPacked[${i}]`),
    "main.binding",
    ...Array.from({ length: layout.inputPacked }, (_, i) => `main.inputPacked[${i}]`),
  ];
  const byWire = new Map<number, string>();
  for (const line of (await readFile(symFile, "utf8")).split("\n")) {
    const [, wire, , name] = line.split(",");
    const w = Number(wire);
    if (w >= 1 && w <= nPublic && !byWire.has(w)) byWire.set(w, name);
  }
  expected.forEach((name, i) => {
    if (byWire.get(i + 1) !== name) throw new BuildError(`public signal ${i + 1} of the circuit is ${byWire.get(i + 1) ?? "missing"}, expected ${name}`);
  });
}

/**
 * The verification key, the Solidity verifier and adapter, and their compiled form, for the zkey
 * of a build directory, each remade only when what it comes from changed. Returns their manifest
 * entries. The build calls it after its own setup; a ceremony's final zkey comes in through it too.
 */
export async function writeContracts(
  dir: string,
  name: string,
  quantized: QuantizedModel,
  zkeyFile: string,
  previous: Manifest | undefined,
  progress: Progress,
  verifiersDir?: string,
): Promise<{ entries: Pick<Manifest, "zkey" | "vkey" | "verifier" | "adapter" | "deployable">; deployKey: string; ran: string[] }> {
  const ran: string[] = [];
  const at = (file: string) => path.join(dir, file);
  const zkeyHash = await hashFile(zkeyFile);
  const vkeyFile = at("verification_key.json");
  const contracts = contractNames(name);
  const verifierFile = at(`${contracts.verifier}.sol`);
  const adapterFile = at(`${contracts.adapter}.sol`);
  const from: GeneratedFrom = { name, version: quantized.version, weightsCommitment: weightsCommitment(quantized), zkeyHash };
  if (!(previous?.zkey.hash === zkeyHash && (await upToDate(dir, [previous.vkey, previous.verifier])))) {
    await writeIfChanged(vkeyFile, await verificationKeyJson(zkeyFile));
    await writeIfChanged(verifierFile, await verifierSource(zkeyFile, contracts.verifier, from));
    ran.push("verifier");
  }
  await writeIfChanged(adapterFile, adapterSource(contracts, quantized, from));
  const adapterText = await readFile(adapterFile, "utf8");
  const verifierText = await readFile(verifierFile, "utf8");
  const deployableFile = at(`${contracts.adapter}.json`);
  const deployKey = cacheKeys.deploy([adapterText, verifierText, await readFile(ADAPTER_BASE_FILE, "utf8")], COMPILER_ID);
  if (!(previous?.keys.deploy === deployKey && (await upToDate(dir, [previous.deployable])))) {
    progress.detail("solc");
    await writeIfChanged(deployableFile, deployableJson(contracts, adapterText, verifierText));
    ran.push("solc");
  }
  if (verifiersDir) {
    await writeIfChanged(path.join(verifiersDir, `${contracts.verifier}.sol`), verifierText);
    await writeIfChanged(path.join(verifiersDir, `${contracts.adapter}.sol`), adapterText);
  }
  return {
    entries: {
      zkey: { file: path.relative(dir, zkeyFile), hash: zkeyHash },
      vkey: await fileEntry(dir, vkeyFile),
      verifier: { ...(await fileEntry(dir, verifierFile)), contract: contracts.verifier },
      adapter: { ...(await fileEntry(dir, adapterFile)), contract: contracts.adapter },
      deployable: await fileEntry(dir, deployableFile),
    },
    deployKey,
    ran,
  };
}

/** Builds a model. See BuildOptions; the result names every artifact through the manifest. */
export async function buildModel(target: string, options: BuildOptions = {}): Promise<BuildResult> {
  try {
    return await build(target, options);
  } finally {
    await releaseCurve(); // snarkjs' worker threads would keep the process alive
  }
}

async function build(target: string, options: BuildOptions): Promise<BuildResult> {
  const progress = options.progress ?? silentProgress();
  const ran: string[] = [];

  progress.step("quantize");
  const loaded = await loadModel(target, { inputRange: options.inputRange, name: options.name });
  const { quantized, report } = quantize(loaded.model, { scaleBits: options.scaleBits });
  const name = quantized.name;
  const dir = path.resolve(options.out ?? path.join("build", name));
  await mkdir(dir, { recursive: true });
  const previous = await previousManifest(dir);
  const at = (file: string) => path.join(dir, file);

  const quantizedFile = at(`${name}.quantized.json`);
  // The quantization report is news only when the quantized model is.
  if ((await writeIfChanged(quantizedFile, serializeQuantized(quantized) + "\n")) || !previous) for (const line of formatReport(report)) progress.log(line);
  const commitment = weightsCommitment(quantized);
  const modelHash = hashBytes(loaded.bytes);
  // A copy of the model file travels with the build: a node re-quantizes it before it stakes.
  const modelCopy = at(`source.${loaded.format}`);
  if (path.resolve(loaded.file) !== modelCopy && !(existsSync(modelCopy) && (await hashFile(modelCopy)) === modelHash)) {
    await writeFile(`${modelCopy}.tmp`, loaded.bytes);
    await rename(`${modelCopy}.tmp`, modelCopy);
  }

  progress.step("circuit");
  const layout = circuitLayout(quantized);
  const circuitFile = at(`${name}.circom`);
  const circuitSource = circuitSourceOf(quantized, modelHash);
  await writeIfChanged(circuitFile, circuitSource);

  progress.step("compile");
  const tools = await toolVersions();
  const library = await libraryHash();
  const compileKey = cacheKeys.compile(tools.circom, library, circuitSource);
  const r1csFile = at(`${name}.r1cs`);
  const wasmFile = path.join(dir, `${name}_js`, `${name}.wasm`);
  if (!(previous?.keys.compile === compileKey && (await upToDate(dir, [previous.r1cs, previous.wasm])))) {
    await compileCircuit(circuitFile, dir);
    ran.push("compile");
  }
  const r1cs = await readR1cs(r1csFile);
  const counts = countConstraints(r1cs);
  const nPublic = r1cs.nPubOut + r1cs.nPubIn;
  await checkCompiled(r1cs, counts, path.join(dir, `${name}.sym`), layout);

  progress.step("powers of tau");
  const ptau = await selectPtau(options.ptau, r1cs.constraints.length, nPublic, progress);

  progress.step("groth16 setup");
  const r1csHash = await hashFile(r1csFile);
  const zkeyFile = at(`${name}.zkey`);
  const setupKey = cacheKeys.setup(r1csHash, ptau.entry.hash);
  const reusedKey = previous?.keys.setup === setupKey && (await upToDate(dir, [previous.zkey]));
  if (!reusedKey) {
    await groth16Setup(r1csFile, ptau.file, zkeyFile, progress);
    ran.push("setup");
  }

  progress.step("verifier");
  const setup = reusedKey && previous?.setup ? previous.setup : await developmentRecord(zkeyFile);
  const contracts = await writeContracts(dir, name, quantized, zkeyFile, previous, progress, options.verifiersDir ?? undefined);
  ran.push(...contracts.ran);

  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    pipeline: PIPELINE_VERSION,
    tools,
    model: { file: path.relative(dir, path.resolve(loaded.file)), hash: modelHash, name, version: quantized.version, format: loaded.format },
    quantized: {
      ...(await fileEntry(dir, quantizedFile)),
      weightsCommitment: commitment,
      scaleBits: quantized.scaleBits,
      input: encodingJson(quantized.input),
      output: encodingJson(quantized.output),
    },
    circuit: {
      file: path.relative(dir, circuitFile),
      hash: hashBytes(circuitSource),
      template: layout.template,
      library,
      nonLinear: counts.nonLinear,
      linear: counts.linear,
      publicSignals: nPublic,
      wires: r1cs.nWires,
    },
    r1cs: { file: path.relative(dir, r1csFile), hash: r1csHash },
    wasm: await fileEntry(dir, wasmFile),
    ptau: ptau.entry,
    zkey: contracts.entries.zkey,
    setup,
    vkey: contracts.entries.vkey,
    verifier: contracts.entries.verifier,
    adapter: contracts.entries.adapter,
    deployable: contracts.entries.deployable,
    keys: { compile: compileKey, setup: setupKey, deploy: contracts.deployKey },
    report,
  };
  await writeManifest(dir, manifest);
  progress.log(
    `${name}: ${counts.nonLinear} non-linear + ${counts.linear} linear constraints, ${nPublic} public signals, ptau 2^${ptau.entry.power}` +
      (ran.length ? `; ran ${ran.join(", ")}` : "; up to date"),
  );
  progress.done();
  return { dir, manifest, quantized, ran };
}
