/**
 * Models exported by real PyTorch (torch.onnx.export, opsets 11 to 17; scripts/fixtures/export_torch.py,
 * committed with PyTorch's own float32 outputs), chains and graphs (a residual connection, a concat
 * of two branches, a gate multiplying two branches, two outputs): read as onnxruntime would compute them, quantized
 * within the reported error, and settled at zk by `proofgrid run`, as a user runs it. No Python here.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { evaluate, quantizeInput, toReal } from "../../src/engine/fixed.js";
import { PACKAGE_ROOT } from "../../src/package.js";
import { evaluateFloat } from "../../src/pipeline/model.js";
import { parseOnnxModel } from "../../src/pipeline/onnx.js";
import { loadModel } from "../../src/pipeline/load.js";
import { quantize } from "../../src/pipeline/quantize.js";
import { runCli } from "../support/processes.js";

const TORCH = path.join(PACKAGE_ROOT, "test/fixtures/torch");
const SKLEARN = path.join(PACKAGE_ROOT, "test/fixtures/sklearn");

interface Reference {
  exporter: string;
  labels?: string[];
  inputs: number[][];
  outputs: number[][];
}

/** Each fixture, the layers it must become (function tables by name), and where it lives. */
const FIXTURES: [string, string[], string?][] = [
  ["sigmoid_prob", ["dense", "relu", "dense", "sigmoid"]],
  ["tanh_mlp", ["dense", "tanh", "dense", "tanh", "dense"]],
  ["bn_softmax", ["dense", "relu", "dense", "softmax"]],
  ["gelu_ff", ["dense", "gelu", "dense"]],
  ["gelu_tanh_ff", ["dense", "gelu_tanh", "dense"]],
  ["silu_mlp", ["dense", "silu", "dense"]],
  ["hardswish_mlp", ["dense", "hardswish", "dense"]],
  ["hardswish_mlp_op13", ["dense", "hardswish", "dense"]],
  ["exp_head", ["dense", "exp", "dense"]],
  ["plumbing", ["dense", "dense", "relu", "dense", "dense"]],
  ["residual", ["dense", "relu", "dense", "add", "relu", "dense"]],
  ["branches_concat", ["dense", "relu", "dense", "tanh", "concat", "dense"]],
  ["gated", ["dense", "dense", "sigmoid", "mul", "dense"]],
  ["two_outputs", ["dense", "relu", "dense"]],
  ["elu_softplus_mish", ["dense", "elu", "dense", "softplus", "dense", "mish", "dense"]],
  // scikit-learn-shaped (scripts/fixtures/export_sklearn_shaped.py): the first output, the label or the value.
  ["scaler_linreg", ["dense"], SKLEARN],
  ["scaler_logreg", ["dense", "argmax"], SKLEARN],
  ["logreg_strings", ["dense", "argmax"], SKLEARN],
  ["mlp_classifier", ["dense", "relu", "dense", "argmax"], SKLEARN],
  ["mlp_regressor_tanh", ["dense", "tanh", "dense"], SKLEARN],
];

const fileOf = (name: string) => path.join(FIXTURES.find(([n]) => n === name)?.[2] ?? TORCH, `${name}.onnx`);
const load = (name: string) => ({
  bytes: readFileSync(fileOf(name)),
  reference: JSON.parse(readFileSync(fileOf(name).replace(/\.onnx$/, ".json"), "utf8")) as Reference,
});

describe("pipeline: models exported by PyTorch, and scikit-learn-shaped graphs", function () {
  this.timeout(60_000);
  for (const [name, kinds] of FIXTURES) {
    it(`${name}: reads as the exporter computes it, and quantizes within the proven error bound (a class: the same class)`, () => {
      const { bytes, reference } = load(name);
      const model = parseOnnxModel(bytes, { name: name.replace(/_/g, "-") });
      expect(model.layers.map((l) => (l.type === "fn" ? l.fn : l.type))).to.deep.equal(kinds);
      if (reference.labels) expect(model.labels).to.deep.equal(reference.labels);
      const { quantized, report } = quantize(model);
      // Within the proven bound (the exporter computed in float32: 1e-5 of slack for its rounding).
      const slack = 1e-5;
      reference.inputs.forEach((x, i) => {
        evaluateFloat(model, x).forEach((v, j) => expect(Math.abs(v - reference.outputs[i][j]), `float output ${j}`).to.be.below(1e-5));
        const fixed = evaluate(quantized, quantizeInput(quantized, x)).output;
        if (kinds.at(-1) === "argmax") expect(fixed.map(Number), `class of input ${i}`).to.deep.equal(reference.outputs[i]);
        else fixed.forEach((v, j) => expect(Math.abs(toReal(quantized, v) - reference.outputs[i][j]), `fixed output ${j}`).to.be.at.most(report.errorBound + slack));
      });
    });
  }

});

describe("cli: proofgrid run <exported>.onnx --trust zk", function () {
  this.timeout(600_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "proofgrid-torch-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const outputs = new Map<string, number[]>();

  it("settles a checked Groth16 result within the build's proven error bound of the exporter's float output, for every fixture", async () => {
    for (const [name, kinds] of FIXTURES) {
      const { reference } = load(name);
      // The model exactly as the CLI reads it (its name seeds the report's samples).
      const { report } = quantize((await loadModel(fileOf(name))).model);
      const input = path.join(dir, `${name}.json`);
      await writeFile(input, JSON.stringify({ input: reference.inputs[0] }));
      const r = await runCli(["run", fileOf(name), "--input", input, "--trust", "zk", "--json"], {
        CI: "true",
        HARDHAT_DISABLE_TELEMETRY: "true",
      });
      expect(r.code, `${name}: ${r.stderr}`).to.equal(0);
      const result = JSON.parse(r.stdout) as { output: number[]; verification: string; checked: boolean; settled: boolean };
      expect(result, name).to.include({ verification: "groth16", checked: true, settled: true });
      outputs.set(name, result.output);
      if (kinds.at(-1) === "argmax") expect(result.output, `${name}: the class`).to.deep.equal(reference.outputs[0]);
      else {
        result.output.forEach((v, j) =>
          expect(Math.abs(v - reference.outputs[0][j]), `${name} output ${j}: ${v} vs the exporter's ${reference.outputs[0][j]}`).to.be.at.most(report.errorBound + 1e-5),
        );
      }
    }
  });

  it("serves the same models at TEE and VANILLA with the very same output (one engine for every level)", async () => {
    for (const name of ["residual", "gelu_ff", "bn_softmax"]) {
      const input = path.join(dir, `${name}.json`);
      for (const trust of ["tee", "vanilla"]) {
        const r = await runCli(["run", fileOf(name), "--input", input, "--trust", trust, "--json"], { CI: "true", HARDHAT_DISABLE_TELEMETRY: "true" });
        expect(r.code, `${name} at ${trust}: ${r.stderr}`).to.equal(0);
        const result = JSON.parse(r.stdout) as { output: number[]; settled: boolean; trust: string };
        expect(result, `${name} at ${trust}`).to.include({ trust, settled: true });
        expect(result.output, `${name} at ${trust}`).to.deep.equal(outputs.get(name));
      }
    }
  });
});
