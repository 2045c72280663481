/**
 * Float model -> fixed-point model. Weights get scale 2^S, biases 2^(2S) (they add to products),
 * inputs 2^S. Every range-check width is derived by interval arithmetic over every input the circuit
 * accepts, so no accepted input can overflow a range check or the field: the bounds are proven, not
 * sampled. Samples only measure the error against float evaluation.
 */
import { QuantizationError } from "../errors.js";
import {
  evaluate,
  QUANTIZED_FORMAT,
  signedBits,
  unsignedBits,
  encodingMax,
  type Encoding,
  type QuantizedLayer,
  type QuantizedModel,
} from "../engine/fixed.js";
import { evaluateFloat, inputsOf, traceFloat, validateModel, type FloatModel } from "./model.js";
import { evalPiecewise } from "../engine/piecewise.js";
import { fitFunction, rangeOn, withTableBudget } from "./functions.js";
import { errorBounds } from "./error-bound.js";

export interface QuantizeOptions {
  /** Fixes S; otherwise the smallest S in [minScaleBits, maxScaleBits] within `tolerance`. */
  scaleBits?: number;
  minScaleBits?: number;
  maxScaleBits?: number;
  /** Largest error of the outputs (or logits, before an argmax), relative to their largest magnitude (default 0.5%). */
  tolerance?: number;
  /** Random samples when the model brings none. */
  sampleCount?: number;
}

export interface LayerRange {
  layer: string;
  type: string;
  size: number;
  /** Proven bounds over every accepted input, as integers at the layer's scale. */
  bound: [bigint, bigint];
  /** Bounds seen on the samples. */
  observed: [bigint, bigint];
  /** The range-check width of the layer, when it has one. */
  bits?: number;
  /** For a non-linear function: the proven bound on |output - f(input)|, in real units. */
  maxError?: number;
}

export interface QuantizationReport {
  scaleBits: number;
  scaleChosenBy: "flag" | "auto";
  samples: number;
  /** Largest |fixed - float| of the compared vector (outputs, or logits before an argmax), in real units. */
  maxAbsError: number;
  /** maxAbsError over the largest |float| of that vector. */
  maxRelError: number;
  /** A proven bound on the same error for every accepted input (src/pipeline/error-bound.ts), in real units. */
  errorBound: number;
  /** Fraction of samples whose argmax matches float evaluation (models ending in argmax). */
  argmaxAgreement?: number;
  ranges: LayerRange[];
  /** The smallest margin, in bits, between a rescale's B + S + 1 and the 253 the field allows. */
  fieldHeadroomBits: number;
}

/** mulberry32: a small seeded PRNG so that random samples are the same on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function sampleInputs(model: FloatModel, count: number): number[][] {
  if (model.samples && model.samples.length > 0) return model.samples;
  const random = seededRandom(seedOf(`${model.name}@${model.version}`));
  const [lo, hi] = model.inputRange;
  // Both corners of the input box (where errors that grow with the values are largest), then random points.
  const corners = [Array(model.inputSize).fill(lo), Array(model.inputSize).fill(hi)];
  return [...corners, ...Array.from({ length: Math.max(0, count - 2) }, () => Array.from({ length: model.inputSize }, () => lo + (hi - lo) * random()))];
}

function toInt(x: number, scaleBits: number, where: string): bigint {
  const scaled = Math.round(x * 2 ** scaleBits);
  if (!Number.isSafeInteger(scaled)) {
    throw new QuantizationError(`${where}: ${x} at scale 2^${scaleBits} does not fit a safe integer`);
  }
  return BigInt(scaled);
}

const min = (xs: bigint[]) => xs.reduce((a, b) => (b < a ? b : a));
const max = (xs: bigint[]) => xs.reduce((a, b) => (b > a ? b : a));

/** Builds the fixed-point model at scale 2^S and proves the range of every layer. */
export function quantizeAt(model: FloatModel, S: number): { quantized: QuantizedModel; bounds: [bigint, bigint][][] } {
  return withTableBudget(() => quantizeAtScale(model, S));
}

