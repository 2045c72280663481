/**
 * The non-linear function tables and the exporter fixtures: constraints per element and the stated
 * error bound of each table; per fixture, constraints, the worst error against the exporter's
 * float output on its reference inputs, and proving time.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { evaluate, quantizeInput, toReal } from "../src/engine/fixed.js";
import { FUNCTION_NAMES } from "../src/engine/piecewise.js";
import { PACKAGE_ROOT } from "../src/package.js";
import { buildModel } from "../src/pipeline/build.js";
import { circuitLayout } from "../src/pipeline/circuit.js";
import type { FloatLayer, FloatModel } from "../src/pipeline/model.js";
import { loadArtifacts } from "../src/pipeline/prove.js";
import { quantizeAt } from "../src/pipeline/quantize.js";
import { proving } from "./pipeline.js";

/** One element through the table, its input ranging over [-16, 16) (both ends clamped). */
function oneElement(layer: FloatLayer, n: number, S: number): { perElement: number; maxError: number } {
  const identity = { type: "dense" as const, name: "in", weights: Array.from({ length: n }, (_, j) => Array.from({ length: n }, (_, i) => (i === j ? 1 : 0))), bias: Array(n).fill(0) };
  const model: FloatModel = { name: "bench", version: "1.0", inputSize: n, inputRange: [-16, 16 - 2 ** -S], layers: [identity, layer] };
  const q = quantizeAt(model, S).quantized;
  const without = circuitLayout({ ...q, layers: q.layers.slice(0, 1), output: q.input }).expectedNonLinear;
  const last = q.layers[1];
  return { perElement: (circuitLayout(q).expectedNonLinear - without) / n, maxError: "maxError" in last ? last.maxError : NaN };
}

export function functionCosts(scales: number[]): Record<string, number> {
  const figures: Record<string, number> = {};
  for (const S of scales) {
    for (const fn of FUNCTION_NAMES) {
      const { perElement, maxError } = oneElement({ type: "fn", name: fn, fn }, 1, S);
      figures[`functions.${fn}.S${S}.constraintsPerElement`] = perElement;
      figures[`functions.${fn}.S${S}.maxErrorLastBits`] = maxError * 2 ** S;
    }
    const { perElement, maxError } = oneElement({ type: "softmax", name: "softmax" }, 10, S);
    figures[`functions.softmax10.S${S}.constraintsPerElement`] = perElement;
    figures[`functions.softmax10.S${S}.maxErrorLastBits`] = maxError * 2 ** S;
  }
  return figures;
}

/** test/fixtures/<dir>/<name>.onnx: PyTorch's exports, then the scikit-learn-shaped graphs. */
export const EXPORTER_FIXTURES = [
  ...["sigmoid_prob", "tanh_mlp", "bn_softmax", "gelu_ff", "gelu_tanh_ff", "silu_mlp", "hardswish_mlp", "hardswish_mlp_op13", "exp_head", "plumbing", "residual", "branches_concat", "gated", "two_outputs", "elu_softplus_mish"].map((n) => `torch/${n}`),
  ...["scaler_linreg", "scaler_logreg", "logreg_strings", "mlp_classifier", "mlp_regressor_tanh"].map((n) => `sklearn/${n}`),
];

export async function fixtureFigures(runs: number, log: (line: string) => void): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const fixture of EXPORTER_FIXTURES) {
    const name = path.basename(fixture);
    log(`fixture ${fixture}: build, error against the exporter's float, proving`);
    const file = path.join(PACKAGE_ROOT, "test/fixtures", `${fixture}.onnx`);
    const reference = JSON.parse(await readFile(file.replace(/\.onnx$/, ".json"), "utf8")) as { inputs: number[][]; outputs: number[][] };
    const built = await buildModel(file, { out: path.join(PACKAGE_ROOT, "build/bench", name) });
    const artifacts = await loadArtifacts(built.dir);
    const classifies = artifacts.model.layers.at(-1)?.type === "argmax";
    let worst = 0;
    let agree = 0;
    reference.inputs.forEach((x, i) => {
      const out = evaluate(artifacts.model, quantizeInput(artifacts.model, x)).output;
      if (classifies) agree += Number(out[0]) === reference.outputs[i][0] ? 1 : 0;
      else out.forEach((v, j) => (worst = Math.max(worst, Math.abs(toReal(artifacts.model, v) - reference.outputs[i][j]))));
    });
    figures[`fixtures.${name}.nonLinear`] = built.manifest.circuit.nonLinear;
    figures[`fixtures.${name}.scaleBits`] = artifacts.model.scaleBits;
    figures[`fixtures.${name}.errorBound`] = built.manifest.report.errorBound;
    if (classifies) figures[`fixtures.${name}.classAgreement`] = agree / reference.inputs.length;
    else figures[`fixtures.${name}.maxErrorVsFloat`] = worst;
    const timing = await proving(`fixtures.${name}`, artifacts, quantizeInput(artifacts.model, reference.inputs[0]), runs);
    figures[`fixtures.${name}.proveSeconds`] = timing[`proving.fixtures.${name}.proveSeconds`];
  }
  return figures;
}
