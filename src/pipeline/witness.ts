/**
 * Witnesses and constraints, outside snarkjs: compute a witness with the circuit's WebAssembly, read
 * names from the .sym file, and check any witness (honest or tampered) against the .r1cs. The
 * soundness tests use the checker to show that wrong witnesses fail.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { BuildError } from "../errors.js";

/** The BN254 scalar field: the prime of every circom circuit here. */
export const FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

export const mod = (x: bigint): bigint => ((x % FIELD) + FIELD) % FIELD;
/** A field element as a signed integer in (-p/2, p/2]. */
export const signed = (x: bigint): bigint => (x > FIELD / 2n ? x - FIELD : x);

type Builder = (code: Buffer, options?: object) => Promise<{ calculateWitness(input: object, sanityCheck: boolean): Promise<bigint[]> }>;

/** Computes the full witness (index 0 is the constant 1) for `input` with `<name>_js/<name>.wasm`. */
export async function calculateWitness(wasmFile: string, input: Record<string, unknown>): Promise<bigint[]> {
  // circom's witness calculator is CommonJS; inside a "type": "module" package it needs a marker
  // (builds made before the marker existed lack it).
  const marker = path.join(path.dirname(wasmFile), "package.json");
  if (!existsSync(marker)) await writeFile(marker, '{ "type": "commonjs" }\n');
  const require = createRequire(import.meta.url);
  const builder = require(path.resolve(path.dirname(wasmFile), "witness_calculator.js")) as Builder;
  const calculator = await builder(await readFile(wasmFile));
  try {
    return await calculator.calculateWitness(input, true);
  } catch (error) {
    throw new BuildError(`witness calculation failed: ${(error as Error).message.split("\n")[0]}`, { cause: error });
  }
}

/** name -> witness index, from a .sym file (signals the compiler removed map to -1 and are left out). */
export async function readSymbols(symFile: string): Promise<Map<string, number>> {
  const map = new Map<string, number>();
  for (const line of (await readFile(symFile, "utf8")).split("\n")) {
    if (!line) continue;
    const [, witness, , name] = line.split(",");
    const index = Number(witness);
    if (index >= 0) map.set(name, index);
  }
  return map;
}

export interface R1cs {
  nWires: number;
  nPubOut: number;
  nPubIn: number;
  nPrvIn: number;
  /** Each constraint is A·w * B·w = C·w, every linear combination a list of [wire, coefficient]. */
  constraints: [Array<[number, bigint]>, Array<[number, bigint]>, Array<[number, bigint]>][];
}

/** Reads a circom .r1cs file (format: iden3/r1csfile). */
export async function readR1cs(file: string): Promise<R1cs> {
  const buf = await readFile(file);
  if (buf.toString("latin1", 0, 4) !== "r1cs") throw new BuildError(`${file} is not an r1cs file`);
  let header: Omit<R1cs, "constraints"> & { n8: number; nConstraints: number } | undefined;
  let constraintsAt = -1;
  let pos = 12;
  const sections = buf.readUInt32LE(8);
  for (let s = 0; s < sections; s++) {
    const type = buf.readUInt32LE(pos);
    const size = Number(buf.readBigUInt64LE(pos + 4));
    const start = pos + 12;
    if (type === 1) {
      const n8 = buf.readUInt32LE(start);
      let p = start + 4 + n8;
      const u32 = () => {
        const v = buf.readUInt32LE(p);
        p += 4;
        return v;
      };
      const nWires = u32();
      const nPubOut = u32();
      const nPubIn = u32();
      const nPrvIn = u32();
      p += 8; // nLabels
      const nConstraints = u32();
      header = { n8, nWires, nPubOut, nPubIn, nPrvIn, nConstraints };
    } else if (type === 2) {
      constraintsAt = start;
    }
    pos = start + size;
  }
  if (!header || constraintsAt < 0) throw new BuildError(`${file} has no header or constraint section`);
  const { n8 } = header;
  let p = constraintsAt;
  const readLc = () => {
    const terms = buf.readUInt32LE(p);
    p += 4;
    const lc: Array<[number, bigint]> = [];
    for (let t = 0; t < terms; t++) {
      const wire = buf.readUInt32LE(p);
      let v = 0n;
      for (let b = n8 - 1; b >= 0; b--) v = (v << 8n) | BigInt(buf[p + 4 + b]);
      lc.push([wire, v]);
      p += 4 + n8;
    }
    return lc;
  };
  const constraints: R1cs["constraints"] = [];
  for (let c = 0; c < header.nConstraints; c++) constraints.push([readLc(), readLc(), readLc()]);
  const { nWires, nPubOut, nPubIn, nPrvIn } = header;
  return { nWires, nPubOut, nPubIn, nPrvIn, constraints };
}

/** Indices of the constraints that `witness` violates (empty: it satisfies the circuit). */
export function unsatisfied(r1cs: R1cs, witness: readonly bigint[]): number[] {
  const dot = (lc: Array<[number, bigint]>) => lc.reduce((acc, [wire, coef]) => (acc + coef * witness[wire]) % FIELD, 0n);
  const failed: number[] = [];
  r1cs.constraints.forEach(([a, b, c], i) => {
    if (mod(dot(a) * dot(b) - dot(c)) !== 0n) failed.push(i);
  });
  return failed;
}

/** Counts constraints by kind: non-linear ones have both A and B non-empty. */
export function countConstraints(r1cs: R1cs): { nonLinear: number; linear: number } {
  let nonLinear = 0;
  for (const [a, b] of r1cs.constraints) if (a.length > 0 && b.length > 0) nonLinear++;
  return { nonLinear, linear: r1cs.constraints.length - nonLinear };
}
