/**
 * Groth16 phase 2 by many parties. A zkey made by one party is a development key: whoever made it
 * may know delta, and with delta (snarkjs sets gamma to the generator) a proof of any public
 * signals is three group operations. A ceremony removes that: the coordinator publishes the
 * circuit and an initial zkey (no contribution), each contributor in turn multiplies delta by a
 * secret it then forgets, and a beacon (a block hash fixed after the last contribution) closes it.
 * Nobody knows the final delta unless every contributor colluded, so a node that contributed
 * itself (or trusts one that did) can rely on the key.
 *
 * The transcript lives in the zkey (section 10: the circuit hash, then each contribution's public
 * key and the transcript it extends). `readTranscript` reads it and computes each contribution's
 * hash exactly as snarkjs prints it (blake2b-512); the registry records keccak256 of that hash.
 * `verifySetup` checks the whole chain against the r1cs and the phase-1 powers of tau with
 * snarkjs' own `zkey verify`.
 */
import { createHash, randomBytes } from "node:crypto";
import { open, rm } from "node:fs/promises";
import * as snarkjs from "snarkjs";
import { BuildError, ProofgridError } from "../errors.js";
import { hashBytes } from "../protocol/hashing.js";
import { describeKeys } from "../protocol/releases.js";
import { useCurve } from "./ptau.js";

/** A zkey's setup is not what it must be: a broken transcript, an unknown contribution, a beacon that is not the chain's. */
export class SetupError extends ProofgridError {
  override name = "SetupError";
}

export interface TranscriptEntry {
  /** 0-based position in the transcript. */
  index: number;
  kind: "contribution" | "beacon";
  /** The contributor's name as written in the zkey (free text: shown quoted, never trusted). */
  name?: string;
  /** snarkjs' contribution hash: blake2b-512 of the public key and the transcript, hex without 0x. */
  hash: string;
  /** keccak256 of those 64 bytes: what the registry records. */
  id: string;
  /** For the beacon: the beacon value (hex with 0x) and 2^iterationsExp hash iterations. */
  beacon?: string;
  iterationsExp?: number;
}

export interface Transcript {
  /** blake2b-512 of the circuit's constraints (snarkjs' "Circuit Hash"), hex. */
  circuitHash: string;
  entries: TranscriptEntry[];
}

/** The exponent of the beacon's hash iterations (snarkjs' minimum, 2^10): the beacon is public, its cost is not its security. */
export const BEACON_ITERATIONS_EXP = 10;

/** Reads a zkey's phase-2 transcript (section 10) and computes each contribution's hash. */
export async function readTranscript(zkeyFile: string): Promise<Transcript> {
  const fd = await open(zkeyFile, "r");
  let body: Buffer;
  try {
    const head = Buffer.alloc(12);
    await fd.read(head, 0, 12, 0);
    if (head.toString("latin1", 0, 4) !== "zkey") throw new SetupError(`${zkeyFile} is not a zkey file`);
    const sections = head.readUInt32LE(8);
    let pos = 12;
    let found: { at: number; size: number } | undefined;
    const { size: fileSize } = await fd.stat();
    for (let s = 0; s < sections && pos + 12 <= fileSize; s++) {
      const sh = Buffer.alloc(12);
      await fd.read(sh, 0, 12, pos);
      const type = sh.readUInt32LE(0);
      const size = Number(sh.readBigUInt64LE(4));
      if (type === 10) found = { at: pos + 12, size };
      pos += 12 + size;
    }
    if (!found || found.at + found.size > fileSize || found.size > 1 << 24) throw new SetupError(`${zkeyFile} has no readable contributions section`);
    body = Buffer.alloc(found.size);
    await fd.read(body, 0, found.size, found.at);
  } finally {
    await fd.close();
  }
  return useCurve(async () => {
    const curve = await snarkjs.curves.getCurveFromName("bn128");
    let p = 0;
    const take = (n: number) => {
      if (p + n > body.length) throw new SetupError(`${zkeyFile}: the contributions section ends early`);
      const out = body.subarray(p, p + n);
      p += n;
      return out;
    };
    // The file holds points as little-endian Montgomery; snarkjs hashes them uncompressed, big-endian.
    const point = (group: snarkjs.CurveGroup, n: number) => {
      const out = new Uint8Array(n);
      group.toRprUncompressed(out, 0, group.fromRprLEM(take(n), 0));
      return out;
    };
    const g1 = () => point(curve.G1, 64);
    const g2 = () => point(curve.G2, 128);
    const circuitHash = take(64).toString("hex");
    const n = take(4).readUInt32LE(0);
    if (n > 10_000) throw new SetupError(`${zkeyFile}: ${n} contributions is not a transcript`);
    const entries: TranscriptEntry[] = [];
    for (let index = 0; index < n; index++) {
      const hasher = createHash("blake2b512");
      for (const part of [g1(), g1(), g1(), g2()]) hasher.update(part);
      hasher.update(take(64)); // the transcript this contribution extends
      const hash = hasher.digest();
      const type = take(4).readUInt32LE(0);
      const paramsLength = take(4).readUInt32LE(0);
      const params = take(paramsLength);
      const entry: TranscriptEntry = { index, kind: type === 1 ? "beacon" : "contribution", hash: hash.toString("hex"), id: hashBytes(hash) };
      for (let q = 0; q < params.length; ) {
        const key = params[q++];
        if (key === 1) {
          const len = params[q++];
          entry.name = params.subarray(q, q + len).toString("utf8");
          q += len;
        } else if (key === 2) entry.iterationsExp = params[q++];
        else if (key === 3) {
          const len = params[q++];
          entry.beacon = `0x${params.subarray(q, q + len).toString("hex")}`;
          q += len;
        } else throw new SetupError(`${zkeyFile}: contribution ${index} has an unknown parameter ${key}`);
      }
      entries.push(entry);
    }
    return { circuitHash, entries };
  });
}

