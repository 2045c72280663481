import { expect } from "chai";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { EngineCircuitMismatchError, InferenceInputError, ModelFormatError, QuantizationError, ShapeError, UnsupportedOperatorError } from "../../src/errors.js";
import { checkInput, evaluate, pack, parseQuantized, quantizeInput, realInputRange, serializeQuantized, unpack } from "../../src/engine/fixed.js";
import { buildModel } from "../../src/pipeline/build.js";
import { PACKAGE_ROOT } from "../../src/package.js";
import { parseJsonModel } from "../../src/pipeline/json.js";
import { loadArtifacts, proveInference, releaseProver, verifyInference } from "../../src/pipeline/prove.js";
import { cacheDir } from "../../src/pipeline/ptau.js";
import { quantize } from "../../src/pipeline/quantize.js";
import { checkVerifier } from "../../src/pipeline/solidity.js";

const spec = (layers: unknown[], extra: Record<string, unknown> = {}) => ({ name: "m", input: { shape: [2] }, layers, ...extra });
const dense = (weights: number[][], bias?: number[]) => ({ type: "dense", weights, ...(bias ? { bias } : {}) });

describe("pipeline: JSON model spec", () => {
  it("reads dense [out][in], relu, leaky_relu, argmax, labels and the input range", () => {
    const m = parseJsonModel(
      spec([dense([[1, 2], [3, 4], [5, 6]], [0, 0, 1]), { type: "relu" }, dense([[1, 0, 0], [0, 1, 0]]), { type: "leaky_relu", alpha: 0.1 }, { type: "argmax" }], {
        labels: ["a", "b"],
        input: { shape: [1, 2], range: [0, 4] },
      }),
    );
    expect(m.inputSize).to.equal(2);
    expect(m.inputRange).to.deep.equal([0, 4]);
    expect(m.layers.map((l) => l.type)).to.deep.equal(["dense", "relu", "dense", "leaky_relu", "argmax"]);
  });

  it("names the layer of an unsupported type and lists the supported ones", () => {
    expect(() => parseJsonModel(spec([dense([[1, 2]]), { type: "conv2d" }]))).to.throw(UnsupportedOperatorError, "unsupported operator conv2d at layer 1");
    expect(() => parseJsonModel(spec([dense([[1, 2]]), { type: "cosh" }]))).to.throw(UnsupportedOperatorError, "supported layers: dense");
  });

  it("names the layer and row of a weight matrix that does not fit, and a bias of the wrong length", () => {
    expect(() => parseJsonModel(spec([dense([[1, 2]]), dense([[1, 2]])]))).to.throw(ShapeError, "layer 1 (dense_1): weight row 0 has 2 entries, the layer's input has 1");
    expect(() => parseJsonModel(spec([dense([[1, 2]], [1, 2])]))).to.throw(ShapeError, "bias has 2 entries, the layer has 1 outputs");
  });

  it("refuses NaN and Infinity (null in JSON) and strings as weights", () => {
    expect(() => parseJsonModel(JSON.stringify(spec([dense([[1, NaN]])])))).to.throw(ModelFormatError, "layer 0.weights[0][1] is null (NaN or Infinity?)");
    expect(() => parseJsonModel(spec([dense([[1, Infinity]])]))).to.throw(QuantizationError, "weight [0][1] is Infinity");
    expect(() => parseJsonModel(spec([dense([[1, "2" as unknown as number]])]))).to.throw(ModelFormatError, 'is "2", not a number');
  });

  it("refuses a batch other than 1, a model without dense layers, an argmax before the end and mislabelled outputs", () => {
    expect(() => parseJsonModel(spec([dense([[1, 2]])], { input: { shape: [3, 2] } }))).to.throw(ShapeError, "only batch dimension 1");
    expect(() => parseJsonModel(spec([{ type: "relu" }]))).to.throw(ModelFormatError, "no dense layer");
    expect(() => parseJsonModel(spec([{ type: "argmax" }, dense([[1]])]))).to.throw(ModelFormatError, "argmax must be the last layer");
    expect(() => parseJsonModel(spec([dense([[1, 2], [3, 4]]), { type: "argmax" }], { labels: ["a"] }))).to.throw(ShapeError, "1 labels for 2 outputs");
    expect(() => parseJsonModel("{ not json")).to.throw(ModelFormatError, "not valid JSON");
  });
});

