/**
 * The fixed-point engine against the circuit's witness, bit for bit, over random models and inputs
 * (the edges of the input range included), and against float evaluation.
 */
import { expect } from "chai";
import { evaluate, quantizeInput, type QuantizedModel } from "../../src/engine/fixed.js";
import { parseJsonModel } from "../../src/pipeline/json.js";
import { evaluateFloat, traceFloat, type FloatModel } from "../../src/pipeline/model.js";
import { quantize, sampleInputs, seededRandom } from "../../src/pipeline/quantize.js";
import { expectCircuitEqualsEngine, inputsFor } from "./circuits.js";

function randomSpec(seed: number): unknown {
  const random = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const inputSize = int(2, 9);
  const layers: unknown[] = [];
  let n = inputSize;
  const depth = int(1, 3);
  for (let d = 0; d < depth; d++) {
    const out = int(2, 7);
    layers.push({
      type: "dense",
      weights: Array.from({ length: out }, () => Array.from({ length: n }, () => (random() * 2 - 1) * (random() < 0.2 ? 3 : 1))),
      bias: Array.from({ length: out }, () => random() - 0.5),
    });
    n = out;
    if (d < depth - 1 || random() < 0.3) layers.push(random() < 0.7 ? { type: "relu" } : { type: "leaky_relu", alpha: 0.05 + random() * 0.3 });
  }
  if (random() < 0.5) layers.push({ type: "argmax" });
  const lo = random() < 0.5 ? 0 : -(1 + int(0, 3));
  return { name: `random-${seed}`, input: { shape: [inputSize], range: [lo, lo + 1 + int(0, 4)] }, layers };
}

describe("engine: equal to the circuit's witness", function () {
  this.timeout(120_000);
  const SEEDS = [101, 202, 303, 404, 505, 606];

  for (const seed of SEEDS) {
    it(`random model ${seed}: same integers after every layer, a satisfying witness, the predicted constraint count`, async () => {
      const float: FloatModel = parseJsonModel(randomSpec(seed));
      const { quantized } = quantize(float);
      await expectCircuitEqualsEngine(quantized, `random_${seed}`, inputsFor(quantized, seed));
    });
  }

  it("stays within the reported error of float evaluation on the samples it reports on", () => {
    for (const seed of SEEDS) {
      const float = parseJsonModel(randomSpec(seed));
      const { quantized, report } = quantize(float);
      const S = quantized.scaleBits;
      const endsInArgmax = float.layers[float.layers.length - 1].type === "argmax";
      const logits: FloatModel = endsInArgmax ? { ...float, layers: float.layers.slice(0, -1) } : float;
      for (const sample of sampleInputs(float, 64)) {
        const fixedInput = sample.map((x) => BigInt(Math.round(x * 2 ** S)));
        const { trace } = evaluate(quantized, fixedInput);
        const fixed = trace[endsInArgmax ? trace.length - 2 : trace.length - 1];
        const real = evaluateFloat(logits, sample);
        fixed.forEach((v, j) => expect(Math.abs(Number(v) / 2 ** S - real[j])).to.be.at.most(report.maxAbsError + 1e-12));
      }
      expect(report.maxRelError, `model ${seed} at scale 2^${S}`).to.be.at.most(0.005);
    }
  });

  it("gives every node the same result: evaluation is a pure function of model and input", () => {
    const { quantized } = quantize(parseJsonModel(randomSpec(101)));
    const input = inputsFor(quantized, 1)[4];
    const a = evaluate(quantized, input);
    const b = evaluate(JSON.parse(JSON.stringify(quantized, (_, v) => (typeof v === "bigint" ? `${v}n` : v)), (_, v) =>
      typeof v === "string" && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v,
    ) as QuantizedModel, input);
    expect(b.output).to.deep.equal(a.output);
  });
});

