import { expect } from "chai";
import * as ort from "onnxruntime-node";
import { ModelFormatError, QuantizationError, ShapeError, UnsupportedOperatorError } from "../../src/errors.js";
import { evaluateFloat } from "../../src/pipeline/model.js";
import { MAX_OPSET, MIN_OPSET, parseOnnxModel } from "../../src/pipeline/onnx.js";
import { seededRandom } from "../../src/pipeline/quantize.js";
import { attr, floatTensor, leakyGemm, modelBytes, node, sklearnMlp, torchMlp, valueInfo } from "../support/onnx.js";

/** A tiny one-layer graph with `extra` nodes after the Gemm, for the error cases. */
function withNodes(extra: ReturnType<typeof node>[], opts: { opset?: number; weight?: number[]; inputs?: ReturnType<typeof valueInfo>[] } = {}) {
  const last = extra.length ? extra[extra.length - 1].output![0] : "h";
  return modelBytes({
    opset: opts.opset ?? 13,
    producer: "test",
    inputs: opts.inputs ?? [valueInfo("x", [1, 2])],
    outputs: [valueInfo(last, [1, 2])],
    initializers: [floatTensor("W", [2, 2], opts.weight ?? [1, 0, 0, 1])],
    nodes: [node("Gemm", ["x", "W"], ["h"], "/fc/Gemm", [attr.int("transB", 1)]), ...extra],
  });
}

async function runOrt(bytes: Uint8Array, input: number[], shape: number[]): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const result = await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", Float32Array.from(input), shape) });
  return Array.from(result[session.outputNames[0]].data as Float32Array | BigInt64Array, Number);
}

