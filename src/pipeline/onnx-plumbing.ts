/**
 * The exporters' plumbing and the affine operators, exactly, without new circuit templates:
 * - on constants, evaluated at build time (Shape, Gather, Concat, Unsqueeze, Cast, arithmetic...);
 * - on the data, as a linear map `y = M x + c` composed into the dense layer before it when that
 *   layer's output has no other reader, else as a dense layer of its own: Sub, Mul, Div, Neg, Add,
 *   Sum, Mean with constants, BatchNormalization, ReduceSum, ReduceMean, Gather, Slice, Concat and
 *   Pad with constants, Squeeze, Unsqueeze, Transpose of a vector, Cast between float types;
 * - Clip and HardSigmoid as `lo + relu(x - lo) - relu(x - hi)`: two dense layers around a ReLU, exact.
 * Two computed tensors combined (a residual Add, a Concat of branches) need a graph, not a chain,
 * and get an UnsupportedOperatorError naming the node.
 */
import { ModelFormatError, ShapeError, UnsupportedOperatorError } from "../errors.js";
import type { FloatLayer } from "./model.js";
import { broadcastDims, charge, concat, expandTo, filled, foldBinary, gather, size, sliceIndices, type Const } from "./onnx-const.js";
import { attr, floatAttr, intAttr, tensorData, toNumber, type Act, type Node, type Value } from "./onnx.js";

export interface GraphContext {
  layers: FloatLayer[];
  opset: number;
  get(name: string | null | undefined, where: string): Value;
  /** Adds a layer reading `from` (named as its input unless it is the latest value). */
  push(layer: FloatLayer, from?: Act): void;
  /** How many nodes (and graph outputs) read a value. */
  uses(name: string): number;
  /** Class labels a classifier operator names (scikit-learn's LinearClassifier). */
  labels?: string[];
}

type Dense = Extract<FloatLayer, { type: "dense" }>;
/** The name of a value made inside this node for this node alone (always composable). */
const FRESH = "\u0000fresh";
const FLOAT_TYPES = new Set([1, 10, 11, 16]); // FLOAT, FLOAT16, DOUBLE, BFLOAT16

const identityRows = (n: number) => {
  charge(n * n, `an identity of ${n} values`);
  return Array.from({ length: n }, (_, j) => Array.from({ length: n }, (_, i) => (i === j ? 1 : 0)));
};

/** The normalized axis of an activation along which all its values lie (every other dimension 1), or undefined. */
function featureAxis(act: Act, axis: number): number | undefined {
  const a = axis < 0 ? axis + act.dims.length : axis;
  return act.dims[a] !== undefined && size(act.dims) === act.dims[a] ? a : undefined;
}

/** Constant values broadcast to a feature vector of length n (a scalar, [n], [1, n], ...). */
function row(c: Const, n: number, where: string): number[] {
  if (c.data.length === 1) return Array(n).fill(c.data[0]);
  if (c.data.length === n) return c.data;
  throw new ShapeError(`${where}: a constant of shape [${c.dims.join(", ")}] does not broadcast to the ${n} values of the data`);
}

/** An input that must be constant (axes, indices, shapes...). */
function constant(v: Value, op: string, where: string, what: string): Const {
  if (v.kind !== "const") throw new UnsupportedOperatorError(op, where, `${what} must be a constant`);
  return v;
}

/** Axes from an attribute (older opsets) or an input (newer). */
function axesOf(ctx: GraphContext, node: Node, inputIndex: number, where: string): number[] | undefined {
  const a = attr(node, "axes");
  if (a) return (a.ints ?? []).map(toNumber);
  const name = node.input?.[inputIndex];
  return name ? constant(ctx.get(name, where), node.opType ?? "", where, "axes").data : undefined;
}

/**
 * Handles `node` if it is plumbing or affine; returns the value it produces, or undefined when the
 * node is not one of these operators.
 */
