/**
 * A build directory's manifest (manifest.json): what every artifact is (file and keccak256) and the
 * input keys of the expensive steps, so that a build reruns only what changed. Every path in it is
 * relative to the build directory, so the directory can be moved or copied to another machine.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { hashBytes } from "../protocol/hashing.js";
import type { Encoding } from "../engine/fixed.js";
import type { SetupRecord } from "./ceremony.js";
import type { QuantizationReport } from "./quantize.js";

export const MANIFEST_FORMAT = "proofgrid-build-2";
/** Bump when a change to the pipeline changes its outputs. */
export const PIPELINE_VERSION = "3";

/** A file of the build, relative to the build directory. */
export interface FileEntry {
  file: string;
  hash: string;
}

export type EncodingJson = { size: number; lo: string; bits: number };

/**
 * The powers of tau a setup used. It lives outside the build directory (the local cache, or a
 * ceremony file given by path), so the manifest names it by file name and hash only.
 */
export interface PtauEntry {
  name: string;
  hash: string;
  power: number;
  source: "local" | "ceremony";
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  pipeline: string;
  tools: { circom: string; snarkjs: string };
  /** The model file, relative to the build directory like every other file. */
  model: FileEntry & { name: string; version: string; format: "json" | "onnx" };
  quantized: FileEntry & { weightsCommitment: string; scaleBits: number; input: EncodingJson; output: EncodingJson };
  circuit: FileEntry & { template: string; library: string; nonLinear: number; linear: number; publicSignals: number; wires: number };
  r1cs: FileEntry;
  wasm: FileEntry;
  ptau: PtauEntry;
  zkey: FileEntry;
  /** What the zkey's trust rests on: a single-party development key, or a multi-party ceremony. */
  setup: SetupRecord;
  vkey: FileEntry;
  verifier: FileEntry & { contract: string };
  adapter: FileEntry & { contract: string };
  /** The adapter's ABI and creation bytecode (solc-js), deployable without a Hardhat project. */
  deployable: FileEntry;
  /** Input keys of the expensive steps: a step reruns when its key changes. */
  keys: { compile: string; setup: string; deploy: string };
  report: QuantizationReport;
}

export const MANIFEST_FILE = "manifest.json";

export const encodingJson = (e: Encoding): EncodingJson => ({ size: e.size, lo: e.lo.toString(), bits: e.bits });

export const hashFile = async (file: string) => hashBytes(await readFile(file));

/** Writes `content` unless the file already holds it (keeps mtimes, and Hardhat's cache, stable). */
export async function writeIfChanged(file: string, content: string): Promise<boolean> {
  if (existsSync(file) && (await readFile(file, "utf8")) === content) return false;
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
  return true;
}

/** The manifest of `dir` as written, whatever its format (throws when there is none). */
export async function readManifestFile(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), "utf8")) as Manifest;
}

/** The manifest of a previous build in `dir`, if there is one this pipeline can reuse. */
export async function previousManifest(dir: string): Promise<Manifest | undefined> {
  if (!existsSync(path.join(dir, MANIFEST_FILE))) return undefined;
  try {
    const m = await readManifestFile(dir);
    return m.format === MANIFEST_FORMAT && m.pipeline === PIPELINE_VERSION ? m : undefined;
  } catch {
    return undefined;
  }
}

export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  await writeIfChanged(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, (_, v) => (typeof v === "bigint" ? v.toString() : v), 1) + "\n");
}

/** True when every entry exists in `dir` with its recorded hash (a missing entry: false). */
export async function upToDate(dir: string, entries: (FileEntry | undefined)[]): Promise<boolean> {
  for (const e of entries) {
    if (!e) return false;
    const file = path.resolve(dir, e.file);
    if (!existsSync(file) || (await hashFile(file)) !== e.hash) return false;
  }
  return true;
}

/** The entry of `file` (inside `dir`): its path relative to `dir` and its hash. */
export async function fileEntry(dir: string, file: string): Promise<FileEntry> {
  return { file: path.relative(dir, file) || ".", hash: await hashFile(file) };
}

/**
 * The cache keys: the inputs of each expensive step. compile: circom on the circuit; setup: the
 * Groth16 keys of the r1cs with the ptau; deploy: solc-js on the generated contracts.
 */
export const cacheKeys = {
  compile: (circom: string, library: string, circuitSource: string) => hashBytes([PIPELINE_VERSION, circom, library, circuitSource].join("\0")),
  setup: (r1csHash: string, ptauHash: string) => hashBytes([r1csHash, ptauHash].join("\0")),
  /** "deployable-v2": the deployable also holds the Groth16 verifier's creation code (nodes check the code). */
  deploy: (sources: string[], compiler: string) => hashBytes(["deployable-v2", compiler, ...sources].join("\0")),
};