function quantizeAtScale(model: FloatModel, S: number): { quantized: QuantizedModel; bounds: [bigint, bigint][][] } {
  if (!Number.isInteger(S) || S < 1 || S > 32) throw new QuantizationError(`scale bits ${S} must be an integer in [1, 32]`);
  const inLo = toInt(model.inputRange[0], S, "input range low");
  const inHi = toInt(model.inputRange[1], S, "input range high");
  const input: Encoding = { size: model.inputSize, lo: inLo, bits: unsignedBits(inHi - inLo) };
  // The circuit accepts [lo, lo + 2^bits - 1], a superset of the declared range: bound that.
  let lo: bigint[] = Array(model.inputSize).fill(inLo);
  let hi: bigint[] = Array(model.inputSize).fill(encodingMax(input));
  const bounds: [bigint, bigint][][] = [lo.map((l, i) => [l, hi[i]])];
  const layers: QuantizedLayer[] = [];
  const sb = BigInt(S);
  let signFromRescale = false;
  // Every value's proven bounds, and whether a rescale made it (its sign bit is then free).
  const values: { lo: bigint[]; hi: bigint[]; rescaled: boolean }[] = [{ lo, hi, rescaled: false }];
  model.layers.forEach((layer, index) => {
    const where = `layer ${index} (${layer.name})`;
    const from = inputsOf(layer, index);
    ({ lo, hi, rescaled: signFromRescale } = values[from[0]]);
    const fieldCheck = (bits: number) => {
      if (bits + S + 1 >= 253) {
        throw new QuantizationError(`${where}: values need ${bits} bits at scale 2^${S}; ${bits} + ${S} + 1 must stay below 253 for the field`);
      }
    };
    switch (layer.type) {
      case "dense": {
        const weights = layer.weights.map((row, j) => row.map((w, i) => toInt(w, S, `${where} weight [${j}][${i}]`)));
        const bias = layer.bias.map((b, j) => toInt(b, 2 * S, `${where} bias [${j}]`));
        const zLo = weights.map((row, j) => row.reduce((acc, w, i) => acc + (w >= 0n ? w * lo[i] : w * hi[i]), bias[j]));
        const zHi = weights.map((row, j) => row.reduce((acc, w, i) => acc + (w >= 0n ? w * hi[i] : w * lo[i]), bias[j]));
        lo = zLo.map((z) => z >> sb);
        hi = zHi.map((z) => z >> sb);
        const bits = signedBits(min(lo), max(hi));
        fieldCheck(bits);
        layers.push({ type: "dense", name: layer.name, weights, bias, bits });
        signFromRescale = true;
        break;
      }
      case "relu": {
        const signBits = signFromRescale ? undefined : signedBits(min(lo), max(hi));
        layers.push(signBits === undefined ? { type: "relu", name: layer.name } : { type: "relu", name: layer.name, signBits });
        lo = lo.map((x) => (x > 0n ? x : 0n));
        hi = hi.map((x) => (x > 0n ? x : 0n));
        signFromRescale = false;
        break;
      }
      case "leaky_relu": {
        const alpha = toInt(layer.alpha, S, `${where} alpha`);
        const signBits = signFromRescale ? undefined : signedBits(min(lo), max(hi));
        const sLo = lo.map((x) => (x * alpha) >> sb);
        const sHi = hi.map((x) => (x * alpha) >> sb);
        const bits = signedBits(min(sLo), max(sHi));
        fieldCheck(bits);
        layers.push({ type: "leaky_relu", name: layer.name, alpha, bits, ...(signBits === undefined ? {} : { signBits }) });
        // y = x >= 0 ? x : floor(x * alpha / 2^S) is non-decreasing in x.
        lo = lo.map((x, j) => (x >= 0n ? x : sLo[j]));
        hi = hi.map((x, j) => (x >= 0n ? x : sHi[j]));
        signFromRescale = false;
        break;
      }
      case "argmax": {
        const bits = signedBits(min(lo), max(hi));
        if (bits + 2 >= 253) throw new QuantizationError(`${where}: argmax inputs need ${bits} bits, too many for the field`);
        layers.push({ type: "argmax", name: layer.name, bits });
        lo = [0n];
        hi = [BigInt(Math.max(0, hi.length - 1))];
        signFromRescale = false;
        break;
      }
      case "fn": {
        const [pLo, pHi] = [min(lo), max(hi)];
        const fit = fitFunction(layer.fn, S, S, pLo, pHi, where);
        const t = fit.table;
        const bits = signedBits(fit.polyLo, fit.polyHi);
        if (bits + t.shift + 1 >= 253) throw new QuantizationError(`${where}: ${layer.fn} needs ${bits + t.shift + 1} bits, more than the field's 253`);
        layers.push({
          type: "fn",
          name: layer.name,
          fn: layer.fn,
          table: t,
          ...(pLo < t.lo ? { clampLo: signedBits(pLo - t.lo, pHi - t.lo) } : {}),
          ...(pHi > t.hi ? { clampHi: signedBits(pLo - t.hi, pHi - t.hi) } : {}),
          bits,
          maxError: fit.maxError,
        });
        const ranges = lo.map((l, j) => rangeOn(t, l, hi[j], [fit.outLo, fit.outHi]));
        lo = ranges.map((r) => r[0]);
        hi = ranges.map((r) => r[1]);
        signFromRescale = false;
        break;
      }
      case "softmax": {
        const n = lo.length;
        const [zLo, zHi] = [min(lo), max(hi)];
        const inBits = signedBits(zLo, zHi);
        // Guard bits on the exps keep n rounding errors in the sum below a quarter of the last bit.
        const guard = Math.ceil(Math.log2(3 * (n + 1)));
        const fit = fitFunction("exp", S, S + guard, zLo - zHi, 0n, where);
        const t = fit.table;
        if (fit.outLo < 0n || evalPiecewise(t, 0n) <= 0n) throw new QuantizationError(`${where}: the exp table is not positive (internal error)`);
        const bits = signedBits(fit.polyLo, fit.polyHi);
        const sumBits = unsignedBits(BigInt(n) * fit.outHi);
        if (bits + t.shift + 1 >= 253 || S + sumBits + 2 >= 253 || inBits + 2 >= 253) {
          throw new QuantizationError(`${where}: softmax of ${inBits}-bit values does not fit the field`);
        }
        const eps = fit.maxError;
        layers.push({
          type: "softmax",
          name: layer.name,
          exp: t,
          guard,
          inBits,
          ...(zLo - zHi < t.lo ? { clampLo: signedBits(zLo - zHi - t.lo, -t.lo) } : {}),
          bits,
          sumBits,
          // |e - exp| <= eps each, sum >= 1 (exp(0)): |e_i/sum e - p_i| <= eps (1 + n) / (1 - n eps), plus the floor.
          maxError: (eps * (1 + n)) / (1 - n * eps) + 2 ** -S,
        });
        lo = Array(n).fill(0n);
        hi = Array(n).fill(1n << sb);
        signFromRescale = false;
        break;
      }
      case "add": {
        const b = values[from[1]];
        const sub = layer.subtract === true;
        const [aLo, aHi] = [lo, hi];
        lo = aLo.map((l, j) => l + (sub ? -b.hi[j] : b.lo[j]));
        hi = aHi.map((h, j) => h + (sub ? -b.lo[j] : b.hi[j]));
        layers.push({ type: "add", name: layer.name, inputs: [from[0], from[1]], ...(sub ? { subtract: true } : {}) });
        signFromRescale = false;
        break;
      }
      case "mul": {
        const b = values[from[1]];
        const corners = (j: number) => [lo[j] * b.lo[j], lo[j] * b.hi[j], hi[j] * b.lo[j], hi[j] * b.hi[j]];
        const pLo = lo.map((_, j) => min(corners(j)) >> sb);
        const pHi = lo.map((_, j) => max(corners(j)) >> sb);
        const bits = signedBits(min(pLo), max(pHi));
        fieldCheck(bits);
        layers.push({ type: "mul", name: layer.name, inputs: [from[0], from[1]], bits });
        [lo, hi] = [pLo, pHi];
        signFromRescale = true;
        break;
      }
      case "concat":
        lo = from.flatMap((i) => values[i].lo);
        hi = from.flatMap((i) => values[i].hi);
        layers.push({ type: "concat", name: layer.name, inputs: [...from] });
        signFromRescale = false;
        break;
    }
    if (!("inputs" in layer) && layer.input !== undefined) (layers[layers.length - 1] as { input?: number }).input = layer.input;
    values.push({ lo, hi, rescaled: signFromRescale });
    bounds.push(lo.map((l, i) => [l, hi[i]]));
  });
  const outLo = min(lo);
  const output: Encoding = { size: lo.length, lo: outLo, bits: unsignedBits(max(hi) - outLo) };
  const quantized: QuantizedModel = {
    format: QUANTIZED_FORMAT,
    name: model.name,
    version: model.version,
    scaleBits: S,
    inputRange: model.inputRange,
    input,
    output,
    layers,
    ...(model.labels ? { labels: model.labels } : {}),
  };
  return { quantized, bounds };
}

