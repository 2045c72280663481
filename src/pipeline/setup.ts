/**
 * Groth16 setup: the powers of tau a circuit needs (a ceremony file given by path, or the local
 * cache of src/pipeline/ptau.ts) and the circuit-specific keys (zkey, verification key).
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import * as snarkjs from "snarkjs";
import { BuildError } from "../errors.js";
import { hashFile, type PtauEntry } from "./manifest.js";
import type { Progress } from "./progress.js";
import { localPtau, ptauPower, requiredPower } from "./ptau.js";

/**
 * The powers of tau for a circuit of `constraints` constraints and `publicSignals` public signals:
 * the ceremony file `ceremony` when given (checked to exist and to be large enough), else the
 * smallest local one that is. Returns its path on this machine and its manifest entry (no path).
 */
export async function selectPtau(ceremony: string | undefined, constraints: number, publicSignals: number, progress: Progress): Promise<{ file: string; entry: PtauEntry }> {
  const power = requiredPower(constraints, publicSignals);
  let file: string;
  if (ceremony) {
    file = path.resolve(ceremony);
    if (!existsSync(file)) throw new BuildError(`ptau file ${ceremony} does not exist`);
    const have = await ptauPower(file);
    if (have < power) throw new BuildError(`ptau file ${ceremony} has power ${have}; this circuit (${constraints} constraints) needs ${power}`);
  } else {
    file = await localPtau(power, progress);
  }
  const entry: PtauEntry = {
    name: path.basename(file),
    hash: await hashFile(file),
    power: await ptauPower(file),
    source: ceremony ? "ceremony" : "local",
  };
  return { file, entry };
}

/**
 * Phase 2 for one circuit, by this machine alone: a new zkey from the r1cs and the ptau with one
 * random contribution. A development key: its maker could keep delta and prove anything, so nodes
 * refuse releases made from it unless told otherwise; production keys come from a ceremony
 * (src/pipeline/ceremony.ts).
 */
export async function groth16Setup(r1csFile: string, ptauFile: string, zkeyFile: string, progress: Progress): Promise<void> {
  const logger = progress.logger();
  const initial = `${zkeyFile}.0`;
  await snarkjs.zKey.newZKey(r1csFile, ptauFile, initial, logger);
  await snarkjs.zKey.contribute(initial, zkeyFile, "proofgrid development key (single party)", randomBytes(32).toString("hex"), logger);
  await rm(initial);
}

/** The verification key of a zkey, as the build writes it (verification_key.json). */
export async function verificationKeyJson(zkeyFile: string): Promise<string> {
  return JSON.stringify(await snarkjs.zKey.exportVerificationKey(zkeyFile), null, 1) + "\n";
}
