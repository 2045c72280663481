/**
 * A ceremony's final zkey into a build directory: checked against the build's own circuit and
 * powers of tau, then the verification key, the verifier and the adapter remade from it, and the
 * manifest records the ceremony. Also: finding the powers-of-tau file a build names by hash.
 */
import { existsSync } from "node:fs";
import { copyFile, readdir, readFile, rename, stat } from "node:fs/promises";
import path from "node:path";
import { BuildError } from "../errors.js";
import { parseQuantized } from "../engine/fixed.js";
import { writeContracts } from "./build.js";
import { SetupError, verifySetup, type SetupRecord } from "./ceremony.js";
import { hashFile, readManifestFile, writeManifest, type Manifest, type PtauEntry } from "./manifest.js";
import { silentProgress } from "./progress.js";
import { cacheDir, releaseCurve } from "./ptau.js";

const hashes = new Map<string, string>();

/** keccak256 of a file, remembered for this process by path, size and mtime (ceremony files are large). */
async function cachedHash(file: string): Promise<string> {
  const s = await stat(file);
  const key = `${path.resolve(file)}\0${s.size}\0${s.mtimeMs}`;
  let h = hashes.get(key);
  if (!h) hashes.set(key, (h = await hashFile(file)));
  return h;
}

/**
 * The powers-of-tau file whose hash is `entry.hash`: among `candidates` (ceremony files the caller
 * names) and this machine's local cache. Throws SetupError when none is.
 */
export async function findPtau(entry: Pick<PtauEntry, "hash" | "name">, candidates: readonly string[] = []): Promise<string> {
  // Only files the caller names and the files this machine's cache holds, found by listing it: a
  // build's manifest names its ptau as free text, which must never become a path (it could point
  // at a phase 1 whose secrets its author knows, shipped inside the build).
  const local = path.join(cacheDir(), "ptau");
  const files = [...candidates];
  if (existsSync(local)) for (const f of await readdir(local)) if (/^pot\d+_local\.ptau$/.test(f)) files.push(path.join(local, f));
  for (const file of files) if (existsSync(file) && (await cachedHash(file)) === entry.hash) return file;
  throw new SetupError(`no powers-of-tau file with keccak256 ${entry.hash} (named ${JSON.stringify(entry.name)}) among the files trusted here: pass the ceremony file the build used (--ptau)`);
}

/**
 * Puts `finalZkey`, the last zkey of ceremony `ceremonyId` with beacon `beacon` applied, into the
 * build directory `dir`: `zkey verify` against the build's r1cs and powers of tau, the transcript
 * ending in that beacon after at least one contribution; then the verifier and adapter from it.
 */
export async function adoptCeremonyKey(
  dir: string,
  finalZkey: string,
  options: { ceremonyId: number; beacon: string; ptau?: string; verifiersDir?: string },
): Promise<Manifest> {
  try {
    const manifest = await readManifestFile(dir);
    const at = (file: string) => path.resolve(dir, file);
    const r1cs = at(manifest.r1cs.file);
    if ((await hashFile(r1cs)) !== manifest.r1cs.hash) throw new BuildError(`${r1cs} is not the r1cs the manifest names: build again`);
    const ptau = await findPtau(manifest.ptau, options.ptau ? [options.ptau] : []);
    const { entries } = await verifySetup(r1cs, ptau, finalZkey);
    const last = entries.at(-1);
    if (!last || last.kind !== "beacon" || last.beacon?.toLowerCase() !== options.beacon.toLowerCase()) {
      throw new SetupError(`${finalZkey} does not end with ceremony #${options.ceremonyId}'s beacon ${options.beacon}`);
    }
    if (!entries.some((e) => e.kind === "contribution")) throw new SetupError(`${finalZkey} holds no contribution`);
    const zkeyFile = at(manifest.zkey.file);
    const tmp = `${zkeyFile}.adopt`;
    await copyFile(finalZkey, tmp);
    await rename(tmp, zkeyFile);
    const quantized = parseQuantized(await readFile(at(manifest.quantized.file), "utf8"));
    const contracts = await writeContracts(dir, manifest.model.name, quantized, zkeyFile, manifest, silentProgress(), options.verifiersDir);
    const setup: SetupRecord = { kind: "ceremony", ceremonyId: options.ceremonyId, transcript: entries };
    const next: Manifest = { ...manifest, ...contracts.entries, setup, keys: { ...manifest.keys, deploy: contracts.deployKey } };
    await writeManifest(dir, next);
    return next;
  } finally {
    await releaseCurve();
  }
}