function quantizeSample(x: number[], S: number, input: Encoding): bigint[] {
  const top = encodingMax(input);
  return x.map((v) => {
    const q = BigInt(Math.round(v * 2 ** S));
    return q < input.lo ? input.lo : q > top ? top : q;
  });
}

/** Measures a fixed-point model against float evaluation on the samples. */
function measure(model: FloatModel, quantized: QuantizedModel, samples: number[][]) {
  const S = quantized.scaleBits;
  const endsInArgmax = model.layers[model.layers.length - 1].type === "argmax";
  let maxAbs = 0;
  let maxMag = 0;
  let agree = 0;
  const observed: [bigint, bigint][] = [];
  for (const sample of samples) {
    const floatTrace = traceFloat(model, sample);
    const { trace } = evaluate(quantized, quantizeSample(sample, S, quantized.input));
    trace.forEach((vector, k) => {
      const [a, b] = observed[k] ?? [vector[0], vector[0]];
      observed[k] = [min([a, ...vector]), max([b, ...vector])];
    });
    const at = endsInArgmax ? inputsOf(model.layers[model.layers.length - 1], model.layers.length - 1)[0] : trace.length - 1;
    const fixed = trace[at];
    const real = floatTrace[at];
    fixed.forEach((v, j) => {
      maxAbs = Math.max(maxAbs, Math.abs(Number(v) / 2 ** S - real[j]));
      maxMag = Math.max(maxMag, Math.abs(real[j]));
    });
    if (endsInArgmax && trace[trace.length - 1][0] === BigInt(floatTrace[floatTrace.length - 1][0])) agree++;
  }
  return {
    maxAbsError: maxAbs,
    maxRelError: maxMag === 0 ? maxAbs : maxAbs / maxMag,
    argmaxAgreement: endsInArgmax ? agree / samples.length : undefined,
    observed,
  };
}