describe("pipeline: quantization", () => {
  const model = parseJsonModel(spec([dense([[0.5, -0.25], [1.5, 0.75]], [0.1, -0.2]), { type: "relu" }, dense([[1, -1]], [0.05])], { input: { shape: [2], range: [-2, 2] } }));

  it("takes the scale from the flag, and else the smallest within 0.5% of float", () => {
    expect(quantize(model, { scaleBits: 11 }).quantized.scaleBits).to.equal(11);
    expect(quantize(model, { scaleBits: 11 }).report.scaleChosenBy).to.equal("flag");
    const auto = quantize(model);
    expect(auto.report.maxRelError).to.be.at.most(0.005);
    expect(auto.report.scaleChosenBy).to.equal("auto");
  });

  it("proves ranges that hold for every accepted input, including both ends", () => {
    const { quantized, report } = quantize(model, { scaleBits: 8 });
    const lo = quantized.input.lo;
    const hi = lo + (1n << BigInt(quantized.input.bits)) - 1n;
    for (const x of [[lo, lo], [lo, hi], [hi, lo], [hi, hi]]) {
      const { trace } = evaluate(quantized, x);
      trace.forEach((vector, k) => vector.forEach((v) => expect(v >= report.ranges[k].bound[0] && v <= report.ranges[k].bound[1]).to.equal(true)));
    }
  });

  it("refuses a model whose values cannot fit the field, naming the layer", () => {
    // Each layer multiplies the range by about 2^30: ten of them overflow 253 bits.
    const huge = parseJsonModel(spec([dense([[1e9, 1e9]]), ...Array.from({ length: 9 }, () => dense([[1e9]]))], { input: { shape: [2] } }));
    expect(() => quantize(huge, { scaleBits: 16 })).to.throw(QuantizationError, /layer \d \(dense_\d\): values need \d+ bits at scale 2\^16/);
  });

  it("round-trips the quantized model through its JSON form", () => {
    const { quantized } = quantize(model);
    expect(parseQuantized(serializeQuantized(quantized))).to.deep.equal(quantized);
  });

  it("rejects inputs of the wrong length, out of range, or not finite, with typed errors", () => {
    const { quantized } = quantize(model, { scaleBits: 8 });
    expect(() => quantizeInput(quantized, [1])).to.throw(InferenceInputError, "input has 1 values, model m takes 2");
    expect(() => quantizeInput(quantized, [1, NaN])).to.throw(InferenceInputError, "input 1 is NaN");
    // In the user's units: the real value and the range of real values the circuit accepts.
    expect(realInputRange(quantized)).to.deep.equal([-2, 5.99609375]);
    expect(() => quantizeInput(quantized, [0, 1e9])).to.throw(InferenceInputError, "input 1 is 1000000000, outside the range [-2, 5.99609] model m accepts");
    expect(() => checkInput(quantized, [0n, 1n << 20n])).to.throw(InferenceInputError, "input 1 is 1048576 in fixed point (4096), outside the range");
    expect(() => evaluate(quantized, [0n])).to.throw(InferenceInputError);
  });

  it("packs values so that unpacking returns them, and refuses values outside the encoding", () => {
    const e = { size: 7, lo: -5n, bits: 90 };
    const values = [-5n, 0n, (1n << 90n) - 6n, 12345n, -1n, 7n, 99n];
    const packed = pack(values, e);
    expect(packed).to.have.length(4); // floor(252 / 90) = 2 values per element
    expect(unpack(packed, e)).to.deep.equal(values);
    expect(() => pack([...values.slice(0, 6), -6n], e)).to.throw(InferenceInputError, "value 6 is -6");
  });
});

