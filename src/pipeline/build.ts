/**
 * `proofgrid model build`: model file -> quantized model -> circom circuit -> r1cs/wasm -> Groth16 keys
 * -> Solidity verifier + IProofVerifier adapter -> manifest. Every step is keyed by the hashes of its
 * inputs and skipped when they did not change, so a second build of the same model is instant.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import * as snarkjs from "snarkjs";
import { BuildError } from "../errors.js";
import { PACKAGE_ROOT } from "../package.js";
import { hashBytes, weightsCommitment } from "../protocol/hashing.js";
import { serializeQuantized, type Encoding, type QuantizedModel } from "../engine/fixed.js";
import { circuitLayout, generateCircuit } from "./circuit.js";
import { loadModel } from "./load.js";
import { silentProgress, type Progress } from "./progress.js";
import { localPtau, ptauPower, releaseCurve, requiredPower } from "./ptau.js";
import { formatReport, quantize, type QuantizationReport } from "./quantize.js";
import { compileContract } from "./solidity.js";
import { countConstraints, readR1cs } from "./witness.js";

const MANIFEST_FORMAT = "proofgrid-build-1";
/** Bump when a change to the pipeline changes its outputs. */
const PIPELINE_VERSION = "1";

export interface BuildOptions {
  /** Output directory (default build/<model name>). */
  out?: string;
  /** A powers-of-tau ceremony file; default: a local one, cached outside the tree. */
  ptau?: string;
  /** Fixes the scale 2^S instead of choosing it. */
  scaleBits?: number;
  /** Overrides the input range (ONNX files carry none; default [-1, 1]). */
  inputRange?: [number, number];
  /** Overrides the model's name (the contracts are named after it). */
  name?: string;
  /** Where to write the Solidity verifier and adapter (default contracts/verifiers in the working directory); null: only into `out`. */
  verifiersDir?: string | null;
  progress?: Progress;
}

export interface FileEntry {
  file: string;
  hash: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  pipeline: string;
  tools: { circom: string; snarkjs: string };
  model: FileEntry & { name: string; version: string; format: "json" | "onnx" };
  quantized: FileEntry & { weightsCommitment: string; scaleBits: number; input: EncodingJson; output: EncodingJson };
  circuit: FileEntry & { template: string; library: string; nonLinear: number; linear: number; publicSignals: number; wires: number };
  r1cs: FileEntry;
  wasm: FileEntry;
  ptau: FileEntry & { power: number; source: "local" | "ceremony" };
  zkey: FileEntry;
  vkey: FileEntry;
  verifier: FileEntry & { contract: string };
  adapter: FileEntry & { contract: string };
  /** The adapter's ABI and creation bytecode (solc-js), deployable without a Hardhat project. */
  deployable: FileEntry;
  /** Input keys of the expensive steps: a step reruns when its key changes. */
  keys: { compile: string; setup: string; deploy: string };
  report: QuantizationReport;
}

type EncodingJson = { size: number; lo: string; bits: number };

export interface BuildResult {
  dir: string;
  manifest: Manifest;
  quantized: QuantizedModel;
  /** The steps that ran (the others were up to date). */
  ran: string[];
}

const hashFile = async (file: string) => hashBytes(await readFile(file));

/** PascalCase identifier for contract names: "support-intents" -> "SupportIntents". */
export function contractBase(name: string): string {
  const s = name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
  return /^[A-Za-z]/.test(s) ? s : `Model${s}`;
}

const encodingJson = (e: Encoding): EncodingJson => ({ size: e.size, lo: e.lo.toString(), bits: e.bits });

/** Writes `content` unless the file already holds it (keeps mtimes, and Hardhat's cache, stable). */
async function writeIfChanged(file: string, content: string): Promise<boolean> {
  if (existsSync(file) && (await readFile(file, "utf8")) === content) return false;
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
  return true;
}

async function libraryHash(): Promise<string> {
  const lib = path.join(PACKAGE_ROOT, "circuits/lib");
  const files = ["proofgrid.circom", "fixedpoint.circom", "argmax.circom", "packing.circom"];
  const bitify = path.join(PACKAGE_ROOT, "node_modules/circomlib/circuits/bitify.circom");
  const parts = await Promise.all([...files.map((f) => readFile(path.join(lib, f), "utf8")), readFile(bitify, "utf8")]);
  return hashBytes(parts.join("\0"));
}