/** Quantizes a float model and reports its error and ranges. */
export function quantize(model: FloatModel, options: QuantizeOptions = {}): { quantized: QuantizedModel; report: QuantizationReport } {
  return withTableBudget(() => quantizeWith(model, options));
}

function quantizeWith(model: FloatModel, options: QuantizeOptions): { quantized: QuantizedModel; report: QuantizationReport } {
  validateModel(model);
  const samples = sampleInputs(model, options.sampleCount ?? 64);
  const tolerance = options.tolerance ?? 0.005;
  const candidates =
    options.scaleBits !== undefined
      ? [options.scaleBits]
      : Array.from({ length: (options.maxScaleBits ?? 16) - (options.minScaleBits ?? 4) + 1 }, (_, k) => (options.minScaleBits ?? 4) + k);
  let chosen: { quantized: QuantizedModel; bounds: [bigint, bigint][][]; m: ReturnType<typeof measure> } | undefined;
  let lastError: unknown;
  for (const S of candidates) {
    let q;
    try {
      q = quantizeAt(model, S);
    } catch (error) {
      // A larger scale only widens the ranges: stop at the first that does not fit.
      lastError = error;
      break;
    }
    const m = measure(model, q.quantized, samples);
    chosen = { ...q, m };
    if (m.maxRelError <= tolerance) break;
  }
  if (!chosen) throw lastError;
  const { quantized, bounds, m } = chosen;
  const names = ["input", ...model.layers.map((l) => l.name)];
  const types = ["input", ...model.layers.map((l) => (l.type === "fn" ? l.fn : l.type))];
  const ranges: LayerRange[] = bounds.map((b, k) => {
    const layer = k === 0 ? undefined : quantized.layers[k - 1];
    const bits = k === 0 ? quantized.input.bits : layer && "bits" in layer ? layer.bits : layer?.type === "relu" ? layer.signBits : undefined;
    return {
      layer: names[k],
      type: types[k],
      size: b.length,
      bound: [min(b.map((x) => x[0])), max(b.map((x) => x[1]))],
      observed: m.observed[k],
      ...(bits === undefined ? {} : { bits }),
      ...(layer && "maxError" in layer ? { maxError: layer.maxError } : {}),
    };
  });
  const lastLayer = model.layers[model.layers.length - 1];
  const compared = lastLayer.type === "argmax" ? inputsOf(lastLayer, model.layers.length - 1)[0] : model.layers.length;
  const errorBound = Math.max(...errorBounds(model, quantized, bounds)[compared]);
  const widths = quantized.layers.flatMap((l) => (l.type === "dense" || l.type === "leaky_relu" || l.type === "mul" ? [l.bits] : []));
  return {
    quantized,
    report: {
      scaleBits: quantized.scaleBits,
      scaleChosenBy: options.scaleBits !== undefined ? "flag" : "auto",
      samples: samples.length,
      maxAbsError: m.maxAbsError,
      maxRelError: m.maxRelError,
      errorBound,
      ...(m.argmaxAgreement === undefined ? {} : { argmaxAgreement: m.argmaxAgreement }),
      ranges,
      fieldHeadroomBits: 253 - (Math.max(...widths) + quantized.scaleBits + 1),
    },
  };
}

