/**
 * The JSON model spec:
 *
 *   { "name": "support-intents", "version": "1.0",
 *     "input": { "shape": [32], "range": [0, 1] },
 *     "layers": [ { "type": "dense", "weights": [[...], ...], "bias": [...] }, { "type": "relu" }, ... ],
 *     "labels": ["billing", ...], "samples": [[...], ...] }
 *
 * Dense weights are laid out [out][in], as PyTorch's Linear.weight. `range` (default [-1, 1]),
 * `labels`, `samples` and a dense layer's `bias` (default zeros) are optional. A layer reads the
 * value before it; `"input": k` reads another (0: the model's input, k: the output of the k-th
 * layer that computes, flatten and identity not counted); `add`, `sub`, `mul` and `concat` read
 * `"inputs": [a, b, ...]` (a residual connection: `{"type": "add", "inputs": [1, 3]}`).
 */
import { ModelFormatError, ShapeError, UnsupportedOperatorError } from "../errors.js";
import { FUNCTION_NAMES, type FunctionName } from "../engine/piecewise.js";
import { checkLayerName, quoteName, validateModel, type FloatLayer, type FloatModel } from "./model.js";

const KNOWN = `dense, relu, leaky_relu, argmax, softmax, ${FUNCTION_NAMES.join(", ")}, add, sub, mul, concat, flatten, identity`;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function numbers(value: unknown, where: string): number[] {
  if (!Array.isArray(value)) throw new ModelFormatError(`${where} must be an array of numbers`);
  return value.map((x, i) => {
    // null is what JSON.stringify writes for NaN and Infinity: name it as such.
    if (typeof x !== "number") {
      throw new ModelFormatError(`${where}[${i}] is ${x === null ? "null (NaN or Infinity?)" : JSON.stringify(x)}, not a number`);
    }
    return x;
  });
}

/** Parses and validates a JSON spec (text or an already parsed object). */
export function parseJsonModel(source: string | unknown, fallbackName = "model"): FloatModel {
  let doc: unknown = source;
  if (typeof source === "string") {
    try {
      doc = JSON.parse(source);
    } catch (error) {
      throw new ModelFormatError(`model file is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  if (!isRecord(doc)) throw new ModelFormatError("a JSON model must be an object");
  const input = doc.input;
  if (!isRecord(input)) throw new ModelFormatError(`"input" must be an object with a "shape"`);
  const shape = numbers(input.shape, "input.shape");
  if (shape.length === 2 && shape[0] !== 1) {
    throw new ShapeError(`input.shape ${JSON.stringify(shape)}: only batch dimension 1 is supported`);
  }
  if (shape.length < 1 || shape.length > 2 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ShapeError(`input.shape ${JSON.stringify(shape)} must be [n] or [1, n]`);
  }
  const range = input.range === undefined ? [-1, 1] : numbers(input.range, "input.range");
  if (range.length !== 2) throw new ModelFormatError(`input.range must be [low, high]`);
  if (!Array.isArray(doc.layers)) throw new ModelFormatError(`"layers" must be an array`);

  const layers: FloatLayer[] = [];
  doc.layers.forEach((raw, index) => {
    const where = `layer ${index}`;
    if (!isRecord(raw) || typeof raw.type !== "string") throw new ModelFormatError(`${where} must be an object with a "type"`);
    if (!/^[A-Za-z0-9_]{1,32}$/.test(raw.type)) throw new UnsupportedOperatorError(quoteName(raw.type), where, `supported layers: ${KNOWN}`);
    const type = raw.type.toLowerCase();
    if (raw.name !== undefined) checkLayerName(raw.name, where);
    const name = raw.name === undefined ? `${type}_${index}` : (raw.name as string);
    const reads = (n: unknown, what: string): number => {
      if (typeof n !== "number" || !Number.isInteger(n)) throw new ModelFormatError(`${where} (${type}): ${what} must be a value's index (0: the input, k: layer k - 1's output)`);
      return n;
    };
    if (type === "add" || type === "sub" || type === "mul" || type === "concat") {
      if (!Array.isArray(raw.inputs)) throw new ModelFormatError(`${where} (${type}): "inputs" must list the values it reads`);
      const inputs = raw.inputs.map((n, i) => reads(n, `inputs[${i}]`));
      if (type === "concat") layers.push({ type: "concat", name, inputs });
      else if (inputs.length !== 2) throw new ModelFormatError(`${where} (${type}): reads two values, not ${inputs.length}`);
      else if (type === "mul") layers.push({ type: "mul", name, inputs: [inputs[0], inputs[1]] });
      else layers.push({ type: "add", name, inputs: [inputs[0], inputs[1]], ...(type === "sub" ? { subtract: true } : {}) });
      return;
    }
    const input = raw.input === undefined ? {} : { input: reads(raw.input, '"input"') };
    const before = layers.length;
    switch (type) {
      case "dense": {
        if (!Array.isArray(raw.weights)) throw new ModelFormatError(`${where} (dense): "weights" must be an array of rows [out][in]`);
        const weights = raw.weights.map((row, j) => numbers(row, `${where}.weights[${j}]`));
        const bias = raw.bias === undefined ? weights.map(() => 0) : numbers(raw.bias, `${where}.bias`);
        layers.push({ type: "dense", name, weights, bias });
        break;
      }
      case "relu":
        layers.push({ type: "relu", name });
        break;
      case "leaky_relu":
      case "leakyrelu": {
        const alpha = raw.alpha === undefined ? 0.01 : raw.alpha;
        if (typeof alpha !== "number") throw new ModelFormatError(`${where} (leaky_relu): alpha must be a number`);
        layers.push({ type: "leaky_relu", name, alpha });
        break;
      }
      case "argmax":
        layers.push({ type: "argmax", name });
        break;
      case "softmax":
        layers.push({ type: "softmax", name });
        break;
      case "flatten":
      case "identity":
        break; // no-ops on a single vector
      default:
        if ((FUNCTION_NAMES as readonly string[]).includes(type)) {
          layers.push({ type: "fn", name, fn: type as FunctionName });
          break;
        }
        throw new UnsupportedOperatorError(raw.type, where, `supported layers: ${KNOWN}`);
    }
    if (raw.input !== undefined) {
      if (layers.length === before) throw new ModelFormatError(`${where} (${type}): a layout-only layer cannot read another value`);
      Object.assign(layers[layers.length - 1], input);
    }
  });

  let labels: string[] | undefined;
  if (doc.labels !== undefined) {
    if (!Array.isArray(doc.labels) || !doc.labels.every((l) => typeof l === "string")) {
      throw new ModelFormatError(`"labels" must be an array of strings`);
    }
    labels = doc.labels as string[];
  }
  let samples: number[][] | undefined;
  if (doc.samples !== undefined) {
    if (!Array.isArray(doc.samples)) throw new ModelFormatError(`"samples" must be an array of inputs`);
    samples = doc.samples.map((s, i) => numbers(s, `samples[${i}]`));
  }
  const model: FloatModel = {
    name: doc.name === undefined ? fallbackName : (doc.name as string),
    version: doc.version === undefined ? "1.0" : (doc.version as string),
    inputSize: shape[shape.length - 1],
    inputRange: [range[0], range[1]],
    layers,
    labels,
    samples,
  };
  validateModel(model);
  return model;
}
