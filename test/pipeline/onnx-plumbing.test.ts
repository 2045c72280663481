/**
 * The exporters' plumbing and the affine operators, each against onnxruntime on random inputs:
 * constant folding (the Shape -> Gather -> Unsqueeze -> Concat -> Reshape that PyTorch writes for a
 * flatten), Cast, Squeeze/Unsqueeze, Sub/Mul/Div/Neg/Sum/Mean with constants, BatchNormalization,
 * Clip (both bounds, one, none), HardSigmoid, ReduceSum/ReduceMean, Gather, Slice, Concat and Pad
 * with constants, graphs with no dense layer, and an identity graph; and the names a file gives.
 */
import { expect } from "chai";
import * as ort from "onnxruntime-node";
import { UnsupportedOperatorError } from "../../src/errors.js";
import { modelNameFrom } from "../../src/pipeline/load.js";
import { evaluateFloat } from "../../src/pipeline/model.js";
import { parseOnnxModel } from "../../src/pipeline/onnx.js";
import { seededRandom } from "../../src/pipeline/quantize.js";
import { attr, floatTensor, int64Tensor, modelBytes, node, randomMatrix, valueInfo } from "../support/onnx.js";

async function runOrt(bytes: Uint8Array, input: number[], shape: number[]): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const result = await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", Float32Array.from(input), shape) });
  return Array.from(result[session.outputNames[0]].data as Float32Array, Number);
}

/** Parses the graph and checks it against onnxruntime on 20 random inputs in [-2, 2]. */
async function agreesWithOrt(bytes: Uint8Array, shape: number[]) {
  const model = parseOnnxModel(bytes);
  const random = seededRandom(11);
  const n = shape.reduce((a, b) => a * b, 1);
  for (let t = 0; t < 20; t++) {
    const x = Array.from({ length: n }, () => Math.fround(random() * 4 - 2));
    const expected = await runOrt(bytes, x, shape);
    const got = evaluateFloat(model, x);
    expect(got.length, "output length").to.equal(expected.length);
    got.forEach((v, i) => expect(Math.abs(v - expected[i]), `output ${i}: ${v} vs ${expected[i]}`).to.be.lessThan(1e-4));
  }
  return model;
}

const graph = (opset: number, nodes: ReturnType<typeof node>[], initializers: ReturnType<typeof floatTensor>[], inDims: number[], outName: string, outDims: number[]) =>
  modelBytes({ opset, producer: "test", nodes, initializers, inputs: [valueInfo("x", inDims)], outputs: [valueInfo(outName, outDims)] });