export function plumbing(ctx: GraphContext, node: Node, index: number, where: string): Value | undefined {
  const op = node.opType ?? "";
  const ins = (node.input ?? []).map((n) => n ?? "");
  const name = node.name || `${op.toLowerCase()}_${index}`;
  const get = (i: number) => ctx.get(ins[i], where);

  /** y = M x + c on activation `x` (named `xName`): composed into its dense layer when only this node reads it. */
  const linear = (x: Act, xName: string, m: number[][], c: number[], dims: number[]): Act => {
    const open = x.openDense !== undefined && (xName === FRESH || ctx.uses(xName) === 1) ? (ctx.layers[x.openDense] as Dense) : undefined;
    if (open) {
      charge(m.length * open.weights[0].length, `${where}: a composed dense layer`);
      open.weights = m.map((mr) => open.weights[0].map((_, i) => mr.reduce((acc, mji, k) => acc + mji * open.weights[k][i], 0)));
      open.bias = m.map((mr, j) => mr.reduce((acc, mji, k) => acc + mji * open.bias[k], c[j]));
      return { kind: "act", dims, openDense: x.openDense };
    }
    ctx.push({ type: "dense", name, weights: m, bias: c }, x);
    return { kind: "act", dims, openDense: ctx.layers.length - 1 };
  };
  const affine = (x: Act, xName: string, scale: number[], shift: number[]): Act => {
    charge(scale.length * scale.length, `${where}: a diagonal of ${scale.length} values`);
    return linear(x, xName, scale.map((a, j) => scale.map((_, i) => (i === j ? a : 0))), shift, x.dims);
  };
  const actOf = (): [Act, string] => {
    const i = ins.findIndex((n) => n && ctx.get(n, where).kind === "act");
    return [ctx.get(ins[i], where) as Act, ins[i]];
  };
  /** lo + relu(x - lo) - relu(x - hi) (either bound may be absent): exact. */
  const clip = (x: Act, xName: string, lo: number | undefined, hi: number | undefined): Act => {
    const n = size(x.dims);
    if (lo === undefined && hi === undefined) return x;
    const bounds = [lo, hi].filter((b): b is number => b !== undefined); // one relu term per bound
    // First map: for each term, x - bound (lo) or bound - x (hi only, then y = hi - relu(hi - x)).
    const onlyHi = lo === undefined;
    const m1 = bounds.flatMap(() => identityRows(n)).map((r) => (onlyHi ? r.map((v) => -v) : r));
    const c1 = bounds.flatMap((b) => Array(n).fill(onlyHi ? b : -b));
    linear(x, xName, m1, c1, [1, n * bounds.length]);
    ctx.layers.push({ type: "relu", name: `${name}_relu` });
    const m2 = identityRows(n).map((r) => (onlyHi ? r.map((v) => -v) : bounds.length === 2 ? [...r, ...r.map((v) => -v)] : r));
    const c2 = Array(n).fill(onlyHi ? hi! : lo!);
    ctx.layers.push({ type: "dense", name: `${name}_out`, weights: m2, bias: c2 });
    return { kind: "act", dims: x.dims, openDense: ctx.layers.length - 1 };
  };

  switch (op) {
    case "Cast": {
      const v = get(0);
      const to = intAttr(node, "to", 1);
      // Integer values (a class index) cast exactly; any other data would be truncated.
      if (v.kind === "act" && !FLOAT_TYPES.has(to) && !v.integer) {
        throw new UnsupportedOperatorError(op, where, "a cast of non-integer data to an integer type; the circuit computes in fixed point (a class index from an ArgMax may be cast)");
      }
      return v.kind === "const" && !FLOAT_TYPES.has(to) ? { ...v, data: v.data.map(Math.trunc) } : v;
    }
    case "Squeeze":
    case "Unsqueeze": {
      const v = get(0);
      const axes = axesOf(ctx, node, 1, where) ?? [];
      let dims: number[];
      if (op === "Squeeze") {
        const drop = new Set(axes.map((a) => (a < 0 ? a + v.dims.length : a)));
        dims = v.dims.filter((d, i) => (axes.length ? !drop.has(i) : d !== 1));
      } else {
        const rank = v.dims.length + axes.length;
        const add = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
        const rest = [...v.dims];
        dims = Array.from({ length: rank }, (_, i) => (add.has(i) ? 1 : rest.shift()!));
      }
      return { ...v, dims };
    }
    case "Transpose": {
      const v = get(0);
      const perm = (attr(node, "perm")?.ints ?? []).map(toNumber);
      const p = perm.length ? perm : v.dims.map((_, i) => v.dims.length - 1 - i);
      if (v.dims.filter((d) => d !== 1).length > 1) throw new UnsupportedOperatorError(op, where, "a transpose of a matrix; only vectors (one dimension above 1) are supported");
      return { ...v, dims: p.map((i) => v.dims[i]) };
    }
    case "Shape": {
      const v = get(0);
      const start = intAttr(node, "start", 0);
      const end = attr(node, "end") ? intAttr(node, "end", v.dims.length) : v.dims.length;
      const picked = sliceIndices(v.dims.length, start, end, 1).map((i) => v.dims[i]);
      return { kind: "const", dims: [picked.length], data: picked };
    }
    case "ConstantOfShape": {
      const shape = constant(get(0), op, where, "the shape");
      const t = attr(node, "value")?.t;
      const fill = t ? tensorData(t, where).data[0] : 0;
      return { kind: "const", dims: shape.data, data: filled(size(shape.data), fill, `${where}: a constant of shape [${shape.data.join(", ")}]`) };
    }
    case "Expand": {
      const v = get(0);
      const shape = constant(get(1), op, where, "the shape");
      if (v.kind === "const") return expandTo(v, shape.data, where);
      const dims = broadcastDims(v.dims, shape.data, where);
      if (size(dims) !== size(v.dims)) throw new UnsupportedOperatorError(op, where, "it repeats the data; only constants may be expanded");
      return { ...v, dims };
    }
    case "Tile": {
      const v = constant(get(0), op, where, "the tiled tensor (the data cannot be tiled)");
      const repeats = constant(get(1), op, where, "repeats").data;
      if (repeats.length !== v.dims.length) throw new ShapeError(`${where}: Tile of a rank-${v.dims.length} tensor with ${repeats.length} repeats`);
      size(v.dims.map((d, i) => d * repeats[i])); // the result's shape, bounded before any copy
      let out = v;
      repeats.forEach((r, axis) => (out = concat(Array(r).fill(out), axis, where)));
      return out;
    }
    case "Add":
    case "Sub":
    case "Mul":
    case "Div":
    case "Sum":
    case "Mean": {
      const values = ins.map((_, i) => get(i));
      if (op === "Sum" || op === "Mean" ? values.length < 1 : values.length !== 2) throw new ModelFormatError(`${where}: ${op} of ${values.length} inputs`);
      if (values.every((v) => v.kind === "const")) {
        if (op === "Sum" || op === "Mean") {
          const total = (values as Const[]).reduce((a, b) => foldBinary("Add", a, b, where)!);
          return op === "Sum" ? total : { ...total, data: total.data.map((x) => x / values.length) };
        }
        return foldBinary(op, values[0] as Const, values[1] as Const, where);
      }
      const [x, xName] = actOf();
      const n = size(x.dims);
      const consts = values.filter((v): v is Const => v.kind === "const").map((c) => row(c, n, where));
      const one = Array(n).fill(1);
      if (op === "Add" || op === "Sum") return affine(x, xName, one, consts.reduce((a, c) => a.map((v, i) => v + c[i]), Array(n).fill(0)));
      if (op === "Mean") return affine(x, xName, one.map(() => 1 / values.length), consts.reduce((a, c) => a.map((v, i) => v + c[i] / values.length), Array(n).fill(0)));
      if (values.length !== 2 || consts.length !== 1) throw new ModelFormatError(`${where}: ${op} of ${values.length} inputs; it takes the data and one constant`);
      const c = consts[0];
      const actFirst = values[0].kind === "act";
      if (op === "Sub") return actFirst ? affine(x, xName, one, c.map((v) => -v)) : affine(x, xName, one.map(() => -1), c);
      if (op === "Mul") return affine(x, xName, c, Array(n).fill(0));
      if (!actFirst) throw new UnsupportedOperatorError(op, where, "a constant divided by the data (1/x) has no exact fixed-point form");
      return affine(x, xName, c.map((v) => 1 / v), Array(n).fill(0));
    }
    case "Neg": {
      const v = get(0);
      if (v.kind === "const") return { ...v, data: v.data.map((x) => -x) };
      return affine(v, ins[0], Array(size(v.dims)).fill(-1), Array(size(v.dims)).fill(0));
    }
    case "BatchNormalization": {
      const x = get(0);
      if (x.kind !== "act") throw new UnsupportedOperatorError(op, where, "applied to a constant");
      const channels = x.dims.length >= 2 ? x.dims[1] : x.dims[0];
      if (size(x.dims) !== channels) throw new UnsupportedOperatorError(op, where, `normalizes ${channels} channels of a [${x.dims.join(", ")}] tensor; only feature vectors are supported`);
      const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => row(constant(get(i), op, where, "its parameters"), channels, where));
      const eps = floatAttr(node, "epsilon", 1e-5);
      const scale = gamma.map((g, j) => g / Math.sqrt(variance[j] + eps));
      return affine(x, ins[0], scale, beta.map((b, j) => b - mean[j] * scale[j]));
    }
    case "Clip":
    case "HardSigmoid": {
      const x0 = get(0);
      if (x0.kind !== "act") throw new UnsupportedOperatorError(op, where, "applied to a constant");
      if (op === "HardSigmoid") {
        const n = size(x0.dims);
        const scaled = affine(x0, ins[0], Array(n).fill(floatAttr(node, "alpha", 0.2)), Array(n).fill(floatAttr(node, "beta", 0.5)));
        return clip(scaled, FRESH, 0, 1);
      }
      const bound = (i: number, a: string) => {
        if (ctx.opset < 11) return attr(node, a) ? floatAttr(node, a, 0) : undefined;
        return ins[i] ? constant(get(i), op, where, `its ${a}`).data[0] : undefined;
      };
      return clip(x0, ins[0], bound(1, "min"), bound(2, "max"));
    }
    case "ReduceSum":
    case "ReduceMean": {
      const x = get(0);
      if (x.kind !== "act") throw new UnsupportedOperatorError(op, where, "applied to a constant");
      const axes = axesOf(ctx, node, 1, where);
      const n = size(x.dims);
      const all = !axes || axes.length === 0 || axes.every((a) => featureAxis(x, a) !== undefined || x.dims[a < 0 ? a + x.dims.length : a] === 1);
      if (!all) throw new UnsupportedOperatorError(op, where, `reduces axes [${axes!.join(", ")}] of [${x.dims.join(", ")}]; only the feature axis is supported`);
      const w = op === "ReduceSum" ? 1 : 1 / n;
      return linear(x, ins[0], [Array(n).fill(w)], [0], intAttr(node, "keepdims", 1) ? x.dims.map(() => 1) : [1]);
    }
    case "Gather":
    case "Slice": {
      const v = get(0);
      const axis0 = op === "Gather" ? intAttr(node, "axis", 0) : 0;
      // Slice: per-axis index lists; Gather: one axis with constant indices.
      const plans: [number, number[], number[]?][] = [];
      if (op === "Gather") {
        const idx = constant(get(1), op, where, "the indices");
        const a = axis0 < 0 ? axis0 + v.dims.length : axis0;
        plans.push([a, idx.data.map((i) => (i < 0 ? i + v.dims[a] : i)), idx.dims]);
      } else {
        const read = (i: number, a: string) => (ctx.opset < 10 ? (attr(node, a)?.ints ?? []).map(toNumber) : ins[i] ? constant(get(i), op, where, a).data : undefined);
        const starts = read(1, "starts")!;
        const ends = read(2, "ends")!;
        const axes = read(3, "axes") ?? starts.map((_, i) => i);
        const steps = read(4, "steps") ?? starts.map(() => 1);
        axes.forEach((ax, k) => {
          const a = ax < 0 ? ax + v.dims.length : ax;
          plans.push([a, sliceIndices(v.dims[a], starts[k], ends[k], steps[k])]);
        });
      }
      if (v.kind === "const") {
        let out: Const = v;
        for (const [a, picks, idxDims] of plans) out = gather(out, { kind: "const", dims: idxDims ?? [picks.length], data: picks }, a, where);
        return out;
      }
      const moving = plans.filter(([a, picks]) => !(v.dims[a] === 1 && picks.length === 1 && picks[0] === 0));
      if (moving.length > 1 || (moving.length === 1 && featureAxis(v, moving[0][0]) === undefined)) {
        throw new UnsupportedOperatorError(op, where, `selects along several axes of [${v.dims.join(", ")}]; only the feature axis is supported`);
      }
      if (moving.length === 0) return v;
      const [a, picks, idxDims] = moving[0];
      const n = size(v.dims);
      const dims = idxDims ? [...v.dims.slice(0, a), ...idxDims, ...v.dims.slice(a + 1)] : v.dims.map((d, i) => (i === a ? picks.length : d));
      return linear(v, ins[0], picks.map((p) => Array.from({ length: n }, (_, i) => (i === p ? 1 : 0))), Array(picks.length).fill(0), dims);
    }
    case "ArrayFeatureExtractor": {
      // scikit-learn's indexing: X[..., indices] along the last axis.
      const [x, idx] = [get(0), get(1)];
      if (x.kind === "act" && idx.kind === "const") {
        const n = size(x.dims);
        if (featureAxis(x, -1) === undefined) throw new UnsupportedOperatorError(op, where, `selects from a [${x.dims.join(", ")}] tensor; only feature vectors are supported`);
        const picks = idx.data.map((i) => (i < 0 ? i + n : i));
        return linear(x, ins[0], picks.map((p) => Array.from({ length: n }, (_, i) => (i === p ? 1 : 0))), Array(picks.length).fill(0), [1, picks.length]);
      }
      if (x.kind === "const" && idx.kind === "act") {
        // A class index looked up in the class list 0..k-1 is the index itself (the circuit outputs the index).
        if (!idx.integer || size(idx.dims) !== 1 || !x.data.every((c, i) => c === i)) {
          throw new UnsupportedOperatorError(op, where, "looks data up in a constant list; only a class index in the classes 0..k-1 is supported");
        }
        return idx;
      }
      throw new UnsupportedOperatorError(op, where, "needs one constant side");
    }
    case "Concat":
    case "Pad": {
      const axis = intAttr(node, "axis", 0);
      let parts: Value[];
      if (op === "Concat") parts = ins.map((_, i) => get(i));
      else {
        const x = get(0);
        if ((attr(node, "mode")?.s ? Buffer.from(attr(node, "mode")!.s!).toString() : "constant") !== "constant") throw new UnsupportedOperatorError(op, where, "only constant padding is supported");
        const pads = ctx.opset < 11 ? (attr(node, "pads")?.ints ?? []).map(toNumber) : constant(get(1), op, where, "pads").data;
        const value = ctx.opset < 11 ? floatAttr(node, "value", 0) : ins[2] ? constant(get(2), op, where, "the pad value").data[0] : 0;
        const rank = x.dims.length;
        const moving = x.dims.map((_, i) => i).filter((i) => pads[i] || pads[i + rank]);
        if (moving.length === 0) return x;
        if (moving.length > 1 || (x.kind === "act" && featureAxis(x, moving[0]) === undefined)) throw new UnsupportedOperatorError(op, where, "pads several axes; only the feature axis is supported");
        const a = moving[0];
        const fill = (k: number): Const => {
          const dims = x.dims.map((d, i) => (i === a ? k : d));
          return { kind: "const", dims, data: filled(size(dims), value, `${where}: a pad of shape [${dims.join(", ")}]`) };
        };
        parts = [fill(pads[a]), x, fill(pads[a + rank])].filter((p) => size(p.dims) > 0);
        return concatValues(parts, a);
      }
      return concatValues(parts, axis);
    }
    case "PRelu": {
      const x = get(0);
      if (x.kind !== "act") throw new UnsupportedOperatorError(op, where, "applied to a constant");
      const n = size(x.dims);
      const slope = row(constant(get(1), op, where, "the slope"), n, where);
      // One slope in [0, 1): the LeakyReLU template. Otherwise, exactly: relu(x) - a * relu(-x).
      if (slope.every((a) => a === slope[0]) && slope[0] >= 0 && slope[0] < 1) {
        ctx.push({ type: "leaky_relu", name, alpha: slope[0] }, x);
        return { kind: "act", dims: x.dims };
      }
      linear(x, ins[0], [...identityRows(n), ...identityRows(n).map((r) => r.map((v) => -v))], Array(2 * n).fill(0), [1, 2 * n]);
      ctx.layers.push({ type: "relu", name: `${name}_relu` });
      ctx.layers.push({ type: "dense", name: `${name}_out`, weights: identityRows(n).map((r, j) => [...r, ...r.map((v) => -v * slope[j])]), bias: Array(n).fill(0) });
      return { kind: "act", dims: x.dims, openDense: ctx.layers.length - 1 };
    }
    case "Scaler": {
      // ai.onnx.ml: y = (x - offset) * scale, per feature or one for all.
      const x = get(0);
      if (x.kind !== "act") throw new UnsupportedOperatorError(op, where, "applied to a constant");
      const n = size(x.dims);
      const floats = (a: string, fallback: number) => {
        const v = attr(node, a)?.floats ?? [];
        return v.length === 0 ? Array(n).fill(fallback) : v.length === 1 ? Array(n).fill(v[0]) : [...v];
      };
      const [offset, scale] = [floats("offset", 0), floats("scale", 1)];
      if (offset.length !== n || scale.length !== n) throw new ShapeError(`${where}: Scaler has ${offset.length} offsets and ${scale.length} scales for ${n} features`);
      return affine(x, ins[0], scale, offset.map((o, j) => -o * scale[j]));
    }
    case "LinearRegressor": {
      // ai.onnx.ml: y = coefficients . x + intercepts, one row per target.
      const x = get(0);
      if (x.kind !== "act") throw new UnsupportedOperatorError(op, where, "applied to a constant");
      const post = attr(node, "post_transform")?.s ? Buffer.from(attr(node, "post_transform")!.s!).toString() : "NONE";
      if (post !== "NONE") throw new UnsupportedOperatorError(op, where, `post_transform ${post}; only NONE is supported`);
      const n = size(x.dims);
      const targets = intAttr(node, "targets", 1);
      const coefficients = [...(attr(node, "coefficients")?.floats ?? [])];
      const intercepts = [...(attr(node, "intercepts")?.floats ?? [])];
      if (coefficients.length !== targets * n) throw new ShapeError(`${where}: ${coefficients.length} coefficients for ${targets} targets of ${n} features`);
      const m = Array.from({ length: targets }, (_, t) => coefficients.slice(t * n, (t + 1) * n));
      return linear(x, ins[0], m, intercepts.length ? intercepts : Array(targets).fill(0), [1, targets]);
    }
    case "LinearClassifier": {
      // ai.onnx.ml: its first output is the label, the argmax of the class scores; every
      // post_transform (softmax, logistic, probit) is monotonic and leaves the label as it is.
      const x = get(0);
      if (x.kind !== "act") throw new UnsupportedOperatorError(op, where, "applied to a constant");
      const n = size(x.dims);
      const coefficients = [...(attr(node, "coefficients")?.floats ?? [])];
      const intercepts = [...(attr(node, "intercepts")?.floats ?? [])];
      const strings = (attr(node, "classlabels_strings")?.strings ?? []).map((b) => Buffer.from(b).toString());
      const ints = (attr(node, "classlabels_ints")?.ints ?? []).map(toNumber);
      const labels = strings.length ? strings : ints.map(String);
      const rows = coefficients.length / n;
      if (!Number.isInteger(rows) || rows < 1) throw new ShapeError(`${where}: ${coefficients.length} coefficients for ${n} features`);
      let m = Array.from({ length: rows }, (_, t) => coefficients.slice(t * n, (t + 1) * n));
      let c = intercepts.length ? intercepts : Array(rows).fill(0);
      if (rows === 1 && labels.length === 2) {
        // Binary: the label is the second class when the score is positive, as argmax over [-s, s].
        m = [m[0].map((w) => -w), m[0]];
        c = [-c[0], c[0]];
      } else if (labels.length && labels.length !== rows) {
        throw new ShapeError(`${where}: ${labels.length} class labels for ${rows} rows of coefficients`);
      }
      if (ints.length && ints.some((v, i) => v !== i)) throw new UnsupportedOperatorError(op, where, "integer class labels other than 0..k-1; the circuit outputs the class index");
      linear(x, ins[0], m, c, [1, m.length]);
      ctx.layers.push({ type: "argmax", name: `${name}_label` });
      if (labels.length) ctx.labels = labels;
      return { kind: "act", dims: [1, 1], integer: true };
    }
    default:
      return undefined;
  }

  function concatValues(parts: Value[], axis: number): Value {
    if (parts.length === 0) throw new ModelFormatError(`${where}: ${op} of no inputs`);
    if (parts.every((p) => p.kind === "const")) return concat(parts as Const[], axis, where);
    // At most one computed part: nodes reading two or more go to combine() instead.
    const actParts = parts.filter((p): p is Act => p.kind === "act");
    const x = actParts[0];
    const a = axis < 0 ? axis + x.dims.length : axis;
    if (featureAxis(x, a) === undefined) throw new UnsupportedOperatorError(op, where, `joins along axis ${axis} of [${x.dims.join(", ")}]; only the feature axis is supported`);
    const n = size(x.dims);
    const m: number[][] = [];
    const c: number[] = [];
    for (const p of parts) {
      if (p.kind === "act") identityRows(n).forEach((r) => (m.push(r), c.push(0)));
      else p.data.forEach((v) => (m.push(Array(n).fill(0)), c.push(v)));
    }
    const xName = ins.find((nm) => nm && ctx.get(nm, where) === x) ?? "";
    return linear(x, xName, m, c, x.dims.map((d, i) => (i === a ? m.length : d)));
  }
}

