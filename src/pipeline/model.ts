/**
 * The float model: what a JSON spec or an ONNX graph becomes once parsed, before quantization.
 * A model is a list of layers over vectors (batch dimension 1) in topological order: value 0 is the
 * input and value i + 1 the output of layer i. A layer reads the value before it unless it names another (`input`); `add`, `mul` and `concat`
 * read two or more (`inputs`). A chain is the case where no layer names its input.
 */
import { ModelFormatError, QuantizationError, ShapeError } from "../errors.js";
import { FUNCTION_NAMES, type FunctionName } from "../engine/piecewise.js";
import { FUNCTIONS } from "./functions.js";
import { parseVersion } from "../protocol/releases.js";

/**
 * What a model's name and its layers' names may hold. Names are metadata: they never reach
 * generated code (circuits and contracts name layers by index), and this set keeps them that way
 * even for a reader that prints them (no newline, no comment marker, no quote, no space).
 */
export const SAFE_NAME = /^[A-Za-z0-9_.:\/-]{1,128}$/;
const MODEL_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** A name for a message: quoted and escaped, so that a hostile name shows as what it is. */
export const quoteName = (name: unknown): string => JSON.stringify(typeof name === "string" && name.length > 80 ? `${name.slice(0, 80)}...` : name);

/** Throws ModelFormatError unless `name` is in SAFE_NAME. */
export function checkLayerName(name: unknown, where: string): void {
  if (typeof name !== "string" || !SAFE_NAME.test(name)) {
    throw new ModelFormatError(`${where}: name ${quoteName(name)} must be 1 to 128 letters, digits or '_', '.', ':', '/', '-'`);
  }
}

/** Throws ModelFormatError unless `version` is "major.minor" with both parts in 0..65535 (a release's version). */
export function checkVersion(version: unknown): void {
  if (typeof version !== "string" || !/^\d{1,5}\.\d{1,5}$/.test(version) || parseVersion(version) === undefined) {
    throw new ModelFormatError(`model version ${quoteName(version)} must be "major.minor" with both parts in 0..65535`);
  }
}

/** The value a one-input layer reads, when it is not the one just before it (0: the model's input). */
interface Reads {
  input?: number;
}

export type FloatLayer =
  | ({ type: "dense"; name: string; weights: number[][]; bias: number[] } & Reads)
  | ({ type: "relu"; name: string } & Reads)
  | ({ type: "leaky_relu"; name: string; alpha: number } & Reads)
  | ({ type: "argmax"; name: string } & Reads)
  /** An element-wise non-linear function, approximated by a table with a proven error bound. */
  | ({ type: "fn"; name: string; fn: FunctionName } & Reads)
  /** Softmax over the whole vector. */
  | ({ type: "softmax"; name: string } & Reads)
  /** a + b, or a - b, element-wise (a residual connection): exact, free in the circuit. */
  | { type: "add"; name: string; inputs: [number, number]; subtract?: boolean }
  /** a * b element-wise, rescaled: one product and one rescale per element. */
  | { type: "mul"; name: string; inputs: [number, number] }
  /** The values one after the other: free in the circuit. */
  | { type: "concat"; name: string; inputs: number[] };

/** The values (0: the model's input) layer `index` reads. */
export function inputsOf(layer: FloatLayer | { type: string; input?: number; inputs?: number[] }, index: number): number[] {
  if ("inputs" in layer && layer.inputs) return layer.inputs;
  return [("input" in layer ? layer.input : undefined) ?? index];
}

export interface FloatModel {
  name: string;
  version: string;
  inputSize: number;
  /** The range of every input feature, as real numbers; the circuit accepts this range (rounded up to a power of two). */
  inputRange: [number, number];
  layers: FloatLayer[];
  /** Class labels, one per output of the layer an argmax reads (or per output when there is no argmax). */
  labels?: string[];
  /** Sample inputs for the error report; random inputs in inputRange when absent. */
  samples?: number[][];
}

/**
 * The layers that value `output` depends on, renumbered (value `output` becomes the last one).
 * Layers after it, and branches it does not read, are dropped.
 */