describe("pipeline: ONNX plumbing and affine operators", () => {
  const random = seededRandom(5);

  it("folds PyTorch's flatten plumbing and composes Sub, Mul, Div, Neg and BatchNormalization into the dense layers (opset 13)", async () => {
    const bytes = graph(
      13,
      [
        node("Shape", ["x"], ["s"], "/Shape"),
        node("Gather", ["s", "zero"], ["b"], "/Gather", [attr.int("axis", 0)]),
        node("Unsqueeze", ["b", "axes0"], ["bu"], "/Unsqueeze"),
        node("Concat", ["bu", "minus1"], ["shape"], "/Concat", [attr.int("axis", 0)]),
        node("Reshape", ["x", "shape"], ["flat"], "/Reshape"),
        node("Cast", ["flat"], ["f"], "/Cast", [attr.int("to", 1)]),
        node("Sub", ["f", "mu"], ["c"], "/Sub"),
        node("Div", ["c", "sigma"], ["z"], "/Div"),
        node("Gemm", ["z", "W1", "b1"], ["h"], "/fc1/Gemm", [attr.int("transB", 1)]),
        node("BatchNormalization", ["h", "gamma", "beta", "mean", "var"], ["bn"], "/bn/BatchNormalization", [attr.float("epsilon", 1e-5)]),
        node("Relu", ["bn"], ["r"], "/Relu"),
        node("Mul", ["r", "k"], ["m"], "/Mul"),
        node("Neg", ["m"], ["y"], "/Neg"),
      ],
      [
        int64Tensor("zero", [], [0]),
        int64Tensor("axes0", [1], [0]),
        int64Tensor("minus1", [1], [-1]),
        floatTensor("mu", [6], randomMatrix(1, 6, random)),
        floatTensor("sigma", [6], randomMatrix(1, 6, random).map((v) => 1 + Math.abs(v))),
        floatTensor("W1", [4, 6], randomMatrix(4, 6, random)),
        floatTensor("b1", [4], randomMatrix(1, 4, random)),
        floatTensor("gamma", [4], [1.5, 0.5, 1, 2]),
        floatTensor("beta", [4], [0.1, -0.2, 0.3, 0]),
        floatTensor("mean", [4], [0.2, -0.1, 0, 0.5]),
        floatTensor("var", [4], [1, 4, 0.25, 2]),
        floatTensor("k", [], [0.75]),
      ] as never[],
      [1, 2, 3],
      "y",
      [1, 4],
    );
    const model = await agreesWithOrt(bytes, [1, 2, 3]);
    // Sub and Div fold into one diagonal layer before the Gemm (the Gemm's input is not a dense
    // output); BatchNormalization folds into the Gemm; Mul and Neg after the Relu make one layer.
    expect(model.layers.map((l) => l.type)).to.deep.equal(["dense", "dense", "relu", "dense"]);
  });

  for (const [title, bounds] of [
    ["both bounds", ["lo", "hi"]],
    ["a lower bound only (ReLU-like)", ["lo", ""]],
    ["an upper bound only", ["", "hi"]],
  ] as const) {
    it(`computes Clip with ${title} exactly, as two dense layers around a ReLU (opset 13)`, async () => {
      const bytes = graph(
        13,
        [node("Gemm", ["x", "W"], ["h"], "/Gemm", [attr.int("transB", 1)]), node("Clip", ["h", ...bounds], ["y"], "/Clip")],
        [floatTensor("W", [3, 3], randomMatrix(3, 3, random)), floatTensor("lo", [], [-0.5]), floatTensor("hi", [], [0.7])] as never[],
        [1, 3],
        "y",
        [1, 3],
      );
      await agreesWithOrt(bytes, [1, 3]);
    });
  }

  it("computes Clip from attributes (opset 9), HardSigmoid, ReduceMean and ReduceSum", async () => {
    await agreesWithOrt(graph(9, [node("MatMul", ["x", "W"], ["h"], "/MatMul"), node("Clip", ["h"], ["y"], "/Clip", [attr.float("min", 0), attr.float("max", 6)])], [floatTensor("W", [3, 3], randomMatrix(3, 3, random, 4))] as never[], [1, 3], "y", [1, 3]), [1, 3]);
    await agreesWithOrt(graph(13, [node("HardSigmoid", ["x"], ["y"], "/HardSigmoid", [attr.float("alpha", 0.3), attr.float("beta", 0.4)])], [], [1, 5], "y", [1, 5]), [1, 5]);
    await agreesWithOrt(graph(13, [node("ReduceMean", ["x"], ["y"], "/ReduceMean", [{ name: "axes", type: 7, ints: [1] } as never, attr.int("keepdims", 1)])], [], [1, 5], "y", [1, 1]), [1, 5]);
    await agreesWithOrt(graph(13, [node("ReduceSum", ["x", "ax"], ["y"], "/ReduceSum", [attr.int("keepdims", 0)])], [int64Tensor("ax", [1], [1])] as never[], [1, 5], "y", [1]), [1, 5]);
  });

  it("selects and extends the data: Gather and Slice with constant indices, Concat and Pad with constants, Squeeze/Unsqueeze", async () => {
    const bytes = graph(
      13,
      [
        node("Gather", ["x", "idx"], ["g"], "/Gather", [attr.int("axis", 1)]),
        node("Slice", ["g", "st", "en", "ax", "sp"], ["s"], "/Slice"),
        node("Concat", ["s", "extra"], ["c"], "/Concat", [attr.int("axis", 1)]),
        node("Pad", ["c", "pads", "pv"], ["p"], "/Pad"),
        node("Unsqueeze", ["p", "u"], ["pu"], "/Unsqueeze"),
        node("Squeeze", ["pu", "u"], ["y"], "/Squeeze"),
      ],
      [
        int64Tensor("idx", [4], [4, 0, -1, 2]),
        int64Tensor("st", [1], [0]),
        int64Tensor("en", [1], [4]),
        int64Tensor("ax", [1], [1]),
        int64Tensor("sp", [1], [2]),
        floatTensor("extra", [1, 2], [0.5, -1.25]),
        int64Tensor("pads", [4], [0, 1, 0, 2]),
        floatTensor("pv", [], [3]),
        int64Tensor("u", [1], [0]),
      ] as never[],
      [1, 5],
      "y",
      [1, 7],
    );
    const model = await agreesWithOrt(bytes, [1, 5]);
    expect(model.layers.map((l) => l.type)).to.deep.equal(["dense"]); // all of it is one linear map
  });

  it("takes graphs with no dense layer, an identity graph, and Sum/Mean with constants", async () => {
    await agreesWithOrt(graph(13, [node("Relu", ["x"], ["y"], "/Relu")], [], [1, 4], "y", [1, 4]), [1, 4]);
    await agreesWithOrt(graph(13, [node("Flatten", ["x"], ["y"], "/Flatten")], [], [1, 2, 2], "y", [1, 4]), [1, 2, 2]);
    await agreesWithOrt(graph(13, [node("Identity", ["x"], ["y"], "/Identity")], [], [1, 3], "y", [1, 3]), [1, 3]);
    await agreesWithOrt(graph(13, [node("Sum", ["x", "a", "b"], ["y"], "/Sum")], [floatTensor("a", [3], [1, 2, 3]), floatTensor("b", [], [0.5])] as never[], [1, 3], "y", [1, 3]), [1, 3]);
    await agreesWithOrt(graph(13, [node("Mean", ["x", "a"], ["y"], "/Mean")], [floatTensor("a", [3], [1, 2, 3])] as never[], [1, 3], "y", [1, 3]), [1, 3]);
  });

  it("computes PRelu (one slope: the LeakyReLU template; per-feature slopes: exactly, through a ReLU)", async () => {
    const one = await agreesWithOrt(graph(13, [node("PRelu", ["x", "a"], ["y"], "/PRelu")], [floatTensor("a", [1], [0.25])] as never[], [1, 4], "y", [1, 4]), [1, 4]);
    expect(one.layers.map((l) => l.type)).to.deep.equal(["dense", "leaky_relu"]);
    await agreesWithOrt(graph(13, [node("PRelu", ["x", "a"], ["y"], "/PRelu")], [floatTensor("a", [4], [0.1, -0.5, 1.5, 0])] as never[], [1, 4], "y", [1, 4]), [1, 4]);
  });

  it("reads scikit-learn's Scaler and LinearRegressor (ai.onnx.ml)", async () => {
    const ml = (nodes: ReturnType<typeof node>[], out: number) =>
      modelBytes({ opset: 13, mlOpset: 3, producer: "skl2onnx", nodes: nodes.map((n) => ({ ...n, domain: "ai.onnx.ml" })), initializers: [], inputs: [valueInfo("x", [1, 3])], outputs: [valueInfo("y", [1, out])] });
    const floats = (name: string, values: number[]) => attr.floats(name, values);
    await agreesWithOrt(ml([node("Scaler", ["x"], ["y"], "Scaler", [floats("offset", [0.5, -1, 2]), floats("scale", [2, 0.5, 0.25])])], 3), [1, 3]);
    await agreesWithOrt(ml([node("LinearRegressor", ["x"], ["y"], "LinearRegressor", [floats("coefficients", [0.3, -1.2, 0.7, 1, 0, -0.5]), floats("intercepts", [0.1, -2]), attr.int("targets", 2)])], 2), [1, 3]);
  });

  it("takes the first of several outputs (scikit-learn writes the label first), with only the layers that compute it", async () => {
    const bytes = modelBytes({
      opset: 13,
      producer: "test",
      inputs: [valueInfo("x", [1, 3])],
      outputs: [valueInfo("r", [1, 3]), valueInfo("w", [1, 2])],
      initializers: [floatTensor("W", [3, 3], randomMatrix(3, 3, random)), floatTensor("W2", [2, 3], randomMatrix(2, 3, random))],
      nodes: [node("Gemm", ["x", "W"], ["h"], "/fc1", [attr.int("transB", 1)]), node("Relu", ["h"], ["r"], "/relu"), node("Gemm", ["r", "W2"], ["w"], "/fc2", [attr.int("transB", 1)])],
    });
    const model = await agreesWithOrt(bytes, [1, 3]);
    expect(model.layers.map((l) => l.type)).to.deep.equal(["dense", "relu"]);
  });

  it("takes MatMul and Gemm with the constant on the left of a column of data", async () => {
    // The data as a column (a transposed row: a graph input [3, 1] would read as a batch of 3).
    await agreesWithOrt(graph(13, [node("Transpose", ["x"], ["xt"], "/Transpose"), node("MatMul", ["C", "xt"], ["y"], "/MatMul")], [floatTensor("C", [2, 3], randomMatrix(2, 3, random))] as never[], [1, 3], "y", [2, 1]), [1, 3]);
    await agreesWithOrt(
      graph(13, [node("Gemm", ["A", "x", "c"], ["y"], "/Gemm", [attr.int("transA", 1), attr.int("transB", 1), attr.float("alpha", 0.5), attr.float("beta", 2)])], [floatTensor("A", [3, 2], randomMatrix(3, 2, random)), floatTensor("c", [2, 1], [0.25, -1])] as never[], [1, 3], "y", [2, 1]),
      [1, 3],
    );
  });

  it("reads scikit-learn's LinearClassifier: its first output, the label, as an argmax over the class scores (multiclass and binary)", async () => {
    const classifier = (coefficients: number[], intercepts: number[], labels: string[]) =>
      modelBytes({
        opset: 13,
        mlOpset: 1,
        producer: "skl2onnx",
        inputs: [valueInfo("x", [1, 3])],
        outputs: [valueInfo("label", [1], 8), valueInfo("probabilities", [1, Math.max(2, intercepts.length)])],
        initializers: [],
        nodes: [
          {
            ...node("LinearClassifier", ["x"], ["label", "probabilities"], "LinearClassifier", [
              attr.floats("coefficients", coefficients),
              attr.floats("intercepts", intercepts),
              { name: "classlabels_strings", type: 8, strings: labels.map((l) => Buffer.from(l)) } as never,
              { name: "post_transform", type: 3, s: Buffer.from("LOGISTIC") } as never,
            ]),
            domain: "ai.onnx.ml",
          },
        ],
      });
    const session = async (bytes: Uint8Array, x: number[]) => {
      const ort2 = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
      const out = await ort2.run({ x: new ort.Tensor("float32", Float32Array.from(x), [1, 3]) });
      return out.label.data[0] as string;
    };
    for (const [coefficients, intercepts, labels] of [
      [[0.5, -1, 0.2, -0.3, 0.8, 1.1, 1, 0, -0.7], [0.1, -0.2, 0], ["billing", "shipping", "refund"]],
      [[0.9, -0.4, 0.3], [-0.1], ["no", "yes"]],
    ] as [number[], number[], string[]][]) {
      const bytes = classifier(coefficients, intercepts, labels);
      const model = parseOnnxModel(bytes);
      expect(model.labels).to.deep.equal(labels);
      const r = seededRandom(2);
      for (let t = 0; t < 20; t++) {
        const x = Array.from({ length: 3 }, () => Math.fround(r() * 4 - 2));
        expect(labels[evaluateFloat(model, x)[0]]).to.equal(await session(bytes, x));
      }
    }
  });

  it("reads a LogisticRegression export with its ZipMap'd probabilities (the label is served), and names a Normalizer on the data", () => {
    const ml = (n: ReturnType<typeof node>) => ({ ...n, domain: "ai.onnx.ml" });
    const labels = ["no", "yes"];
    const classifier = ml(
      node("LinearClassifier", ["x"], ["label", "probabilities"], "LinearClassifier", [
        attr.floats("coefficients", [0.9, -0.4, 0.3]),
        attr.floats("intercepts", [-0.1]),
        { name: "classlabels_strings", type: 8, strings: labels.map((l) => Buffer.from(l)) } as never,
        { name: "post_transform", type: 3, s: Buffer.from("LOGISTIC") } as never,
      ]),
    );
    const zipmap = ml(node("ZipMap", ["probabilities"], ["output_probability"], "ZipMap", [{ name: "classlabels_strings", type: 8, strings: labels.map((l) => Buffer.from(l)) } as never]));
    const bytes = modelBytes({
      opset: 13,
      mlOpset: 1,
      producer: "skl2onnx",
      inputs: [valueInfo("x", [1, 3])],
      outputs: [valueInfo("label", [1], 8), valueInfo("output_probability", [1, 2])],
      initializers: [],
      nodes: [classifier, zipmap],
    });
    const model = parseOnnxModel(bytes);
    expect(model.labels).to.deep.equal(labels);
    expect(model.layers.map((l) => l.type)).to.deep.equal(["dense", "argmax"]);
    expect(evaluateFloat(model, [1, 0, 0])).to.deep.equal([1]);
    const normalized = modelBytes({
      opset: 13,
      mlOpset: 1,
      producer: "skl2onnx",
      inputs: [valueInfo("x", [1, 3])],
      outputs: [valueInfo("label", [1], 8)],
      initializers: [],
      nodes: [ml(node("Normalizer", ["x"], ["xn"], "Normalizer", [{ name: "norm", type: 3, s: Buffer.from("L2") } as never])), { ...classifier, input: ["xn"] }],
    });
    expect(() => parseOnnxModel(normalized)).to.throw(UnsupportedOperatorError, "unsupported operator Normalizer at node Normalizer (Normalizer): it divides the data by its L2 norm");
  });

  it("names what it cannot take: a quotient of two computed tensors, a constant over the data, a cast of the data to integers", () => {
    const quotient = graph(13, [node("Gemm", ["x", "W"], ["h"], "/Gemm", [attr.int("transB", 1)]), node("Div", ["h", "x"], ["y"], "/Div")], [floatTensor("W", [2, 2], [1, 0, 0, 1])] as never[], [1, 2], "y", [1, 2]);
    expect(() => parseOnnxModel(quotient)).to.throw(UnsupportedOperatorError, /Div at node \/Div \(Div\): it reads two computed tensors/);
    const reciprocal = graph(13, [node("Div", ["one", "x"], ["y"], "/Div")], [floatTensor("one", [], [1])] as never[], [1, 2], "y", [1, 2]);
    expect(() => parseOnnxModel(reciprocal)).to.throw(UnsupportedOperatorError, /Div at node \/Div \(Div\): a constant divided by the data/);
    const toInt = graph(13, [node("Cast", ["x"], ["y"], "/Cast", [attr.int("to", 7)])], [], [1, 2], "y", [1, 2]);
    expect(() => parseOnnxModel(toInt)).to.throw(UnsupportedOperatorError, /Cast at node \/Cast \(Cast\): a cast of non-integer data to an integer type/);
    // A class index is an integer: its cast to INT64 (and back to FLOAT) is exact.
    const index = graph(13, [node("ArgMax", ["x"], ["i"], "/ArgMax", [attr.int("axis", 1), attr.int("keepdims", 1)]), node("Cast", ["i"], ["l"], "/Cast", [attr.int("to", 7)]), node("Cast", ["l"], ["y"], "/Cast_1", [attr.int("to", 1)])], [], [1, 2], "y", [1, 1]);
    expect(parseOnnxModel(index).layers.map((l) => l.type)).to.deep.equal(["dense", "argmax"]);
  });

  it("derives a valid model name from any file name", () => {
    expect(modelNameFrom("1l_mlp")).to.equal("model-1l_mlp");
    expect(modelNameFrom("my model (v2)")).to.equal("my-model-v2");
    expect(modelNameFrom("mnist.v1")).to.equal("mnist.v1");
    expect(modelNameFrom("???")).to.equal("model");
  });
});
