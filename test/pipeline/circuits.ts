/**
 * Test helpers for circuits: compile a circuit once (cached by the hash of its sources), compute
 * witnesses, tamper with named signals and check a witness against the r1cs.
 */
import { expect } from "chai";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { compileCircuit } from "../../src/pipeline/circom.js";
import { PACKAGE_ROOT } from "../../src/package.js";
import { hashBytes } from "../../src/protocol/index.js";
import { calculateWitness, countConstraints, mod, readR1cs, readSymbols, signed, unsatisfied, type R1cs } from "../../src/pipeline/witness.js";
import { encodingMax, evaluate, pack, type QuantizedModel } from "../../src/engine/fixed.js";
import { circuitLayout, generateCircuit } from "../../src/pipeline/circuit.js";
import { seededRandom } from "../../src/pipeline/quantize.js";

export interface Compiled {
  r1cs: R1cs;
  symbols: Map<string, number>;
  wasm: string;
}

const LIBRARY = ["fixedpoint.circom", "argmax.circom", "packing.circom", "functions.circom", "proofgrid.circom"];

/** Compiles `file` (absolute, or relative to the package root) into build/test-circuits/<stem>, at --O0 so that every named signal survives. */
export async function compileOnce(file: string, outName?: string): Promise<Compiled> {
  const source = path.resolve(PACKAGE_ROOT, file);
  const stem = path.basename(source, ".circom");
  const out = path.join(PACKAGE_ROOT, "build/test-circuits", outName ?? stem);
  const libs = await Promise.all(LIBRARY.map((f) => readFile(path.join(PACKAGE_ROOT, "circuits/lib", f), "utf8")));
  const key = hashBytes([await readFile(source, "utf8"), ...libs].join("\0"));
  const keyFile = path.join(out, "key");
  if (!existsSync(keyFile) || (await readFile(keyFile, "utf8")) !== key) {
    await compileCircuit(source, out, "O0");
    await writeFile(keyFile, key);
  }
  return {
    r1cs: await readR1cs(path.join(out, `${stem}.r1cs`)),
    symbols: await readSymbols(path.join(out, `${stem}.sym`)),
    wasm: path.join(out, `${stem}_js`, `${stem}.wasm`),
  };
}

export async function witness(c: Compiled, input: Record<string, unknown>): Promise<bigint[]> {
  return calculateWitness(c.wasm, input);
}

/** The wire of `main.<name>`; throws when the compiler removed it. */
export function wire(c: Compiled, name: string): number {
  const index = c.symbols.get(`main.${name}`);
  if (index === undefined) throw new Error(`signal main.${name} is not in the witness`);
  return index;
}

export function read(c: Compiled, w: readonly bigint[], name: string): bigint {
  return w[wire(c, name)];
}

/** A copy of `w` with the named signals set (values taken mod p, so negatives are field elements). */
export function tamper(c: Compiled, w: readonly bigint[], changes: Record<string, bigint>): bigint[] {
  const out = [...w];
  for (const [name, value] of Object.entries(changes)) out[wire(c, name)] = mod(value);
  return out;
}

/** Sets `main.<prefix>[i]` to the bits of `value` (its low `n` bits; a value >= 2^n cannot be represented). */
export function setBits(c: Compiled, w: bigint[], prefix: string, value: bigint, n: number): void {
  const v = mod(value);
  for (let i = 0; i < n; i++) w[wire(c, `${prefix}[${i}]`)] = (v >> BigInt(i)) & 1n;
}

export function satisfies(c: Compiled, w: readonly bigint[]): boolean {
  return unsatisfied(c.r1cs, w).length === 0;
}

/** A model's input vectors to try: both ends of the accepted range, alternating ends, `random` random ones. */
export function inputsFor(model: QuantizedModel, seed: number, random = 6): bigint[][] {
  const next = seededRandom(seed);
  const { lo, size } = model.input;
  const hi = encodingMax(model.input);
  const span = Number(hi - lo) + 1;
  const vectors = [Array(size).fill(lo), Array(size).fill(hi), Array.from({ length: size }, (_, i) => (i % 2 ? lo : hi))];
  for (let t = 0; t < random; t++) vectors.push(Array.from({ length: size }, () => lo + BigInt(Math.floor(next() * span))));
  return vectors;
}

/**
 * Generates `quantized`'s circuit as build/test-circuits/src/<file>.circom, compiles it (cached) and
 * checks it against the engine: the predicted constraint count, and on every input a satisfying
 * witness with the engine's integers for every value and the packed outputs.
 */
export async function expectCircuitEqualsEngine(quantized: QuantizedModel, file: string, inputs: bigint[][]): Promise<void> {
  const dir = path.join(PACKAGE_ROOT, "build/test-circuits/src");
  await mkdir(dir, { recursive: true });
  const source = path.join(dir, `${file}.circom`);
  await writeFile(source, generateCircuit(quantized));
  const c = await compileOnce(source);
  expect(countConstraints(c.r1cs).nonLinear).to.equal(circuitLayout(quantized).expectedNonLinear);
  for (const input of inputs) {
    const { output, trace } = evaluate(quantized, input);
    const w = await witness(c, { binding: 7n, inputPacked: pack(input, quantized.input) });
    expect(satisfies(c, w)).to.equal(true);
    trace.forEach((vector, k) => vector.forEach((value, i) => expect(signed(w[wire(c, `v${k}[${i}]`)]), `value ${k}[${i}]`).to.equal(value)));
    pack(output, quantized.output).forEach((p, j) => expect(w[wire(c, `outputPacked[${j}]`)]).to.equal(p));
  }
}