describe("pipeline: ONNX models", () => {
  const fixtures: [string, () => Uint8Array, number[]][] = [
    ["torch-mlp (Flatten, Gemm transB=1, Relu; opset 17)", torchMlp, [1, 1, 4, 4]],
    ["sklearn-mlp (Constant + Reshape, MatMul + Add, Relu, Identity, Softmax -> ArgMax; opset 9)", sklearnMlp, [1, 8]],
    ["leaky-gemm (Gemm alpha/beta, Constant value_floats, LeakyRelu, MatMul; opset 18)", leakyGemm, [1, 6]],
  ];

  for (const [title, make, shape] of fixtures) {
    it(`reads ${title} and evaluates it as onnxruntime does`, async () => {
      const bytes = make();
      const model = parseOnnxModel(bytes);
      const random = seededRandom(3);
      const n = shape.reduce((a, b) => a * b, 1);
      expect(model.inputSize).to.equal(n);
      for (let t = 0; t < 20; t++) {
        const x = Array.from({ length: n }, () => random() * 2 - 1);
        // onnxruntime computes in float32: compare to its precision.
        const expected = await runOrt(bytes, x, shape);
        const got = evaluateFloat(model, x.map(Math.fround));
        expect(got.length).to.equal(expected.length);
        got.forEach((v, i) => expect(Math.abs(v - expected[i]), `output ${i}`).to.be.lessThan(1e-5));
      }
    });
  }

  it(`reads every opset from ${MIN_OPSET} to ${MAX_OPSET} and refuses the others by number`, () => {
    for (let opset = MIN_OPSET; opset <= MAX_OPSET; opset++) expect(parseOnnxModel(torchMlp(opset)).layers).to.have.length(3);
    for (const opset of [MIN_OPSET - 1, MAX_OPSET + 1]) {
      expect(() => parseOnnxModel(torchMlp(opset))).to.throw(ModelFormatError, `ONNX opset ${opset} is not supported`);
    }
  });

  it("drops a Softmax read only by ArgMax (exact), and folds MatMul + Add into one dense layer", () => {
    const model = parseOnnxModel(sklearnMlp());
    expect(model.layers.map((l) => l.type)).to.deep.equal(["dense", "relu", "dense", "argmax"]);
  });

  it("names the operator and node of an unsupported operator (Conv)", () => {
    const bytes = withNodes([node("Conv", ["h"], ["y"], "/act/Conv")]);
    expect(() => parseOnnxModel(bytes)).to.throw(UnsupportedOperatorError, "unsupported operator Conv at node /act/Conv (Conv)");
  });

  for (const [op, fn, opset] of [["Sigmoid", "sigmoid", 13], ["Tanh", "tanh", 13], ["Exp", "exp", 13], ["Erf", "erf", 13], ["HardSwish", "hardswish", 14], ["Softplus", "softplus", 13], ["Elu", "elu", 13], ["Mish", "mish", 18]] as const) {
    it(`reads ${op} as the ${fn} table and evaluates it as onnxruntime does`, async () => {
      const bytes = withNodes([node(op, ["h"], ["y"], `/act/${op}`)], { opset, weight: [3, -1, 0.5, 2] });
      const model = parseOnnxModel(bytes);
      expect(model.layers.map((l) => (l.type === "fn" ? l.fn : l.type))).to.deep.equal(["dense", fn]);
      for (const x of [[0.3, -0.7], [1, 1], [-1, 0.2], [0, 0]]) {
        const expected = await runOrt(bytes, x, [1, 2]);
        evaluateFloat(model, x).forEach((v, i) => expect(Math.abs(v - expected[i]), `${op} output ${i}`).to.be.lessThan(1e-5));
      }
    });
  }

  it("keeps a Softmax that is the output as a softmax layer (opsets 11 and 13), as onnxruntime computes it", async () => {
    for (const opset of [11, 13]) {
      const bytes = withNodes([node("Softmax", ["h"], ["p"], "/head/Softmax", [attr.int("axis", opset < 13 ? 1 : -1)])], { opset, weight: [3, -1, 0.5, 2] });
      const model = parseOnnxModel(bytes);
      expect(model.layers.map((l) => l.type)).to.deep.equal(["dense", "softmax"]);
      const expected = await runOrt(bytes, [0.4, -0.9], [1, 2]);
      evaluateFloat(model, [0.4, -0.9]).forEach((v, i) => expect(Math.abs(v - expected[i])).to.be.lessThan(1e-6));
    }
  });

  it("refuses a Softmax over the batch axis, naming its node", () => {
    const bytes = withNodes([node("Softmax", ["h"], ["p"], "/head/Softmax", [attr.int("axis", 0)])]);
    expect(() => parseOnnxModel(bytes)).to.throw(UnsupportedOperatorError, "/head/Softmax");
  });

  it("fuses a spelled-out function of one tensor into one table; one that is no table, or whose inside is read elsewhere, stays a graph", async () => {
    const c = (name: string, v: number) => floatTensor(name, [], [v]);
    const graph = (nodes: ReturnType<typeof node>[], extra: ReturnType<typeof floatTensor>[] = []) =>
      modelBytes({
        opset: 13,
        producer: "test",
        inputs: [valueInfo("x", [1, 2])],
        outputs: [valueInfo(nodes[nodes.length - 1].output![0], [1, 2])],
        initializers: [floatTensor("W", [2, 2], [3, -1, 0.5, 2]), c("half", 0.5), c("one", 1), c("sqrt2", Math.SQRT2), c("three", 3), ...extra],
        nodes: [node("Gemm", ["x", "W"], ["h"], "/fc/Gemm", [attr.int("transB", 1)]), ...nodes],
      });
    // GELU as PyTorch writes it: h * (erf(h / sqrt 2) + 1) * 0.5
    const gelu = graph([node("Div", ["h", "sqrt2"], ["d"], "div"), node("Erf", ["d"], ["e"], "erf"), node("Add", ["e", "one"], ["a"], "add"), node("Mul", ["h", "a"], ["m"], "mul"), node("Mul", ["m", "half"], ["y"], "/gelu/Mul_1")]);
    const model = parseOnnxModel(gelu);
    expect(model.layers.map((l) => (l.type === "fn" ? l.fn : l.type))).to.deep.equal(["dense", "gelu"]);
    expect(model.layers[1].name).to.equal("/gelu/Mul_1");
    for (const x of [[0.3, -0.7], [1, 1], [-1, 0.2]]) {
      const expected = await runOrt(gelu, x, [1, 2]);
      evaluateFloat(model, x).forEach((v, i) => expect(Math.abs(v - expected[i])).to.be.lessThan(1e-5));
    }
    // h * h * 3 is a function of one tensor, but not one of the tables: a product layer, as written.
    const square = graph([node("Mul", ["h", "h"], ["sq"], "/sq/Mul"), node("Mul", ["sq", "three"], ["y"], "/scale/Mul")]);
    expect(parseOnnxModel(square).layers.map((l) => l.type)).to.deep.equal(["dense", "mul", "dense"]);
    // A value inside the pattern that something else also reads: not fused (the table would lose it).
    const shared = modelBytes({
      opset: 13,
      producer: "test",
      inputs: [valueInfo("x", [1, 2])],
      outputs: [valueInfo("y", [1, 2])],
      initializers: [floatTensor("W", [2, 2], [3, -1, 0.5, 2])],
      nodes: [node("Gemm", ["x", "W"], ["h"], "/fc/Gemm", [attr.int("transB", 1)]), node("Sigmoid", ["h"], ["s"], "sig"), node("Mul", ["h", "s"], ["m"], "/silu/Mul"), node("Add", ["m", "s"], ["y"], "/Add")],
    });
    expect(parseOnnxModel(shared).layers.map((l) => (l.type === "fn" ? l.fn : l.type))).to.deep.equal(["dense", "sigmoid", "mul", "add"]);
  });

  it("reads graphs: residual Add, Sub, Mul and Sum of computed tensors, Concat of branches, as onnxruntime computes them", async () => {
    const cases: [string, ReturnType<typeof node>[], number, string[]][] = [
      ["residual", [node("Relu", ["h"], ["r"], "relu"), node("Add", ["h", "r"], ["y"], "/res/Add")], 2, ["dense", "relu", "add"]],
      ["sub and mul", [node("Relu", ["h"], ["r"], "relu"), node("Sub", ["r", "h"], ["d"], "/Sub"), node("Mul", ["d", "h"], ["y"], "/Mul")], 2, ["dense", "relu", "add", "mul"]],
      ["sum of three", [node("Relu", ["h"], ["r"], "relu"), node("Sum", ["h", "r", "h"], ["y"], "/Sum")], 2, ["dense", "relu", "add", "add"]],
      ["concat", [node("Relu", ["h"], ["r"], "relu"), node("Concat", ["r", "h"], ["y"], "/Concat", [attr.int("axis", 1)])], 4, ["dense", "relu", "concat"]],
      // h - mean(h): the one-value side is repeated (broadcasting), for free.
      ["centering", [node("ReduceMean", ["h"], ["m"], "mean", [attr.ints("axes", [1])]), node("Sub", ["h", "m"], ["y"], "/Sub")], 2, ["dense", "dense", "concat", "add"]],
    ];
    for (const [title, nodes, outputs, kinds] of cases) {
      const bytes = modelBytes({
        opset: 13,
        producer: "test",
        inputs: [valueInfo("x", [1, 2])],
        outputs: [valueInfo("y", [1, outputs])],
        initializers: [floatTensor("W", [2, 2], [3, -1, 0.5, 2])],
        nodes: [node("Gemm", ["x", "W"], ["h"], "/fc/Gemm", [attr.int("transB", 1)]), ...nodes],
      });
      const model = parseOnnxModel(bytes);
      expect(model.layers.map((l) => l.type), title).to.deep.equal(kinds);
      for (const x of [[0.3, -0.7], [1, 1], [-1, 0.2]]) {
        const expected = await runOrt(bytes, x, [1, 2]);
        evaluateFloat(model, x).forEach((v, i) => expect(Math.abs(v - expected[i]), `${title} output ${i}`).to.be.lessThan(1e-5));
      }
    }
  });

  it("names a combination of computed tensors it cannot take: Div, Max, different sizes", () => {
    for (const op of ["Div", "Max"]) {
      const bytes = withNodes([node("Relu", ["h"], ["r"], "relu"), node(op, ["h", "r"], ["y"], `/res/${op}`)]);
      expect(() => parseOnnxModel(bytes)).to.throw(UnsupportedOperatorError, `${op} at node /res/${op} (${op}): it reads two computed tensors; supported on two or more: Add, Sub, Mul, Sum and Concat`);
    }
    const mismatch = withNodes([node("Concat", ["h", "h", "h"], ["c"], "cat", [attr.int("axis", 1)]), node("Add", ["h", "c"], ["y"], "/res/Add")], { opset: 12 });
    expect(() => parseOnnxModel(mismatch)).to.throw(ShapeError, "node /res/Add (Add): combines tensors of shapes [1, 2] and [1, 6]");
  });

  it("names the node of a weight matrix that does not fit the input", () => {
    const bytes = modelBytes({
      opset: 13,
      producer: "test",
      inputs: [valueInfo("x", [1, 3])],
      outputs: [valueInfo("h", [1, 2])],
      initializers: [floatTensor("W", [2, 2], [1, 2, 3, 4])],
      nodes: [node("Gemm", ["x", "W"], ["h"], "/fc/Gemm", [attr.int("transB", 1)])],
    });
    expect(() => parseOnnxModel(bytes)).to.throw(ShapeError, "node /fc/Gemm (Gemm): input has 3 features, weights expect 2");
  });

  it("refuses NaN and infinite weights, naming the layer and entry", () => {
    expect(() => parseOnnxModel(withNodes([], { weight: [1, NaN, 0, 1] }))).to.throw(QuantizationError, "layer 0 (/fc/Gemm): weight [0][1] is NaN");
    expect(() => parseOnnxModel(withNodes([], { weight: [1, 0, Infinity, 1] }))).to.throw(QuantizationError, "weight [1][0] is Infinity");
  });

  it("refuses a batch dimension other than 1, two data inputs and bytes that are not ONNX", () => {
    expect(() => parseOnnxModel(withNodes([], { inputs: [valueInfo("x", [4, 2])] }))).to.throw(ShapeError, "batch dimension 4");
    expect(() => parseOnnxModel(withNodes([], { inputs: [valueInfo("x", [1, 2]), valueInfo("z", [1, 2])] }))).to.throw(
      ModelFormatError,
      "exactly one data input",
    );
    expect(() => parseOnnxModel(new Uint8Array([1, 2, 3, 4, 5]))).to.throw(ModelFormatError);
  });
});