async function toolVersions(): Promise<{ circom: string; snarkjs: string }> {
  const read = async (pkg: string) =>
    (JSON.parse(await readFile(path.join(PACKAGE_ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
  return { circom: `circom2 ${await read("circom2")}`, snarkjs: await read("snarkjs") };
}

/** Runs circom2 (the WebAssembly build) on `circuit`, writing into `outDir`. */
export async function compileCircuit(circuit: string, outDir: string, optimization: "O0" | "O1" | "O2" = "O2"): Promise<string> {
  const cli = path.join(PACKAGE_ROOT, "node_modules/circom2/cli.js");
  const args = [
    cli,
    circuit,
    "--r1cs",
    "--wasm",
    "--sym",
    `--${optimization}`,
    "-l",
    path.join(PACKAGE_ROOT, "circuits/lib"),
    "-l",
    path.join(PACKAGE_ROOT, "node_modules"),
    "-o",
    outDir,
  ];
  await mkdir(outDir, { recursive: true });
  try {
    // circom2 maps paths relative to its working directory and can only see that directory's
    // tree and its parents; the filesystem root sees everything.
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: path.parse(path.resolve(outDir)).root, maxBuffer: 64 << 20 });
    // circom's witness calculator is CommonJS; inside a "type": "module" package it needs a marker.
    const stem = path.basename(circuit, ".circom");
    await writeFile(path.join(outDir, `${stem}_js`, "package.json"), '{ "type": "commonjs" }\n');
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    const text = `${e.stdout ?? ""}${e.stderr ?? ""}`.replace(/\x1b\[[0-9;]*m/g, "");
    const reason = text.split("\n").find((l) => /error/i.test(l)) ?? e.message;
    throw new BuildError(`circom failed on ${circuit}: ${reason.trim()}`, { details: text.trim(), cause: error });
  }
}

function renameVerifier(source: string, contract: string, manifestHeader: string[]): string {
  const header = [
    "// GENERATED by `proofgrid model build` from snarkjs' Groth16 verifier template. Do not edit: build",
    "// the model again. Reached only through its adapter (IProofVerifier).",
    ...manifestHeader.map((l) => `// ${l}`),
  ].join("\n");
  const body = source.replace(/contract Groth16Verifier\b/, `contract ${contract}`);
  if (body === source) throw new BuildError("snarkjs' verifier template changed: no `contract Groth16Verifier` to rename");
  // Keep the SPDX line first for the compiler's license check.
  const lines = body.split("\n");
  const spdx = lines.findIndex((l) => l.includes("SPDX-License-Identifier"));
  if (spdx >= 0) {
    const [license] = lines.splice(spdx, 1);
    return `${license}\n${header}\n${lines.join("\n")}`;
  }
  return `${header}\n${body}`;
}

/** The Solidity verifier of a zkey, renamed and headed as generated. */
async function verifierSource(zkeyFile: string, contract: string, headerLines: string[]): Promise<string> {
  const template = await readFile(path.join(PACKAGE_ROOT, "node_modules/snarkjs/templates/verifier_groth16.sol.ejs"), "utf8");
  const solidity = await snarkjs.zKey.exportSolidityVerifier(zkeyFile, { groth16: template });
  return renameVerifier(solidity, contract, headerLines);
}

/**
 * Regenerates the verifier of a build from its zkey and says whether it equals the file on disk
 * (the reproducibility check: a verifier must come from the zkey the manifest names).
 */
export async function checkVerifier(dir: string): Promise<{ matches: boolean; file: string }> {
  const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as Manifest;
  const zkeyFile = path.resolve(dir, manifest.zkey.file);
  if ((await hashFile(zkeyFile)) !== manifest.zkey.hash) return { matches: false, file: zkeyFile };
  const headerLines = [
    `model ${manifest.model.name} ${manifest.model.version}, weights commitment ${manifest.quantized.weightsCommitment}`,
    `zkey keccak256 ${manifest.zkey.hash}`,
  ];
  try {
    const source = await verifierSource(zkeyFile, manifest.verifier.contract, headerLines);
    const file = path.resolve(dir, manifest.verifier.file);
    return { matches: source === (await readFile(file, "utf8")) && hashBytes(source) === manifest.verifier.hash, file };
  } finally {
    await releaseCurve();
  }
}

function adapterSource(base: string, verifier: string, commitment: string, model: QuantizedModel, headerLines: string[]): string {
  const enc = (e: Encoding) => `Encoding({lo: ${e.lo}, size: ${e.size}, bits: ${e.bits}})`;
  return `// SPDX-License-Identifier: MIT
// GENERATED by \`proofgrid model build\`. Do not edit: build the model again.
${headerLines.map((l) => `// ${l}`).join("\n")}
pragma solidity ^0.8.28;

import {Groth16InferenceAdapter} from "../zk/Groth16InferenceAdapter.sol";
import {${verifier}} from "./${verifier}.sol";

/// @title ${base}ProofVerifier
/// @notice IProofVerifier for model ${model.name} ${model.version}: deploy it and name it as the release's verifier.
contract ${base}ProofVerifier is Groth16InferenceAdapter {
    constructor()
        Groth16InferenceAdapter(
            address(new ${verifier}()),
            ${commitment},
            ${enc(model.input)},
            ${enc(model.output)}
        )
    {}
}
`;
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  const file = path.join(dir, "manifest.json");
  if (!existsSync(file)) return undefined;
  try {
    const m = JSON.parse(await readFile(file, "utf8")) as Manifest;
    return m.format === MANIFEST_FORMAT && m.pipeline === PIPELINE_VERSION ? m : undefined;
  } catch {
    return undefined;
  }
}

async function upToDate(dir: string, entries: (FileEntry | undefined)[]): Promise<boolean> {
  for (const e of entries) {
    if (!e) return false;
    const file = path.resolve(dir, e.file);
    if (!existsSync(file) || (await hashFile(file)) !== e.hash) return false;
  }
  return true;
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
  for (const line of formatReport(report)) progress.log(line);
  const name = quantized.name;
  const base = contractBase(name);
  const dir = path.resolve(options.out ?? path.join("build", name));
  await mkdir(dir, { recursive: true });
  const previous = await readManifest(dir);
  const rel = (file: string) => path.relative(dir, file) || ".";

  const quantizedFile = path.join(dir, `${name}.quantized.json`);
  await writeIfChanged(quantizedFile, serializeQuantized(quantized) + "\n");
  const commitment = weightsCommitment(quantized);
  const modelHash = hashBytes(loaded.bytes);

  progress.step("circuit");
  const layout = circuitLayout(quantized);
  const circuitFile = path.join(dir, `${name}.circom`);
  const circuitSource = generateCircuit(quantized, [
    `model ${path.basename(loaded.file)} (keccak256 ${modelHash})`,
    `weights commitment ${commitment}`,
  ]);
  await writeIfChanged(circuitFile, circuitSource);

  progress.step("compile");
  const tools = await toolVersions();
  const library = await libraryHash();
  const compileKey = hashBytes([PIPELINE_VERSION, tools.circom, library, circuitSource].join("\0"));
  const r1csFile = path.join(dir, `${name}.r1cs`);
  const wasmFile = path.join(dir, `${name}_js`, `${name}.wasm`);
  if (!(previous?.keys.compile === compileKey && (await upToDate(dir, [previous.r1cs, previous.wasm])))) {
    await compileCircuit(circuitFile, dir);
    ran.push("compile");
  }
  const r1cs = await readR1cs(r1csFile);
  const counts = countConstraints(r1cs);
  const nPublic = r1cs.nPubOut + r1cs.nPubIn;
  if (nPublic !== layout.publicSignals) {
    throw new BuildError(`the circuit has ${nPublic} public signals, the layout expects ${layout.publicSignals}`);
  }

  progress.step("powers of tau");
  const power = requiredPower(r1cs.constraints.length, nPublic);
  let ptauFile: string;
  if (options.ptau) {
    ptauFile = path.resolve(options.ptau);
    if (!existsSync(ptauFile)) throw new BuildError(`ptau file ${options.ptau} does not exist`);
    const have = await ptauPower(ptauFile);
    if (have < power) throw new BuildError(`ptau file ${options.ptau} has power ${have}; this circuit (${r1cs.constraints.length} constraints) needs ${power}`);
  } else {
    ptauFile = await localPtau(power, progress);
  }

  progress.step("groth16 setup");
  const r1csHash = await hashFile(r1csFile);
  const zkeyFile = path.join(dir, `${name}.zkey`);
  const ptauEntry: Manifest["ptau"] = {
    file: ptauFile,
    hash: await hashFile(ptauFile),
    power: await ptauPower(ptauFile),
    source: options.ptau ? "ceremony" : "local",
  };
  const setupKey = hashBytes([r1csHash, ptauEntry.hash].join("\0"));
  if (!(previous?.keys.setup === setupKey && (await upToDate(dir, [previous.zkey])))) {
    const logger = progress.logger();
    const initial = `${zkeyFile}.0`;
    await snarkjs.zKey.newZKey(r1csFile, ptauFile, initial, logger);
    await snarkjs.zKey.contribute(initial, zkeyFile, "proofgrid build", randomBytes(32).toString("hex"), logger);
    await rm(initial);
    ran.push("setup");
  }

  progress.step("verifier");
  const zkeyHash = await hashFile(zkeyFile);
  const vkeyFile = path.join(dir, "verification_key.json");
  const verifierContract = `${base}Groth16Verifier`;
  const adapterContract = `${base}ProofVerifier`;
  const verifierFile = path.join(dir, `${verifierContract}.sol`);
  const adapterFile = path.join(dir, `${adapterContract}.sol`);
  const headerLines = [`model ${name} ${quantized.version}, weights commitment ${commitment}`, `zkey keccak256 ${zkeyHash}`];
  if (!(previous?.zkey.hash === zkeyHash && (await upToDate(dir, [previous.vkey, previous.verifier])))) {
    const vkey = await snarkjs.zKey.exportVerificationKey(zkeyFile);
    await writeIfChanged(vkeyFile, JSON.stringify(vkey, null, 1) + "\n");
    await writeIfChanged(verifierFile, await verifierSource(zkeyFile, verifierContract, headerLines));
    ran.push("verifier");
  }
  await writeIfChanged(adapterFile, adapterSource(base, verifierContract, commitment, quantized, headerLines));
  // A deployable adapter (it creates its verifier in its constructor), compiled with solc-js.
  const deployableFile = path.join(dir, `${adapterContract}.json`);
  const adapterText = await readFile(adapterFile, "utf8");
  // "deployable-v2": the file also holds the Groth16 verifier's creation code (nodes check the code).
  const deployKey = hashBytes(["deployable-v2", adapterText, await readFile(verifierFile, "utf8"), await readFile(path.join(PACKAGE_ROOT, "contracts/zk/Groth16InferenceAdapter.sol"), "utf8")].join("\0"));
  if (!(previous?.keys.deploy === deployKey && (await upToDate(dir, [previous.deployable])))) {
    progress.detail("solc");
    const unit = `contracts/verifiers/${adapterContract}.sol`;
    const verifierUnit = `contracts/verifiers/${verifierContract}.sol`;
    const compiled = compileContract(PACKAGE_ROOT, { [unit]: adapterText, [verifierUnit]: await readFile(verifierFile, "utf8") }, unit, adapterContract, [verifierUnit, verifierContract]);
    const { alsoBytecode, ...adapter } = compiled;
    await writeIfChanged(deployableFile, JSON.stringify({ ...adapter, verifierBytecode: alsoBytecode }) + "\n");
    ran.push("solc");
  }
  const verifiersDir = options.verifiersDir === undefined ? path.resolve("contracts/verifiers") : options.verifiersDir;
  if (verifiersDir) {
    const verifierText = await readFile(verifierFile, "utf8");
    const adapterText = await readFile(adapterFile, "utf8");
    await writeIfChanged(path.join(verifiersDir, `${verifierContract}.sol`), verifierText);
    await writeIfChanged(path.join(verifiersDir, `${adapterContract}.sol`), adapterText);
  }

  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    pipeline: PIPELINE_VERSION,
    tools,
    model: { file: path.resolve(loaded.file), hash: modelHash, name, version: quantized.version, format: loaded.format },
    quantized: {
      file: rel(quantizedFile),
      hash: await hashFile(quantizedFile),
      weightsCommitment: commitment,
      scaleBits: quantized.scaleBits,
      input: encodingJson(quantized.input),
      output: encodingJson(quantized.output),
    },
    circuit: {
      file: rel(circuitFile),
      hash: hashBytes(circuitSource),
      template: layout.template,
      library,
      nonLinear: counts.nonLinear,
      linear: counts.linear,
      publicSignals: nPublic,
      wires: r1cs.nWires,
    },
    r1cs: { file: rel(r1csFile), hash: r1csHash },
    wasm: { file: rel(wasmFile), hash: await hashFile(wasmFile) },
    ptau: ptauEntry,
    zkey: { file: rel(zkeyFile), hash: zkeyHash },
    vkey: { file: rel(vkeyFile), hash: await hashFile(vkeyFile) },
    verifier: { file: rel(verifierFile), hash: await hashFile(verifierFile), contract: verifierContract },
    adapter: { file: rel(adapterFile), hash: await hashFile(adapterFile), contract: adapterContract },
    deployable: { file: rel(deployableFile), hash: await hashFile(deployableFile) },
    keys: { compile: compileKey, setup: setupKey, deploy: deployKey },
    report,
  };
  await writeIfChanged(path.join(dir, "manifest.json"), JSON.stringify(manifest, (_, v) => (typeof v === "bigint" ? v.toString() : v), 1) + "\n");
  progress.log(
    `${name}: ${counts.nonLinear} non-linear + ${counts.linear} linear constraints, ${nPublic} public signals, ptau 2^${ptauEntry.power}` +
      (ran.length ? `; ran ${ran.join(", ")}` : "; up to date"),
  );
  progress.done();
  return { dir, manifest, quantized, ran };
}