describe("pipeline: model build", function () {
  this.timeout(300_000);
  const out = path.join(PACKAGE_ROOT, "build/test-models/sklearn-mlp");
  after(releaseProver);

  it("builds an ONNX fixture end to end, proves with it, and skips every step the second time", async () => {
    await rm(out, { recursive: true, force: true });
    // No verifiersDir: the generated Solidity goes into the build directory only.
    const first = await buildModel(path.join(PACKAGE_ROOT, "models/fixtures/sklearn-mlp.onnx"), { out, inputRange: [-1, 1] });
    expect(first.ran).to.deep.equal(["compile", "setup", "verifier", "solc"]);
    const m = first.manifest;
    expect(m.circuit.publicSignals).to.equal(3);
    for (const entry of [m.r1cs, m.wasm, m.zkey, m.vkey, m.verifier, m.adapter, m.quantized, m.deployable]) {
      expect(existsSync(path.resolve(out, entry.file)), entry.file).to.equal(true);
    }
    expect(existsSync(path.resolve("contracts/verifiers")), "nothing written outside the build directory").to.equal(false);
    // Relative paths only: the model file relative to the build directory, the ptau by name and hash.
    expect(path.resolve(out, m.model.file)).to.equal(path.join(PACKAGE_ROOT, "models/fixtures/sklearn-mlp.onnx"));
    expect(m.ptau).to.not.have.property("file");
    expect(m.ptau.name).to.match(/^pot\d+_local\.ptau$/);
    const text = await readFile(path.join(out, "manifest.json"), "utf8");
    for (const absolute of [PACKAGE_ROOT, os.homedir(), cacheDir()]) expect(text).to.not.include(absolute);
    // The adapter imports its base by the package path and its verifier as a sibling.
    const adapter = await readFile(path.resolve(out, m.adapter.file), "utf8");
    expect(adapter).to.include('import {Groth16InferenceAdapter} from "proofgrid/contracts/zk/Groth16InferenceAdapter.sol";');
    expect(adapter).to.include('import {SklearnMlpGroth16Verifier} from "./SklearnMlpGroth16Verifier.sol";');
    expect(await readFile(path.resolve(out, m.verifier.file), "utf8")).to.match(/GENERATED by `proofgrid model build`[\s\S]*contract SklearnMlpGroth16Verifier/);

    const again = await buildModel(path.join(PACKAGE_ROOT, "models/fixtures/sklearn-mlp.onnx"), { out, verifiersDir: null, inputRange: [-1, 1] });
    expect(again.ran).to.deep.equal([]);
    expect(again.manifest.zkey.hash).to.equal(m.zkey.hash);
    // The verifier is reproducible from the zkey the manifest names.
    expect((await checkVerifier(out)).matches).to.equal(true);

    const artifacts = await loadArtifacts(out);
    const input = quantizeInput(artifacts.model, [0.5, -0.25, 0.1, 0.9, -1, 0, 0.3, -0.7]);
    const proof = await proveInference(artifacts, input, { chainId: 1n, hub: "0x000000000000000000000000000000000000dEaD", jobId: 9n, prover: "0x000000000000000000000000000000000000bEEF" });
    expect(await verifyInference(artifacts, proof)).to.equal(true);
  });

  it("refuses to return a proof the engine and the circuit disagree on, with its own error (not an input error)", async () => {
    const artifacts = await loadArtifacts(out);
    const input = quantizeInput(artifacts.model, [0.5, -0.25, 0.1, 0.9, -1, 0, 0.3, -0.7]);
    const honest = evaluate(artifacts.model, input).output[0];
    // An engine whose last dense layer picks another class than the circuit's.
    const model = structuredClone(artifacts.model);
    const last = model.layers.findLast((l) => l.type === "dense");
    assert(last?.type === "dense" && model.layers.at(-1)?.type === "argmax");
    const other = (honest + 1n) % BigInt(last.bias.length);
    last.weights = last.weights.map((row) => row.map(() => 0n));
    last.bias = last.bias.map((_, j) => (BigInt(j) === other ? 1n << BigInt(2 * model.scaleBits) : 0n));
    expect(evaluate(model, input).output).to.deep.equal([other]);
    const binding = { chainId: 1n, hub: "0x000000000000000000000000000000000000dEaD", jobId: 9n, prover: "0x000000000000000000000000000000000000bEEF" };
    await assert.rejects(proveInference({ ...artifacts, model }, input, binding), (e: Error) => {
      expect(e).to.be.instanceOf(EngineCircuitMismatchError).and.not.instanceOf(InferenceInputError);
      expect(e.message).to.match(/the circuit's public signals \[.*\] differ from the engine's/);
      return true;
    });
  });

  it("rebuilds only what a change touches: a new scale recompiles and sets up again", async () => {
    const rebuilt = await buildModel(path.join(PACKAGE_ROOT, "models/fixtures/sklearn-mlp.onnx"), { out, verifiersDir: null, inputRange: [-1, 1], scaleBits: 7 });
    expect(rebuilt.ran).to.deep.equal(["compile", "setup", "verifier", "solc"]);
  });

  it("never trusts a damaged artifact: a truncated r1cs or zkey is rebuilt, not reused", async () => {
    const { truncate } = await import("node:fs/promises");
    const m = (await loadArtifacts(out)).manifest;
    await truncate(path.resolve(out, m.r1cs.file), 100);
    const afterR1cs = await buildModel(path.join(PACKAGE_ROOT, "models/fixtures/sklearn-mlp.onnx"), { out, verifiersDir: null, inputRange: [-1, 1], scaleBits: 7 });
    expect(afterR1cs.ran).to.include("compile");
    await truncate(path.resolve(out, afterR1cs.manifest.zkey.file), 1000);
    const afterZkey = await buildModel(path.join(PACKAGE_ROOT, "models/fixtures/sklearn-mlp.onnx"), { out, verifiersDir: null, inputRange: [-1, 1], scaleBits: 7 });
    expect(afterZkey.ran).to.include("setup");
  });

  it("takes a ceremony file by path (--ptau) and records it as such", async () => {
    const { ptau } = (await loadArtifacts(out)).manifest;
    const local = path.join(cacheDir(), "ptau", ptau.name);
    const withCeremony = await buildModel(path.join(PACKAGE_ROOT, "models/fixtures/sklearn-mlp.onnx"), { out, verifiersDir: null, inputRange: [-1, 1], scaleBits: 7, ptau: local });
    expect(withCeremony.manifest.ptau.source).to.equal("ceremony");
    expect(withCeremony.ran).to.deep.equal([]); // same file, same hash: the keys stay
  });

  it("keeps a build directory movable: moved, it loads, proves, checks and is up to date; verifiersDir copies the contracts", async () => {
    const moved = path.join(path.dirname(out), "sklearn-mlp-moved");
    const copies = path.join(os.tmpdir(), `proofgrid-verifiers-${process.pid}`);
    await rm(moved, { recursive: true, force: true });
    await rename(out, moved);
    try {
      const artifacts = await loadArtifacts(moved);
      expect(artifacts.zkey).to.equal(path.join(moved, artifacts.manifest.zkey.file));
      const input = quantizeInput(artifacts.model, [0.1, 0.2, -0.3, 0.4, -0.5, 0.6, -0.7, 0.8]);
      const proof = await proveInference(artifacts, input, { chainId: 1n, hub: "0x000000000000000000000000000000000000dEaD", jobId: 3n, prover: "0x000000000000000000000000000000000000bEEF" });
      expect(await verifyInference(artifacts, proof)).to.equal(true);
      expect((await checkVerifier(moved)).matches).to.equal(true);
      const again = await buildModel(path.join(PACKAGE_ROOT, "models/fixtures/sklearn-mlp.onnx"), { out: moved, inputRange: [-1, 1], scaleBits: 7, verifiersDir: copies });
      expect(again.ran).to.deep.equal([]);
      for (const entry of [again.manifest.verifier, again.manifest.adapter]) {
        expect(await readFile(path.join(copies, entry.file), "utf8")).to.equal(await readFile(path.join(moved, entry.file), "utf8"));
      }
    } finally {
      await rename(moved, out);
      await rm(copies, { recursive: true, force: true });
    }
  });

  it("fails before any long step on a bad model, and on a ptau that is too small or missing", async () => {
    await assert.rejects(buildModel(path.join(PACKAGE_ROOT, "models/fixtures/missing.onnx"), { out, verifiersDir: null }), {
      name: "ModelFormatError",
      message: /does not exist/,
    });
    await assert.rejects(buildModel(path.join(PACKAGE_ROOT, "models/fixtures/sklearn-mlp.onnx"), { out, verifiersDir: null, ptau: "/nonexistent.ptau" }), {
      name: "BuildError",
      message: /ptau file \/nonexistent.ptau does not exist/,
    });
  });
});