/**
 * A node that reads two or more computed tensors: Add, Sub, Mul (element-wise, same size), Sum and
 * Concat (along the feature axis). Anything else gets an UnsupportedOperatorError naming the node.
 */
export function combine(ctx: GraphContext, node: Node, index: number, where: string): Act {
  const op = node.opType ?? "";
  const name = node.name || `${op.toLowerCase()}_${index}`;
  const values = (node.input ?? []).map((n) => ctx.get(n, where));
  const acts = values.filter((v): v is Act => v.kind === "act");
  const index0 = (a: Act) => a.depth ?? 0;
  if (acts.length !== values.length) {
    throw new UnsupportedOperatorError(op, where, "it mixes computed tensors and constants in one operation; only element-wise Add, Sub, Mul, Sum and Concat of computed tensors are supported");
  }
  /** The value index of each side, a one-value side repeated to the others' size (a free concat, as broadcasting does). */
  const sameSize = (): number[] => {
    const n = Math.max(...acts.map((a) => size(a.dims)));
    return acts.map((a) => {
      const m = size(a.dims);
      if (m === n) return index0(a);
      if (m !== 1) throw new ShapeError(`${where}: combines tensors of shapes ${acts.map((x) => `[${x.dims.join(", ")}]`).join(" and ")}; element-wise operations on computed tensors need the same size, or one value`);
      ctx.push({ type: "concat", name: `${name}_broadcast`, inputs: Array(n).fill(index0(a)) });
      return ctx.layers.length;
    });
  };
  switch (op) {
    case "Add":
    case "Sub":
    case "Mul":
    case "Sum": {
      if (op !== "Sum" && acts.length !== 2) throw new ShapeError(`${where}: ${op} of ${acts.length} tensors`);
      const sides = sameSize();
      let left = sides[0];
      for (let i = 1; i < acts.length; i++) {
        const right = sides[i];
        ctx.push(op === "Mul" ? { type: "mul", name, inputs: [left, right] } : { type: "add", name, inputs: [left, right], ...(op === "Sub" ? { subtract: true } : {}) });
        left = ctx.layers.length;
      }
      return { kind: "act", dims: acts.reduce((a, b) => (size(b.dims) > size(a.dims) || (size(b.dims) === size(a.dims) && b.dims.length > a.dims.length) ? b : a)).dims };
    }
    case "Concat": {
      const axis = intAttr(node, "axis", 0);
      acts.forEach((a) => {
        if (featureAxis(a, axis) === undefined) throw new UnsupportedOperatorError(op, where, `axis ${axis} of a [${a.dims.join(", ")}] tensor is not its feature axis`);
      });
      ctx.push({ type: "concat", name, inputs: acts.map(index0) });
      const n = acts.reduce((acc, a) => acc + size(a.dims), 0);
      return { kind: "act", dims: acts[0].dims.map((d, i) => (i === featureAxis(acts[0], axis) ? n : d)) };
    }
    default:
      throw new UnsupportedOperatorError(op, where, "it reads two computed tensors; supported on two or more: Add, Sub, Mul, Sum and Concat (element-wise, same size)");
  }
}