/** A graph, not a chain: residual adds, a sub, a product of two branches, a concat, a function. */
function dagSpec(seed: number): unknown {
  const random = seededRandom(seed);
  const matrix = (rows: number, cols: number) => Array.from({ length: rows }, () => Array.from({ length: cols }, () => random() * 2 - 1));
  const bias = (n: number) => Array.from({ length: n }, () => random() - 0.5);
  return {
    name: `dag-${seed}`,
    input: { shape: [3], range: [-1, 1] },
    layers: [
      { type: "dense", weights: matrix(4, 3), bias: bias(4) }, // 1
      { type: "relu" }, // 2
      { type: "dense", weights: matrix(4, 4), bias: bias(4) }, // 3
      { type: "add", inputs: [3, 1] }, // 4: residual
      { type: "relu" }, // 5: its sign is not from a rescale
      { type: "dense", input: 1, weights: matrix(4, 4), bias: bias(4) }, // 6: a branch from value 1
      { type: "mul", inputs: [5, 6] }, // 7
      { type: "sub", inputs: [7, 2] }, // 8
      { type: "tanh" }, // 9
      { type: "concat", inputs: [9, 0] }, // 10: 7 values
      { type: "relu", input: 3 }, // 11: reuses the sign bits of value 3's rescale
      { type: "concat", inputs: [10, 11] }, // 12: 11 values
      { type: "dense", weights: matrix(3, 11), bias: bias(3) }, // 13
      ...(seed % 2 ? [{ type: "argmax" }] : []),
    ],
  };
}

describe("engine: graphs (residual add, sub, mul, concat) equal to the circuit's witness", function () {
  this.timeout(120_000);
  for (const seed of [1, 2]) {
    it(`dag ${seed}: same integers for every value, a satisfying witness, the predicted constraint count, close to float`, async () => {
      const float = parseJsonModel(dagSpec(seed));
      const { quantized, report } = quantize(float);
      expect(report.maxRelError).to.be.at.most(0.005);
      const inputs = inputsFor(quantized, seed);
      expect(evaluate(quantized, inputs[0]).trace).to.have.length(float.layers.length + 1);
      await expectCircuitEqualsEngine(quantized, `dag_${seed}`, inputs);
    });
  }

  it("stays within the proven error bound on 200 random real inputs, for chains, graphs and functions", () => {
    const specs = [...[101, 202, 303, 404, 505, 606].map(randomSpec), dagSpec(1), dagSpec(2)];
    for (const spec of specs) {
      const float = parseJsonModel(spec);
      const { quantized, report } = quantize(float);
      const last = float.layers[float.layers.length - 1];
      const at = last.type === "argmax" ? (last.input ?? float.layers.length - 1) : float.layers.length;
      const random = seededRandom(9);
      const [lo, hi] = float.inputRange;
      for (let t = 0; t < 200; t++) {
        const x = Array.from({ length: float.inputSize }, () => lo + (hi - lo) * random());
        const fixed = evaluate(quantized, quantizeInput(quantized, x)).trace[at];
        const real = traceFloat(float, x)[at];
        fixed.forEach((v, j) => expect(Math.abs(Number(v) / 2 ** quantized.scaleBits - real[j]), `${float.name} value ${j}`).to.be.at.most(report.errorBound));
      }
      expect(report.errorBound).to.be.at.least(report.maxAbsError);
    }
  });

  it("names a layer that reads a value not yet computed, and two sides of different sizes", () => {
    const spec = dagSpec(2) as { layers: Record<string, unknown>[] };
    const ahead = { ...spec, layers: [...spec.layers.slice(0, 3), { type: "add", inputs: [3, 5] }] };
    expect(() => parseJsonModel(ahead)).to.throw("layer 3 (add_3): reads value 5; a layer reads the input (0) or an earlier layer's output (1 to 3)");
    const sizes = { ...spec, layers: [...spec.layers.slice(0, 1), { type: "add", inputs: [1, 0] }] };
    expect(() => parseJsonModel(sizes)).to.throw("layer 1 (add_1): add of 4 and 3 values; both sides must have the same size");
  });
});
