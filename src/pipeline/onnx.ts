/**
 * ONNX -> float model. Reads graphs as PyTorch's and scikit-learn's exporters write them, opsets 9
 * to 18, batch dimension 1, as one chain over the data (the graph input); weights come from
 * initializers or Constant nodes. Here: Gemm, MatMul, Relu, LeakyRelu, Flatten, Reshape,
 * Identity, Dropout, Constant, the function tables (Sigmoid, Tanh, Exp, Erf, HardSwish), Softmax
 * (dropped, exactly, when an ArgMax reads it, as softmax is monotonic) and ArgMax (last). The exporters' plumbing and the affine operators (constant
 * folding, Add/Sub/Mul/Div with constants, BatchNormalization, Clip, Gather, Slice, Concat...) are
 * in onnx-plumbing.ts. Anything else gets an UnsupportedOperatorError naming the operator and node.
 */
import onnxProto from "onnx-proto";
import { ModelBoundsError, ModelFormatError, ShapeError, UnsupportedOperatorError } from "../errors.js";
import type { FunctionName } from "../engine/piecewise.js";
import { pruneTo, SAFE_NAME, shiftInputs, validateModel, type FloatLayer, type FloatModel } from "./model.js";
import { charge, size, withCreationBudget, type Const } from "./onnx-const.js";
import { combine as combineActs, plumbing, type GraphContext } from "./onnx-plumbing.js";
import { findFusions } from "./onnx-fuse.js";

const { onnx } = onnxProto;
type Node = onnxProto.onnx.INodeProto;
type Tensor = onnxProto.onnx.ITensorProto;

/** Operators handled by onnx-plumbing.ts (constants folded, affine maps composed, Clip exact). */
const PLUMBING = new Set(["Cast", "Squeeze", "Unsqueeze", "Transpose", "Shape", "ConstantOfShape", "Expand", "Tile", "Add", "Sub", "Mul", "Div", "Sum", "Mean", "Neg", "BatchNormalization", "Clip", "HardSigmoid", "ReduceSum", "ReduceMean", "Gather", "Slice", "Concat", "Pad", "PRelu", "Scaler", "LinearRegressor", "LinearClassifier", "ArrayFeatureExtractor"]);

/** ONNX operators that are one of the engine's function tables. */
const ONNX_FUNCTIONS: Record<string, FunctionName> = { Sigmoid: "sigmoid", Tanh: "tanh", Exp: "exp", Erf: "erf", HardSwish: "hardswish", Softplus: "softplus", Elu: "elu", Mish: "mish" };

export const MIN_OPSET = 9;
export const MAX_OPSET = 18;

export interface Act {
  kind: "act";
  /** Shape with the batch dimension (1) first when the graph has one. */
  dims: number[];
  /** Index in `layers` of the dense layer that produced the activation with nothing after it, if any. */
  openDense?: number;
  /** Set when the activation is a Softmax (its name) not yet made a layer: an ArgMax drops it, anything else keeps it. */
  softmaxOf?: string;
  /** Its index among the model's values (0: the input; k: the output of layer k - 1). */
  depth?: number;
  /** Set when every value is an integer (a class index): a Cast to an integer type is exact. */
  integer?: boolean;
}
export type Value = Const | Act;

export function toNumber(x: number | Long | null | undefined): number {
  if (x === null || x === undefined) return 0;
  return typeof x === "number" ? x : (x as Long).toNumber();
}
type Long = { toNumber(): number };
export type { Node };

