/**
 * Soundness of every template: the honest witness satisfies the constraints, and wrong ones do not.
 * Where the free choices of a prover are few (bit patterns, selectors), the tests enumerate all of
 * them and check that exactly one assignment, the honest one, passes.
 */
import { expect } from "chai";
import assert from "node:assert/strict";
import { compileOnce, read, satisfies, setBits, tamper, witness, wire, type Compiled } from "./circuits.js";
import { mod, signed } from "../../src/pipeline/witness.js";

const floorDiv = (z: bigint, s: bigint) => z >> s;

describe("circuits: Rescale(S = 4, B = 6)", () => {
  let c: Compiled;
  before(async () => {
    c = await compileOnce("circuits/test/rescale_harness.circom");
  });

  /** Every assignment of the 10 bits, with the signals they determine; returns the outputs that pass. */
  function passingOutputs(input: bigint): bigint[] {
    const passing: bigint[] = [];
    const base = new Array<bigint>(c.r1cs.nWires).fill(0n);
    base[0] = 1n;
    base[wire(c, "in")] = mod(input);
    for (let q = 0n; q < 64n; q++) {
      for (let r = 0n; r < 16n; r++) {
        const w = [...base];
        setBits(c, w, "qBits.out", q, 6);
        setBits(c, w, "rBits.out", r, 4);
        w[wire(c, "qOff")] = w[wire(c, "qBits.in")] = q;
        w[wire(c, "r")] = w[wire(c, "rBits.in")] = r;
        w[wire(c, "out")] = mod(q - 32n);
        w[wire(c, "nonneg")] = q >> 5n;
        if (satisfies(c, w)) passing.push(q - 32n);
      }
    }
    return passing;
  }

  it("accepts the honest witness and computes floor(in / 16) for negative and positive inputs", async () => {
    for (const input of [-512n, -17n, -16n, -1n, 0n, 15n, 16n, 511n]) {
      const w = await witness(c, { in: mod(input) });
      expect(satisfies(c, w)).to.equal(true);
      expect(signed(read(c, w, "out"))).to.equal(floorDiv(input, 4n));
      expect(read(c, w, "nonneg")).to.equal(input >= 0n ? 1n : 0n);
    }
  });

  it("has exactly one passing assignment of all 2^10 bit patterns, the honest one", () => {
    for (const input of [-512n, -100n, -1n, 0n, 77n, 511n]) {
      expect(passingOutputs(input)).to.deep.equal([floorDiv(input, 4n)]);
    }
  });

  it("rejects out + 1 with the remainder moved below zero (the witness-time-only remainder bug)", async () => {
    const w = await witness(c, { in: 100n });
    const out = signed(read(c, w, "out"));
    const r = read(c, w, "r");
    const bad = tamper(c, w, { out: out + 1n, qOff: out + 33n, "qBits.in": out + 33n, r: r - 16n, "rBits.in": r - 16n });
    setBits(c, bad, "qBits.out", out + 33n, 6);
    setBits(c, bad, "rBits.out", r - 16n, 4);
    expect(satisfies(c, bad)).to.equal(false);
  });

  it("rejects a remainder of 2^S or more (out - 1, r + 16)", async () => {
    const w = await witness(c, { in: 100n });
    const out = signed(read(c, w, "out"));
    const r = read(c, w, "r") + 16n;
    const bad = tamper(c, w, { out: out - 1n, qOff: out + 31n, "qBits.in": out + 31n, r, "rBits.in": r });
    setBits(c, bad, "qBits.out", out + 31n, 6);
    setBits(c, bad, "rBits.out", r, 4);
    expect(satisfies(c, bad)).to.equal(false);
  });

  it("has no witness for an input outside [-2^(B+S-1), 2^(B+S-1))", async () => {
    expect(passingOutputs(512n)).to.deep.equal([]);
    expect(passingOutputs(-513n)).to.deep.equal([]);
    await assert.rejects(witness(c, { in: 512n }));
  });
});

describe("circuits: a Rescale without the remainder check (the known bug, as a control)", () => {
  it("lets a prover claim every one of the 64 outputs, so the enumeration above can tell sound from unsound", async () => {
    const c = await compileOnce("circuits/test/rescale_unchecked_harness.circom");
    const input = 100n;
    const passing: bigint[] = [];
    for (let q = 0n; q < 64n; q++) {
      const w = new Array<bigint>(c.r1cs.nWires).fill(0n);
      w[0] = 1n;
      w[wire(c, "in")] = input;
      setBits(c, w, "qBits.out", q, 6);
      w[wire(c, "qOff")] = w[wire(c, "qBits.in")] = q;
      w[wire(c, "r")] = mod(input + 512n - q * 16n); // whatever makes the linear relation hold
      w[wire(c, "out")] = mod(q - 32n);
      if (satisfies(c, w)) passing.push(q - 32n);
    }
    expect(passing.length).to.equal(64);
  });
});

describe("circuits: ReLU on SignOf(8)", () => {
  let c: Compiled;
  before(async () => {
    c = await compileOnce("circuits/test/relu_harness.circom");
  });

  it("computes max(in, 0) at the edges of the range", async () => {
    for (const input of [-128n, -1n, 0n, 1n, 127n]) {
      const w = await witness(c, { in: mod(input) });
      expect(satisfies(c, w)).to.equal(true);
      expect(signed(read(c, w, "out"))).to.equal(input > 0n ? input : 0n);
    }
  });

  it("rejects a flipped sign bit and a zeroed positive output", async () => {
    const w = await witness(c, { in: 5n });
    const flipped = tamper(c, w, { "sign.nonneg": 0n, "relu.nonneg": 0n, "relu.out": 0n, out: 0n });
    expect(satisfies(c, flipped)).to.equal(false);
    expect(satisfies(c, tamper(c, w, { out: 0n, "relu.out": 0n }))).to.equal(false);
    const neg = await witness(c, { in: mod(-5n) });
    expect(satisfies(c, tamper(c, neg, { out: mod(-5n), "relu.out": mod(-5n) }))).to.equal(false);
  });

  it("has no witness for an input outside [-128, 128)", async () => {
    await assert.rejects(witness(c, { in: 128n }));
    await assert.rejects(witness(c, { in: mod(-129n) }));
  });
});