/** The report as the lines a build prints. */
export function formatReport(report: QuantizationReport): string[] {
  const lines = [
    `scale 2^${report.scaleBits} (${report.scaleChosenBy === "flag" ? "--scale-bits" : "chosen"}), error vs float on ${report.samples} samples: max ${report.maxAbsError.toPrecision(3)} (${(report.maxRelError * 100).toFixed(3)}% of the largest value)` +
      (report.argmaxAgreement === undefined ? "" : `, argmax agrees on ${(report.argmaxAgreement * 100).toFixed(1)}%`) +
      `; at most ${report.errorBound.toPrecision(3)} for every accepted input (proven${report.argmaxAgreement === undefined ? "" : ", on the scores the argmax reads"})`,
    `ranges (integers at scale 2^${report.scaleBits}; proven over every accepted input / seen on samples):`,
  ];
  for (const r of report.ranges) {
    lines.push(
      `  ${r.layer.padEnd(18)} ${r.type.padEnd(10)} n=${String(r.size).padEnd(4)} proven [${r.bound[0]}, ${r.bound[1]}]  seen [${r.observed[0]}, ${r.observed[1]}]` +
        (r.bits === undefined ? "" : `  ${r.bits} bits`) +
        (r.maxError === undefined
          ? ""
          : `  error <= ${r.maxError.toPrecision(3)} (${(r.maxError * 2 ** report.scaleBits).toFixed(2)} x 2^-${report.scaleBits}${r.type === "exp" ? ", relative where exp > 1" : ""})`),
    );
  }
  lines.push(`field headroom: ${report.fieldHeadroomBits} bits (every rescale satisfies B + S + 1 < 253)`);
  return lines;
}

export { evaluateFloat };
