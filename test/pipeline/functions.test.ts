/**
 * The non-linear functions: every table's stated error bound checked against float on every integer
 * input of its proven range (tails included), softmax's bound on adversarial vectors, and the engine
 * against the circuit's witness on models that use every function.
 */
import { expect } from "chai";
import { evalPiecewise, evalSoftmax, FUNCTION_NAMES } from "../../src/engine/piecewise.js";
import { erf, errorWeight, fitFunction, FUNCTIONS } from "../../src/pipeline/functions.js";
import { parseJsonModel } from "../../src/pipeline/json.js";
import { LIPSCHITZ } from "../../src/pipeline/error-bound.js";
import { quantize, quantizeAt, seededRandom } from "../../src/pipeline/quantize.js";
import { expectCircuitEqualsEngine, inputsFor } from "./circuits.js";

describe("functions: float references", () => {
  it("erf matches known values to 1e-15", () => {
    const known: [number, number][] = [[0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527], [3, 0.9999779095030014], [-1.5, -0.9661051464753108]];
    for (const [x, y] of known) expect(Math.abs(erf(x) - y)).to.be.below(1e-15);
  });
});

describe("functions: the largest slopes the error bound uses", () => {
  it("bound |f'| of every function but exp over [-30, 30] (central differences, step 1e-4)", () => {
    for (const [fn, L] of Object.entries(LIPSCHITZ)) {
      const f = FUNCTIONS[fn as keyof typeof LIPSCHITZ].f;
      let worst = 0;
      for (let x = -30; x <= 30; x += 1e-3) worst = Math.max(worst, Math.abs(f(x + 1e-4) - f(x - 1e-4)) / 2e-4);
      expect(worst, fn).to.be.at.most(L * (1 + 1e-9)); // the difference quotient rounds
      expect(worst, `${fn}: the constant is tight`).to.be.above(L - 0.01);
    }
  });
});

describe("functions: every table's stated bound holds on every input of its proven range", () => {
  for (const fn of FUNCTION_NAMES) {
    for (const S of [5, 8]) {
      it(`${fn} at scale 2^${S}: exhaustive over the domain and both tails`, () => {
        const scale = 2 ** S;
        const lo = BigInt(-20 * scale);
        const hi = BigInt((fn === "exp" ? 3 : 20) * scale);
        const fit = fitFunction(fn, S, S, lo, hi, fn);
        let worst = 0;
        for (let x = lo; x <= hi; x++) {
          const y = evalPiecewise(fit.table, x);
          expect(y >= fit.outLo && y <= fit.outHi, `output ${y} at ${x} inside the reported range`).to.equal(true);
          const real = FUNCTIONS[fn].f(Number(x) / scale);
          worst = Math.max(worst, Math.abs(Number(y) / scale - real) / errorWeight(FUNCTIONS[fn], real));
        }
        expect(worst).to.be.at.most(fit.maxError + 1e-12);
        // The bound is tight (it is measured) and within one last bit of the output.
        expect(fit.maxError - worst).to.be.below(1e-12);
        expect(fit.maxError).to.be.below(1 / scale);
      });
    }
  }

  it("narrows the table to the proven range and clamps nothing it does not need to", () => {
    const fit = fitFunction("sigmoid", 8, 8, -100n, 50n, "sigmoid");
    expect([fit.table.lo, fit.table.hi]).to.deep.equal([-100n, 50n]);
    const wide = fitFunction("sigmoid", 8, 8, -(1n << 20n), 1n << 20n, "sigmoid");
    expect(wide.table.lo > -(1n << 20n) && wide.table.hi < 1n << 20n).to.equal(true);
  });

  it("refuses an exp whose output cannot fit the field, naming the layer", () => {
    expect(() => fitFunction("exp", 8, 8, 0n, 1000n << 8n, "layer 3 (exp)")).to.throw("layer 3 (exp): Exp of inputs up to 1000");
  });
});

describe("functions: softmax's stated bound", () => {
  it("holds on random and adversarial vectors of 2 to 12 values", () => {
    const random = seededRandom(7);
    for (const n of [2, 3, 5, 8, 12]) {
      const S = 8;
      const model = quantizeAt(
        { name: "sm", version: "1.0", inputSize: n, inputRange: [-4, 4], layers: [{ type: "dense", name: "d", weights: Array.from({ length: n }, (_, j) => Array.from({ length: n }, (_, i) => (i === j ? 1 : 0))), bias: Array(n).fill(0) }, { type: "softmax", name: "s" }] },
        S,
      ).quantized;
      const layer = model.layers[1];
      if (layer.type !== "softmax") throw new Error("expected softmax");
      const vectors: bigint[][] = [Array(n).fill(0n), Array(n).fill(1023n), Array.from({ length: n }, (_, i) => (i === 0 ? 1023n : -1024n))];
      for (let t = 0; t < 300; t++) vectors.push(Array.from({ length: n }, () => BigInt(Math.floor(random() * 2048) - 1024)));
      for (const z of vectors) {
        const out = evalSoftmax(layer.exp, S, z);
        const real = z.map((v) => Math.exp(Number(v - z.reduce((a, b) => (b > a ? b : a))) / 2 ** S));
        const sum = real.reduce((a, b) => a + b, 0);
        out.forEach((v, i) => expect(Math.abs(Number(v) / 2 ** S - real[i] / sum)).to.be.at.most(layer.maxError));
      }
      expect(layer.maxError).to.be.below(1.5 / 2 ** S);
    }
  });
});

/** Dense layers between the functions keep every function's input in a few units. */
function functionsSpec(name: string, fns: string[], softmax: boolean): unknown {
  const random = seededRandom(fns.length * 31 + (softmax ? 1 : 0));
  const n = 4;
  const dense = () => ({ type: "dense", weights: Array.from({ length: n }, () => Array.from({ length: n }, () => random() * 2 - 1)), bias: Array.from({ length: n }, () => random() - 0.5) });
  const layers: unknown[] = [];
  for (const fn of fns) layers.push(dense(), { type: fn });
  layers.push(dense());
  if (softmax) layers.push({ type: "softmax" });
  return { name, input: { shape: [n], range: [-2, 2] }, layers };
}

describe("functions: the engine equals the circuit's witness", function () {
  this.timeout(300_000);
  const models: [string, string[], boolean][] = [
    ["fns-a", ["sigmoid", "tanh", "erf"], true],
    ["fns-b", ["gelu", "gelu_tanh", "silu", "hardswish"], false],
    ["fns-c", ["exp"], true],
    ["fns-d", ["softplus", "elu", "mish"], false],
  ];
  for (const [name, fns, softmax] of models) {
    it(`${name} (${fns.join(", ")}${softmax ? ", softmax" : ""}): same integers after every layer, the predicted constraint count`, async () => {
      const { quantized, report } = quantize(parseJsonModel(functionsSpec(name, fns, softmax)), { scaleBits: 6 });
      for (const r of report.ranges.filter((x) => x.type === "fn" || x.type === "softmax")) expect(r.maxError).to.be.a("number");
      await expectCircuitEqualsEngine(quantized, name.replace("-", "_"), inputsFor(quantized, 3, 5));
    });
  }
});