describe("circuits: LeakyReLU (slope 3/16)", () => {
  let c: Compiled;
  before(async () => {
    c = await compileOnce("circuits/test/leaky_harness.circom");
  });

  it("computes in for in >= 0 and floor(3 * in / 16) below", async () => {
    for (const input of [-128n, -17n, -1n, 0n, 9n, 127n]) {
      const w = await witness(c, { in: mod(input) });
      expect(satisfies(c, w)).to.equal(true);
      expect(signed(read(c, w, "out"))).to.equal(input >= 0n ? input : (input * 3n) >> 4n);
    }
  });

  it("rejects a scaled value off by one", async () => {
    const w = await witness(c, { in: mod(-40n) });
    const out = signed(read(c, w, "out"));
    expect(satisfies(c, tamper(c, w, { out: out + 1n, "leaky.out": out + 1n }))).to.equal(false);
  });
});

describe("circuits: Argmax(5 values of 6 bits)", () => {
  let c: Compiled;
  before(async () => {
    c = await compileOnce("circuits/test/argmax_harness.circom");
  });

  /** Every selector pattern (2^5), with the gaps it implies: the indices that pass. */
  function passingIndices(values: bigint[]): bigint[] {
    const passing: bigint[] = [];
    for (let pattern = 0; pattern < 32; pattern++) {
      const w = new Array<bigint>(c.r1cs.nWires).fill(0n);
      w[0] = 1n;
      const sel = values.map((_, i) => BigInt((pattern >> i) & 1));
      values.forEach((v, i) => {
        w[wire(c, `in[${i}]`)] = mod(v);
        w[wire(c, `sel[${i}]`)] = sel[i];
        w[wire(c, `picked[${i}]`)] = mod(sel[i] * v);
      });
      const max = values.reduce((acc, v, i) => acc + sel[i] * v, 0n);
      const index = sel.reduce((acc, s, i) => acc + s * BigInt(i), 0n);
      w[wire(c, "max")] = mod(max);
      w[wire(c, "index")] = index;
      let seen = 0n;
      values.forEach((v, i) => {
        seen += sel[i];
        w[wire(c, `gap[${i}].in`)] = mod(max - v - 1n + seen);
        setBits(c, w, `gap[${i}].out`, max - v - 1n + seen, 6);
      });
      if (satisfies(c, w)) passing.push(index);
    }
    return passing;
  }

  it("returns the first maximum, for negative values and ties", async () => {
    const cases: [bigint[], bigint][] = [
      [[1n, 5n, 3n, 5n, -2n], 1n],
      [[-32n, -31n, -32n, -32n, -32n], 1n],
      [[31n, 31n, 31n, 31n, 31n], 0n],
      [[-5n, -4n, -3n, -2n, -1n], 4n],
    ];
    for (const [values, index] of cases) {
      const w = await witness(c, { in: values.map(mod) });
      expect(satisfies(c, w)).to.equal(true);
      expect(read(c, w, "index")).to.equal(index);
      expect(passingIndices(values)).to.deep.equal([index]);
    }
  });

  it("rejects a later index on a tie and a non-maximal index", async () => {
    const values = [1n, 5n, 3n, 5n, -2n];
    const w = await witness(c, { in: values.map(mod) });
    const later = tamper(c, w, { "sel[1]": 0n, "sel[3]": 1n, "picked[1]": 0n, "picked[3]": 5n, index: 3n });
    expect(satisfies(c, later)).to.equal(false);
    const smaller = tamper(c, w, { "sel[1]": 0n, "sel[2]": 1n, "picked[1]": 0n, "picked[2]": 3n, index: 2n, max: 3n });
    expect(satisfies(c, smaller)).to.equal(false);
  });
});

describe("circuits: Unpack / Pack (5 values of 100 bits, 2 per element)", () => {
  let c: Compiled;
  before(async () => {
    c = await compileOnce("circuits/test/packing_harness.circom");
  });
  const values = [0n, (1n << 100n) - 1n, 12345n, 1n << 99n, 7n];
  const packed = [values[0] | (values[1] << 100n), values[2] | (values[3] << 100n), values[4]];

  it("unpacks and repacks to the same elements", async () => {
    const w = await witness(c, { packed });
    expect(satisfies(c, w)).to.equal(true);
    values.forEach((v, i) => expect(read(c, w, `values[${i}]`)).to.equal(v));
    packed.forEach((p, j) => expect(read(c, w, `repacked[${j}]`)).to.equal(p));
  });

  it("has no witness for an element above 2^(2 * 100), nor for a last element above 2^100", async () => {
    await assert.rejects(witness(c, { packed: [1n << 200n, packed[1], packed[2]] }));
    await assert.rejects(witness(c, { packed: [packed[0], packed[1], 1n << 100n] }));
  });

  it("rejects a value moved between neighbours (v0 + 2^100, v1 - 1)", async () => {
    const w = await witness(c, { packed });
    const bad = tamper(c, w, { "values[0]": values[0] + (1n << 100n), "values[1]": values[1] - 1n });
    expect(satisfies(c, bad)).to.equal(false);
  });
});