export function pruneTo(layers: readonly FloatLayer[], output: number): FloatLayer[] {
  const need = new Set([output]);
  for (let k = output; k >= 1; k--) if (need.has(k)) inputsOf(layers[k - 1], k - 1).forEach((i) => need.add(i));
  const renamed = new Map([[0, 0]]);
  const kept: FloatLayer[] = [];
  for (let k = 1; k <= output; k++) {
    if (!need.has(k)) continue;
    const layer = layers[k - 1];
    const from = inputsOf(layer, k - 1).map((i) => renamed.get(i)!);
    kept.push(withInputs(layer, from, kept.length));
    renamed.set(k, kept.length);
  }
  return kept;
}

/** The layers with every value they name moved by `by` (an extra layer first). */
export function shiftInputs(layers: readonly FloatLayer[], by: number): FloatLayer[] {
  return layers.map((layer, p) => withInputs(layer, inputsOf(layer, p).map((i) => i + by), p + by));
}

/** A copy of `layer` reading `from`, placed at position `position` (whose default input is value `position`). */
function withInputs(layer: FloatLayer, from: number[], position: number): FloatLayer {
  if ("inputs" in layer) return { ...layer, inputs: from } as FloatLayer;
  const { input: _drop, ...rest } = layer as FloatLayer & { input?: number };
  void _drop;
  return (from[0] === position ? rest : { ...rest, input: from[0] }) as FloatLayer;
}

/** The size of every value (index 0: the input; k: the output of layer k - 1). */
export function layerSizes(model: FloatModel): number[] {
  const sizes = [model.inputSize];
  model.layers.forEach((layer, index) => {
    const from = inputsOf(layer, index).map((i) => sizes[i]);
    if (layer.type === "dense") sizes.push(layer.weights.length);
    else if (layer.type === "argmax") sizes.push(1);
    else if (layer.type === "concat") sizes.push(from.reduce((a, b) => a + b, 0));
    else sizes.push(from[0]);
  });
  return sizes;
}

export function outputSize(model: FloatModel): number {
  const sizes = layerSizes(model);
  return sizes[sizes.length - 1];
}

/** Number of classes when the model ends in argmax (the width of the vector it reads), else undefined. */
export function classCount(model: FloatModel): number | undefined {
  const last = model.layers[model.layers.length - 1];
  if (last?.type !== "argmax") return undefined;
  return layerSizes(model)[inputsOf(last, model.layers.length - 1)[0]];
}

function finite(value: number, where: string): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new QuantizationError(`${where} is ${String(value)}: weights must be finite numbers`);
  }
}

/**
 * Checks a parsed model before any long work starts: shapes chain together, every weight is a finite
 * number, an argmax comes last, labels and samples fit. Throws a typed error that names the layer.
 */