export function tensorData(t: Tensor, where: string): Const {
  const dims = (t.dims ?? []).map(toNumber);
  const n = size(dims);
  const type = t.dataType ?? 0;
  let data: number[];
  const raw = t.rawData && t.rawData.length > 0 ? Buffer.from(t.rawData) : undefined;
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new ModelFormatError(`${where}: tensor ${t.name} is stored in an external file; export with the weights inside the model`);
  }
  switch (type) {
    case onnx.TensorProto.DataType.FLOAT:
      data = raw ? Array.from({ length: raw.length / 4 }, (_, i) => raw.readFloatLE(i * 4)) : [...(t.floatData ?? [])];
      break;
    case onnx.TensorProto.DataType.DOUBLE:
      data = raw ? Array.from({ length: raw.length / 8 }, (_, i) => raw.readDoubleLE(i * 8)) : [...(t.doubleData ?? [])];
      break;
    case onnx.TensorProto.DataType.INT64:
      data = raw ? Array.from({ length: raw.length / 8 }, (_, i) => Number(raw.readBigInt64LE(i * 8))) : (t.int64Data ?? []).map(toNumber);
      break;
    case onnx.TensorProto.DataType.INT32:
      data = raw ? Array.from({ length: raw.length / 4 }, (_, i) => raw.readInt32LE(i * 4)) : [...(t.int32Data ?? [])];
      break;
    default:
      throw new ModelFormatError(`${where}: tensor ${t.name ?? ""} has data type ${onnx.TensorProto.DataType[type] ?? type}; supported: FLOAT, DOUBLE, INT64, INT32`);
  }
  if (data.length !== n) throw new ShapeError(`${where}: tensor ${t.name ?? ""} has ${data.length} values for shape [${dims.join(", ")}]`);
  return { kind: "const", dims, data };
}

export function attr(node: Node, name: string): onnxProto.onnx.IAttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}
export function intAttr(node: Node, name: string, fallback: number): number {
  const a = attr(node, name);
  return a ? toNumber(a.i) : fallback;
}
export function floatAttr(node: Node, name: string, fallback: number): number {
  const a = attr(node, name);
  return a ? (a.f ?? fallback) : fallback;
}

/**
 * Parses an ONNX model. `inputRange` defaults to [-1, 1]; `name` to the graph's name. Every tensor
 * it makes or reads is bounded (onnx-const.ts: MAX_TENSOR_ELEMENTS, MAX_CREATED_NUMBERS) before
 * anything is allocated; a file past them gets a ModelBoundsError naming the node.
 */
export function parseOnnxModel(bytes: Uint8Array, options: { name?: string; inputRange?: [number, number] } = {}): FloatModel {
  return withCreationBudget(() => readOnnx(bytes, options));
}

/** Runs `read` for node `where`, naming the node in a bounds error that does not yet. */
function inNode<T>(where: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ModelBoundsError && !error.shortMessage.startsWith("node ")) throw new ModelBoundsError(`${where}: ${error.shortMessage}`, { cause: error });
    // A node the readers did not expect (missing inputs or attributes): named, never a bare TypeError.
    if (error instanceof TypeError || error instanceof RangeError) throw new ModelFormatError(`${where}: malformed node (${error.message})`, { cause: error });
    throw error;
  }
}

