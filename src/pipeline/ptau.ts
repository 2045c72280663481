/**
 * Powers of tau: made locally once per size and cached outside the build tree, or a ceremony file
 * given by path. A local file is fine for development and tests, not for production: whoever made
 * it could have kept the toxic waste. Production builds pass `--ptau <ceremony file>`.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, open, readdir, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as snarkjs from "snarkjs";
import { BuildError } from "../errors.js";
import type { Progress } from "./progress.js";

export function cacheDir(): string {
  if (process.env.PROOFGRID_CACHE) return process.env.PROOFGRID_CACHE;
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "proofgrid");
}

/** The smallest power of tau a Groth16 setup of this circuit needs (snarkjs' rule). */
export function requiredPower(nConstraints: number, nPublic: number): number {
  const n = nConstraints + nPublic; // + 1 for the constant one, - 1 as in snarkjs
  let power = 0;
  while (2 ** power <= n) power++;
  return Math.max(power, 1);
}

/** The power of a .ptau file, read from its header (section 1: n8, q, power, ceremonyPower). */
export async function ptauPower(file: string): Promise<number> {
  const fd = await open(file, "r");
  try {
    const head = Buffer.alloc(12);
    await fd.read(head, 0, 12, 0);
    if (head.toString("latin1", 0, 4) !== "ptau") throw new BuildError(`${file} is not a powers-of-tau file`);
    const sections = head.readUInt32LE(8);
    let pos = 12;
    for (let s = 0; s < sections; s++) {
      const sh = Buffer.alloc(12);
      await fd.read(sh, 0, 12, pos);
      const type = sh.readUInt32LE(0);
      const size = Number(sh.readBigUInt64LE(4));
      if (type === 1) {
        const body = Buffer.alloc(4);
        await fd.read(body, 0, 4, pos + 12);
        const n8 = body.readUInt32LE(0);
        const power = Buffer.alloc(4);
        await fd.read(power, 0, 4, pos + 12 + 4 + n8);
        return power.readUInt32LE(0);
      }
      pos += 12 + size;
    }
    throw new BuildError(`${file} has no header section`);
  } finally {
    await fd.close();
  }
}

/**
 * A prepared (phase 2) local powers of tau of at least `power`: the smallest cached one that is large
 * enough, else a new one of exactly `power` (prepare-phase2 takes ~80 s for 2^12 on 2 cores).
 */
export async function localPtau(power: number, progress: Progress): Promise<string> {
  const dir = path.join(cacheDir(), "ptau");
  await mkdir(dir, { recursive: true });
  const cached = (await readdir(dir))
    .map((f) => /^pot(\d+)_local\.ptau$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) >= power)
    .sort((a, b) => Number(a[1]) - Number(b[1]));
  if (cached.length > 0) return path.join(dir, cached[0][0]);

  const file = path.join(dir, `pot${power}_local.ptau`);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  const logger = progress.logger();
  progress.log(`making a local powers of tau of size 2^${power} in ${dir} (once; development only, pass --ptau for production)`);
  const curve = await snarkjs.curves.getCurveFromName("bn128");
  try {
    await snarkjs.powersOfTau.newAccumulator(curve, power, `${tmp}.0`, logger);
    await snarkjs.powersOfTau.contribute(`${tmp}.0`, `${tmp}.1`, "proofgrid local", randomBytes(32).toString("hex"), logger);
    await snarkjs.powersOfTau.preparePhase2(`${tmp}.1`, tmp, logger);
    await rename(tmp, file); // atomic: a crash never leaves a half-written cache entry
  } finally {
    await curve.terminate();
    for (const f of [`${tmp}.0`, `${tmp}.1`, tmp]) if (existsSync(f)) await rm(f);
  }
  return file;
}

/** Proofs and verifications under way in this process, which need the cached curve's workers. */
let inUse = 0;
let releaseWhenIdle = false;

/**
 * Stops the worker threads of snarkjs' cached BN254 curve (they keep a process alive). While a
 * proof or a verification is under way (see useCurve), the release waits for it to end.
 */
export async function releaseCurve(): Promise<void> {
  if (inUse > 0) {
    releaseWhenIdle = true;
    return;
  }
  releaseWhenIdle = false;
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
  const curve = g.curve_bn128;
  delete g.curve_bn128;
  await curve?.terminate();
}

/**
 * Runs `fn`, which uses snarkjs' cached curve, counted, so that no release stops the curve under
 * it; with `release`, the curve's workers are stopped once nothing else in the process uses them
 * (the SDK verifies this way, so that a script that uses it ends by itself).
 */
export async function useCurve<T>(fn: () => Promise<T>, options: { release?: boolean } = {}): Promise<T> {
  inUse++;
  try {
    return await fn();
  } finally {
    inUse--;
    if (options.release) releaseWhenIdle = true;
    if (inUse === 0 && releaseWhenIdle) await releaseCurve();
  }
}