export function validateModel(model: FloatModel): void {
  if (typeof model.name !== "string" || !MODEL_NAME.test(model.name)) {
    throw new ModelFormatError(`model name ${quoteName(model.name)} must start with a letter and use at most 64 letters, digits, '_', '-' or '.'`);
  }
  checkVersion(model.version);
  if (!Number.isInteger(model.inputSize) || model.inputSize < 1) {
    throw new ShapeError(`input size must be a positive integer, got ${model.inputSize}`);
  }
  const [lo, hi] = model.inputRange;
  finite(lo, "input range low");
  finite(hi, "input range high");
  if (!(lo < hi)) throw new ModelFormatError(`input range [${lo}, ${hi}] is empty`);
  if (model.layers.length === 0) throw new ModelFormatError("the model has no layers");
  const sizes = [model.inputSize];
  let dense = 0;
  model.layers.forEach((layer, index) => {
    checkLayerName(layer.name, `layer ${index} (${layer.type})`);
    const where = `layer ${index} (${layer.name})`;
    const from = inputsOf(layer, index);
    from.forEach((i) => {
      if (!Number.isInteger(i) || i < 0 || i > index) {
        throw new ModelFormatError(`${where}: reads value ${i}; a layer reads the input (0) or an earlier layer's output (1 to ${index})`);
      }
    });
    const n = sizes[from[0]];
    let out = n;
    switch (layer.type) {
      case "dense": {
        dense++;
        if (layer.weights.length === 0) throw new ShapeError(`${where}: dense layer with no outputs`);
        layer.weights.forEach((row, j) => {
          if (!Array.isArray(row) || row.length !== n) {
            throw new ShapeError(`${where}: weight row ${j} has ${Array.isArray(row) ? row.length : "no"} entries, the layer's input has ${n}`);
          }
          row.forEach((w, i) => finite(w, `${where}: weight [${j}][${i}]`));
        });
        if (layer.bias.length !== layer.weights.length) {
          throw new ShapeError(`${where}: bias has ${layer.bias.length} entries, the layer has ${layer.weights.length} outputs`);
        }
        layer.bias.forEach((b, j) => finite(b, `${where}: bias [${j}]`));
        out = layer.weights.length;
        break;
      }
      case "leaky_relu":
        finite(layer.alpha, `${where}: alpha`);
        if (layer.alpha < 0 || layer.alpha >= 1) {
          throw new ModelFormatError(`${where}: LeakyRelu alpha ${layer.alpha} must lie in [0, 1)`);
        }
        break;
      case "relu":
      case "softmax":
        break;
      case "fn":
        if (!FUNCTION_NAMES.includes(layer.fn)) {
          throw new ModelFormatError(`${where}: unknown function ${JSON.stringify(layer.fn)}; supported: ${FUNCTION_NAMES.join(", ")}`);
        }
        break;
      case "add":
      case "mul":
        if (from.length !== 2) throw new ModelFormatError(`${where}: ${layer.type} reads two values, not ${from.length}`);
        if (sizes[from[1]] !== n) throw new ShapeError(`${where}: ${layer.type} of ${n} and ${sizes[from[1]]} values; both sides must have the same size`);
        break;
      case "concat":
        if (from.length < 1) throw new ModelFormatError(`${where}: concat reads no value`);
        out = from.reduce((acc, i) => acc + sizes[i], 0);
        break;
      case "argmax":
        if (index !== model.layers.length - 1) throw new ModelFormatError(`${where}: argmax must be the last layer`);
        out = 1;
        break;
    }
    sizes.push(out);
  });
  if (dense === 0) throw new ModelFormatError("the model has no dense layer");
  const classes = classCount(model) ?? outputSize(model);
  if (model.labels && model.labels.length !== classes) {
    throw new ShapeError(`${model.labels.length} labels for ${classes} outputs`);
  }
  model.samples?.forEach((sample, s) => {
    if (sample.length !== model.inputSize) {
      throw new ShapeError(`sample ${s} has ${sample.length} features, the model takes ${model.inputSize}`);
    }
    sample.forEach((x, i) => finite(x, `sample ${s} feature ${i}`));
  });
}

/** Float evaluation: the reference the quantized model is measured against. */
export function evaluateFloat(model: FloatModel, input: readonly number[]): number[] {
  const trace = traceFloat(model, input);
  return trace[trace.length - 1];
}

/** Every value (index 0: the input). */
export function traceFloat(model: FloatModel, input: readonly number[]): number[][] {
  if (input.length !== model.inputSize) {
    throw new ShapeError(`input has ${input.length} features, the model takes ${model.inputSize}`);
  }
  const trace = [[...input]];
  model.layers.forEach((layer, index) => trace.push(floatLayer(layer, inputsOf(layer, index).map((i) => trace[i]))));
  return trace;
}

function floatLayer(layer: FloatLayer, from: number[][]): number[] {
  const v = from[0];
  switch (layer.type) {
    case "add":
      return v.map((x, i) => (layer.subtract ? x - from[1][i] : x + from[1][i]));
    case "mul":
      return v.map((x, i) => x * from[1][i]);
    case "concat":
      return from.flat();
    case "dense":
      return layer.weights.map((row, j) => row.reduce((acc, w, i) => acc + w * v[i], layer.bias[j]));
    case "relu":
      return v.map((x) => (x > 0 ? x : 0));
    case "leaky_relu":
      return v.map((x) => (x >= 0 ? x : layer.alpha * x));
    case "argmax": {
      let best = 0;
      for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
      return [best];
    }
    case "fn":
      return v.map(FUNCTIONS[layer.fn].f);
    case "softmax": {
      const top = Math.max(...v);
      const e = v.map((x) => Math.exp(x - top));
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((x) => x / sum);
    }
  }
}