function readOnnx(bytes: Uint8Array, options: { name?: string; inputRange?: [number, number] }): FloatModel {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new ModelFormatError(`not an ONNX model: ${(error as Error).message}`, { cause: error });
  }
  const graph = model.graph;
  if (!graph) throw new ModelFormatError("the ONNX model has no graph");
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === "ai.onnx");
  const version = opset ? toNumber(opset.version) : 0;
  if (version < MIN_OPSET || version > MAX_OPSET) {
    throw new ModelFormatError(`ONNX opset ${version} is not supported (opsets ${MIN_OPSET} to ${MAX_OPSET})`);
  }

  const values = new Map<string, Value>();
  for (const init of graph.initializer ?? []) values.set(init.name ?? "", tensorData(init, `initializer ${init.name}`));
  const inputs = (graph.input ?? []).filter((i) => !values.has(i.name ?? ""));
  if (inputs.length !== 1) {
    throw new ModelFormatError(`the graph must have exactly one data input, it has ${inputs.length} (${inputs.map((i) => i.name).join(", ")})`);
  }
  const input = inputs[0];
  const shape = input.type?.tensorType?.shape?.dim?.map((d) => (d.dimValue !== null && d.dimValue !== undefined && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : 1));
  if (!shape || shape.length === 0) throw new ShapeError(`graph input ${input.name} has no shape`);
  if (shape.length > 1 && shape[0] !== 1) throw new ShapeError(`graph input ${input.name} has batch dimension ${shape[0]}; only 1 is supported`);
  const inputSize = size(shape);
  values.set(input.name ?? "", { kind: "act", dims: shape });

  const layers: FloatLayer[] = [];
  const nodes = graph.node ?? [];
  // A node's name is the exporter's free text. Only names in SAFE_NAME (with room for the suffixes
  // the readers add) are kept; any other gives way to the positional name (op_index), so that
  // what a file names its nodes can never matter beyond an error message.
  for (const node of nodes) if (node.name && !(node.name.length <= 100 && SAFE_NAME.test(node.name))) node.name = "";
  /** Adds a layer that reads `from` (named as its input unless it is the latest value). */
  const push = (layer: FloatLayer, from?: Act) => {
    const at = from?.depth ?? 0;
    if (from && at !== layers.length && !("inputs" in layer)) (layer as { input?: number }).input = at;
    layers.push(layer);
  };
  const get = (name: string | null | undefined, where: string): Value => {
    const v = values.get(name ?? "");
    if (!v) throw new ModelFormatError(`${where}: input ${name} is not produced by any earlier node (graphs must be sorted)`);
    return v;
  };
  const vectorLength = (act: Act) => act.dims[act.dims.length - 1];
  /** A held-back Softmax becomes a layer once anything but an ArgMax reads it. */
  const keepSoftmax = (act: Act) => {
    if (act.softmaxOf) {
      push({ type: "softmax", name: act.softmaxOf }, act);
      act.softmaxOf = undefined;
      act.depth = layers.length;
    }
  };

  // How many nodes (and graph outputs) read each value: a linear step is composed into the dense
  // layer before it only when nothing else reads that layer's output.
  // Only the nodes the first output depends on are read: several outputs (scikit-learn writes the
  // label, then the probabilities through a ZipMap) give the first, and the others' operators
  // need no support.
  const outputs = graph.output ?? [];
  if (outputs.length === 0) throw new ModelFormatError("the graph has no output");
  const wanted = new Set([outputs[0].name ?? ""]);
  const needed = new Set<number>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    if ((nodes[i].output ?? []).some((o) => wanted.has(o ?? ""))) {
      needed.add(i);
      for (const x of nodes[i].input ?? []) if (x) wanted.add(x);
    }
  }
  const readers = new Map<string, number>();
  for (const n of [...nodes.flatMap((nd, i) => (needed.has(i) ? (nd.input ?? []) : [])), outputs[0].name ?? ""]) readers.set(n ?? "", (readers.get(n ?? "") ?? 0) + 1);
  const ctx: GraphContext = { layers, opset: version, get, push, uses: (name) => readers.get(name) ?? 0 };
  const fusion = findFusions(graph, ctx.uses);

  nodes.forEach((node, index) => {
    const op = node.opType ?? "";
    const where = `node ${node.name || `#${index}`} (${op})`;
    inNode(where, () => readNode(node, index, op, where));
  });
  function readNode(node: Node, index: number, op: string, where: string): void {
    const ins = node.input ?? [];
    const out = node.output?.[0] ?? "";
    if (!needed.has(index) || fusion.skip.has(index)) return;
    const fused = fusion.at.get(index);
    if (fused) {
      const v = get(fused.source, where);
      if (v.kind !== "act") throw new UnsupportedOperatorError(op, where, "applied to a constant");
      keepSoftmax(v);
      push({ type: "fn", name: node.name || `${fused.fn}_${index}`, fn: fused.fn }, v);
      values.set(out, { kind: "act", dims: v.dims, depth: layers.length });
      return;
    }
    const acts = ins.filter((n) => n && values.get(n)?.kind === "act");
    const before = layers.length;
    // The value index of an activation: a new layer's output, a composed dense layer's, or the one it passes on.
    const set = (v: Value) =>
      values.set(out, v.kind === "act" ? { ...v, depth: layers.length !== before ? layers.length : v.openDense !== undefined ? v.openDense + 1 : (v.depth ?? 0) } : v);
    if (acts.length > 1) {
      for (const a of acts) keepSoftmax(get(a, where) as Act);
      set(combineActs(ctx, node, index, where));
      return;
    }
    if (PLUMBING.has(op)) {
      for (const a of acts) keepSoftmax(values.get(a ?? "") as Act);
      set(plumbing(ctx, node, index, where)!);
      return;
    }
    switch (op) {
      case "Constant": {
        const value = attr(node, "value");
        if (value?.t) set(tensorData(value.t, where));
        else if (attr(node, "value_float")) set({ kind: "const", dims: [], data: [floatAttr(node, "value_float", 0)] });
        else if (attr(node, "value_floats")) {
          const f = attr(node, "value_floats")!.floats ?? [];
          set({ kind: "const", dims: [f.length], data: [...f] });
        } else if (attr(node, "value_int")) set({ kind: "const", dims: [], data: [intAttr(node, "value_int", 0)] });
        else if (attr(node, "value_ints")) {
          const v = (attr(node, "value_ints")!.ints ?? []).map(toNumber);
          set({ kind: "const", dims: [v.length], data: v });
        } else throw new ModelFormatError(`${where}: Constant without a supported value attribute`);
        return;
      }
      case "Identity":
      case "Dropout": {
        set(get(ins[0], where));
        return;
      }
      case "Flatten": {
        const v = get(ins[0], where);
        const axis = intAttr(node, "axis", 1);
        const rank = v.dims.length;
        const a = axis < 0 ? axis + rank : axis;
        const dims = [size(v.dims.slice(0, a)), size(v.dims.slice(a))];
        if (v.kind === "const") set({ ...v, dims });
        else {
          if (dims[0] !== 1) throw new ShapeError(`${where}: Flatten with axis ${axis} keeps ${dims[0]} rows; only batch 1 is supported`);
          set({ ...v, dims, openDense: undefined });
        }
        return;
      }
      case "Reshape": {
        const v = get(ins[0], where);
        let target: number[];
        if (ins[1]) {
          const s = get(ins[1], where);
          if (s.kind !== "const") throw new UnsupportedOperatorError(op, where, "the shape must be a constant");
          target = s.data;
        } else {
          const a = attr(node, "shape"); // opset < 5
          if (!a) throw new ModelFormatError(`${where}: Reshape without a shape`);
          target = (a.ints ?? []).map(toNumber);
        }
        const dims = target.map((d, i) => (d === 0 ? (v.dims[i] ?? 1) : d));
        const known = size(dims.filter((d) => d !== -1));
        const total = size(v.dims);
        const resolved = dims.map((d) => (d === -1 ? total / known : d));
        if (size(resolved) !== total || !resolved.every(Number.isInteger)) {
          throw new ShapeError(`${where}: cannot reshape [${v.dims.join(", ")}] to [${target.join(", ")}]`);
        }
        if (v.kind === "act" && resolved.length > 1 && resolved[0] !== 1 && size(resolved.slice(1)) !== 1) {
          throw new ShapeError(`${where}: reshape to [${resolved.join(", ")}] leaves a batch dimension other than 1`);
        }
        set(v.kind === "const" ? { ...v, dims: resolved } : { ...v, dims: resolved, openDense: undefined });
        return;
      }
      case "Gemm":
      case "MatMul": {
        const a = get(ins[0], where);
        const b = get(ins[1], where);
        const transA = op === "Gemm" ? intAttr(node, "transA", 0) : 0;
        const transB = op === "Gemm" ? intAttr(node, "transB", 0) : 0;
        const alpha = op === "Gemm" ? floatAttr(node, "alpha", 1) : 1;
        const beta = op === "Gemm" ? floatAttr(node, "beta", 1) : 1;
        /** Pushes the dense layer with Gemm's bias C (times beta), and sets its output. */
        const dense = (weights: number[][], dims: number[]) => {
          let bias: number[] = Array(weights.length).fill(0);
          if (op === "Gemm" && ins[2]) {
            const c = get(ins[2], where);
            if (c.kind !== "const") throw new UnsupportedOperatorError(op, where, "the bias C must be a constant");
            bias = broadcastRow(c, weights.length, where).map((x) => beta * x);
          }
          push({ type: "dense", name: node.name || `${op.toLowerCase()}_${index}`, weights, bias }, (a.kind === "act" ? a : b) as Act);
          set({ kind: "act", dims, openDense: layers.length - 1 });
        };
        if (a.kind === "const" && b.kind === "act") {
          // Constant weights on the left of a column of data: Y = alpha * A' B' (+ beta * C).
          keepSoftmax(b);
          const n = size(b.dims);
          const column = transB ? b.dims[b.dims.length - 1] === n : b.dims.length === 1 || b.dims[b.dims.length - 2] === n;
          if (!column) throw new UnsupportedOperatorError(op, where, `constant x data needs the data as one column, it is [${b.dims.join(", ")}]`);
          if (a.dims.length !== 2) throw new ShapeError(`${where}: weights of shape [${a.dims.join(", ")}] are not a matrix`);
          const [rows, cols] = a.dims;
          const [m, k] = transA ? [cols, rows] : [rows, cols];
          if (k !== n) throw new ShapeError(`${where}: weights take ${k} values, the data has ${n}`);
          dense(Array.from({ length: m }, (_, j) => Array.from({ length: n }, (_, i) => alpha * (transA ? a.data[i * cols + j] : a.data[j * cols + i]))), b.dims.length === 1 ? [m] : [m, 1]);
          return;
        }
        if (a.kind !== "act" || b.kind !== "const") {
          throw new UnsupportedOperatorError(op, where, "it multiplies two computed tensors; one side must be constant weights");
        }
        keepSoftmax(a);
        const aDims = transA ? [...a.dims].reverse() : a.dims;
        const k = aDims[aDims.length - 1];
        if (size(aDims) !== k) throw new ShapeError(`${where}: input of shape [${a.dims.join(", ")}] is not a single row`);
        if (b.dims.length !== 2) throw new ShapeError(`${where}: weights of shape [${b.dims.join(", ")}] are not a matrix`);
        const [rows, cols] = b.dims;
        const [bk, n] = transB ? [cols, rows] : [rows, cols];
        if (bk !== k) throw new ShapeError(`${where}: input has ${k} features, weights expect ${bk}`);
        // weights[out][in]: W[j][i] = alpha * B'[i][j]
        dense(Array.from({ length: n }, (_, j) => Array.from({ length: k }, (_, i) => alpha * (transB ? b.data[j * cols + i] : b.data[i * cols + j]))), [1, n]);
        return;
      }
      case "Relu":
      case "LeakyRelu": {
        const v = get(ins[0], where);
        if (v.kind !== "act") throw new UnsupportedOperatorError(op, where, "applied to a constant");
        keepSoftmax(v);
        push(
          op === "Relu"
            ? { type: "relu", name: node.name || `relu_${index}` }
            : { type: "leaky_relu", name: node.name || `leaky_relu_${index}`, alpha: floatAttr(node, "alpha", 0.01) },
          v,
        );
        set({ kind: "act", dims: v.dims });
        return;
      }
      case "Softmax": {
        const v = get(ins[0], where);
        if (v.kind !== "act") throw new UnsupportedOperatorError(op, where, "applied to a constant");
        const axis = intAttr(node, "axis", version < 13 ? 1 : -1);
        const a = axis < 0 ? axis + v.dims.length : axis;
        // Before opset 13 the input is flattened from the axis on; from 13 on only that axis counts.
        const span = version < 13 ? size(v.dims.slice(a)) : v.dims[a];
        if (span !== size(v.dims)) throw new UnsupportedOperatorError(op, where, `axis ${axis} of a [${v.dims.join(", ")}] tensor is not the feature axis`);
        keepSoftmax(v);
        // Held back: an ArgMax after it drops it (softmax is monotonic: exact), anything else keeps it.
        set({ ...v, openDense: undefined, softmaxOf: node.name || `softmax_${index}` });
        return;
      }
      case "ArgMax": {
        const v = get(ins[0], where);
        if (v.kind !== "act") throw new UnsupportedOperatorError(op, where, "applied to a constant");
        const axis = intAttr(node, "axis", 0);
        const rank = v.dims.length;
        if ((axis < 0 ? axis + rank : axis) !== rank - 1 && size(v.dims) !== v.dims[(axis + rank) % rank]) {
          throw new UnsupportedOperatorError(op, where, `axis ${axis} is not the feature axis`);
        }
        if (intAttr(node, "select_last_index", 0) !== 0) {
          throw new UnsupportedOperatorError(op, where, "select_last_index = 1; the circuit returns the first maximum");
        }
        push({ type: "argmax", name: node.name || `argmax_${index}` }, v);
        set({ kind: "act", dims: [1, 1], integer: true });
        return;
      }
      case "Sigmoid":
      case "Tanh":
      case "Exp":
      case "Erf":
      case "HardSwish":
      case "Softplus":
      case "Elu":
      case "Mish": {
        if (op === "Elu" && floatAttr(node, "alpha", 1) !== 1) {
          throw new UnsupportedOperatorError(op, where, `alpha ${floatAttr(node, "alpha", 1)}; the ELU table is for alpha 1`);
        }
        const v = get(ins[0], where);
        if (v.kind !== "act") throw new UnsupportedOperatorError(op, where, "applied to a constant");
        keepSoftmax(v);
        push({ type: "fn", name: node.name || `${op.toLowerCase()}_${index}`, fn: ONNX_FUNCTIONS[op] }, v);
        set({ kind: "act", dims: v.dims });
        return;
      }
      case "Normalizer":
        throw new UnsupportedOperatorError(op, where, `it divides the data by its ${(attr(node, "norm")?.s ? Buffer.from(attr(node, "norm")!.s!).toString() : "MAX")} norm, which has no exact fixed-point form here; normalize the features before the request`);
      default:
        throw new UnsupportedOperatorError(op, where, `supported: Gemm, MatMul, Relu, LeakyRelu, Sigmoid, Tanh, Exp, Erf, HardSwish, Softplus, Elu, Mish, Softmax, Flatten, Reshape, Identity, Dropout, Constant, ArgMax, ${[...PLUMBING].join(", ")}`);
    }
  }

  // Several outputs (scikit-learn writes the label, then the probabilities): the first is the
  // model's output, and only the layers that compute it are kept.
  const result = values.get(outputs[0].name ?? "");
  if (!result || result.kind !== "act") throw new ModelFormatError(`graph output ${outputs[0].name} is not computed from the input`);
  // Only the layers the output depends on (another output's branch is dropped).
  let kept = pruneTo(layers, result.depth ?? 0);
  if (result.softmaxOf) kept.push({ type: "softmax", name: result.softmaxOf });
  // A graph with no dense layer (a lone activation, an identity graph): an identity dense layer
  // first gives the circuit its input rescale, exactly.
  if (!kept.some((l) => l.type === "dense")) {
    charge(inputSize * inputSize, "an identity dense layer first");
    const identity: FloatLayer = { type: "dense", name: "identity", weights: Array.from({ length: inputSize }, (_, j) => Array.from({ length: inputSize }, (_, i) => (i === j ? 1 : 0))), bias: Array(inputSize).fill(0) };
    kept = [identity, ...shiftInputs(kept, 1)];
  }
  const floatModel: FloatModel = {
    name: options.name ?? (graph.name || "model"),
    // ONNX's model_version is one integer: release "<model_version>.0" (when it fits a release's major).
    version: model.modelVersion && toNumber(model.modelVersion) <= 0xffff ? `${toNumber(model.modelVersion)}.0` : "1.0",
    inputSize,
    inputRange: options.inputRange ?? [-1, 1],
    layers: kept,
    ...(ctx.labels && kept.at(-1)?.type === "argmax" ? { labels: ctx.labels } : {}),
  };
  validateModel(floatModel);
  return floatModel;
}

function broadcastRow(c: Const, n: number, where: string): number[] {
  if (c.data.length === 1) return Array(n).fill(c.data[0]);
  if (c.data.length === n && size(c.dims) === n) return c.data;
  throw new ShapeError(`${where}: a constant of shape [${c.dims.join(", ")}] does not broadcast to ${n} values`);
}