/** A zkey's contribution as recorded: snarkjs' hash and the registry's id for it. */
export interface Contribution {
  hash: string;
  id: string;
}

/**
 * Adds one contribution to `inZkey`, writing `outZkey`. The secret comes from this machine's
 * randomness (snarkjs mixes in its own) and lives only in this call.
 */
export async function contribute(inZkey: string, outZkey: string, name: string): Promise<Contribution> {
  const hash = await useCurve(async () => Buffer.from(await snarkjs.zKey.contribute(inZkey, outZkey, name.slice(0, 64), randomBytes(32).toString("hex"))));
  return { hash: hash.toString("hex"), id: hashBytes(hash) };
}

/** Applies the beacon (a 32-byte hash, 0x-hex) to `inZkey`, writing the final `outZkey`. */
export async function applyBeacon(inZkey: string, outZkey: string, beacon: string): Promise<void> {
  if (!/^0x[0-9a-fA-F]{64}$/.test(beacon)) throw new SetupError(`beacon ${JSON.stringify(beacon)} is not a 32-byte hex value`);
  const ok = await useCurve(() => snarkjs.zKey.beacon(inZkey, outZkey, "beacon", beacon.slice(2), BEACON_ITERATIONS_EXP));
  if (ok === false) {
    await rm(outZkey, { force: true });
    throw new SetupError(`snarkjs refused the beacon ${beacon}`);
  }
}

/** The initial zkey of a circuit (no contribution): what a ceremony starts from. */
export async function initialZkey(r1csFile: string, ptauFile: string, zkeyFile: string): Promise<void> {
  await useCurve(() => snarkjs.zKey.newZKey(r1csFile, ptauFile, zkeyFile));
}

/**
 * Checks `zkeyFile` against the circuit and phase 1 with snarkjs' `zkey verify`: every
 * contribution extends the one before, the beacon is recomputed, and the key's delta is the
 * product of them all. Returns the transcript. Throws SetupError when any of it fails.
 */
export async function verifySetup(r1csFile: string, ptauFile: string, zkeyFile: string): Promise<Transcript> {
  const lines: string[] = [];
  const logger = { debug: () => {}, info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
  let ok: boolean;
  const log = console.log; // snarkjs prints some failures with console.log
  try {
    console.log = (...args: unknown[]) => lines.push(args.join(" "));
    ok = await useCurve(() => snarkjs.zKey.verifyFromR1cs(r1csFile, ptauFile, zkeyFile, logger));
  } catch (error) {
    throw new SetupError(`${zkeyFile} could not be checked against the circuit and the powers of tau: ${(error as Error).message}`, { cause: error });
  } finally {
    console.log = log;
  }
  if (!ok) throw new SetupError(`${zkeyFile} is not a valid phase 2 of this circuit and powers of tau`, { details: lines.filter((l) => /invalid|error|not/i.test(l)).join("\n") });
  const transcript = await readTranscript(zkeyFile);
  // The contributions this reader found must be the ones snarkjs just verified, hash for hash:
  // snarkjs logs each (last first) as "contribution #i <name>:" then the hash in four lines of hex
  // words; the last four lines are read, so a name cannot add any after them.
  const verified: string[] = [];
  for (const l of lines) {
    const i = /^contribution #(\d+) /.exec(l)?.[1];
    if (i !== undefined) verified[Number(i) - 1] = l.split("\n").slice(-4).join("").replace(/\s/g, "");
  }
  if (verified.length !== transcript.entries.length || transcript.entries.some((e, i) => verified[i] !== e.hash)) {
    throw new SetupError(`${zkeyFile}: the contributions snarkjs verified are not the ones in its transcript section`);
  }
  return transcript;
}

/** What a setup is, as the manifest records it. */
export interface SetupRecord {
  /** "development": made by one party (this machine's build); "ceremony": many parties, a beacon, recorded on chain. */
  kind: "development" | "ceremony";
  /** The registry's ceremony id, for a ceremony. */
  ceremonyId?: number;
  transcript: TranscriptEntry[];
}

/** One line for people: what a release's keys rest on. */
export function describeSetup(setup: SetupRecord | undefined): string {
  if (!setup) return "unknown setup";
  if (setup.kind === "development") return describeKeys(0);
  const contributions = setup.transcript.filter((e) => e.kind === "contribution").length;
  return `multi-party ceremony #${setup.ceremonyId} (${contributions} contribution${contributions === 1 ? "" : "s"} + beacon)`;
}

/** Throws BuildError unless `zkeyFile`'s transcript is a development key's: exactly one contribution, no beacon. */
export async function developmentRecord(zkeyFile: string): Promise<SetupRecord> {
  const { entries } = await readTranscript(zkeyFile);
  if (entries.length !== 1 || entries[0].kind !== "contribution") throw new BuildError(`${zkeyFile}: a development key has one contribution, this one has ${entries.length}`);
  return { kind: "development", transcript: entries };
}
