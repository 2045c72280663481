/**
 * Piecewise-quadratic tables for the non-linear functions, with a proven error bound.
 *
 * A table covers a domain [lo, hi] where the function is not yet saturated; beyond it the function
 * is a constant (sigmoid, tanh, erf, exp's low end) or the identity (GELU, SiLU, HardSwish's high
 * end) to within an eighth of the output's last bit. Inside, uniform segments of 2^k inputs each
 * carry a quadratic fitted at Chebyshev nodes, with integer coefficients at 2^(2k + 4) times the
 * output scale. The smallest number of segments whose error is within 3/4 of the output's last bit
 * is chosen (at most 2^8 of them).
 *
 * The bound is absolute, except for exp, whose values span too many bits for that: its bound is
 * relative to exp(x) where exp(x) > 1 (absolute below). The stated bound is measured, not estimated: every integer input of the domain that the proven
 * input range reaches is evaluated with the engine's own integer arithmetic and compared with the
 * float function. Beyond the domain the output is y(end) + slope * (x - end), and the function minus
 * slope * x is monotonic there (true of every function here beyond its domain), so its largest
 * distance from the table is reached at the proven range's end: two more evaluations.
 */
import { ModelBoundsError, QuantizationError } from "../errors.js";
import { evalPiecewise, type FunctionName, type PiecewiseTable } from "../engine/piecewise.js";

/** erf(x) for float references: the series 2/sqrt(pi) e^(-x^2) sum 2^n x^(2n+1) / (2n+1)!!, whose
 * terms are all positive (no cancellation), to double precision for |x| < 6; +-1 beyond. */
export function erf(x: number): number {
  if (x === 0) return 0;
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  let term = ax;
  let sum = ax;
  for (let n = 1; n < 200 && term > sum * 1e-17; n++) {
    term *= (2 * ax * ax) / (2 * n + 1);
    sum += term;
  }
  return Math.sign(x) * Math.min(1, (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum);
}

/** log(1 + e^x) without overflow. */
const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

interface FunctionSpec {
  f: (x: number) => number;
  /** The ONNX way to say it, for reports. */
  title: string;
  /** Slope beyond each end; "none" when the domain must reach the proven range's end (exp). */
  lo: 0 | 1;
  hi: 0 | 1 | "none";
  /** Fixed domain ends (real), where the function is exactly constant or linear beyond them. */
  fixedLo?: number;
  fixedHi?: number;
  /** The error is relative to |f| where |f| > 1 (exp: its values span too many bits for a fixed absolute bound). */
  relative?: true;
}

/** The weight of an error at a value of f: 1, or |f| above 1 for a relative bound. */
export const errorWeight = (spec: FunctionSpec, y: number) => (spec.relative ? Math.max(1, Math.abs(y)) : 1);

export const FUNCTIONS: Record<FunctionName, FunctionSpec> = {
  sigmoid: { f: sigmoid, title: "Sigmoid", lo: 0, hi: 0 },
  tanh: { f: Math.tanh, title: "Tanh", lo: 0, hi: 0 },
  exp: { f: Math.exp, title: "Exp", lo: 0, hi: "none", relative: true },
  erf: { f: erf, title: "Erf", lo: 0, hi: 0 },
  gelu: { f: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)), title: "GELU (erf form)", lo: 0, hi: 1 },
  gelu_tanh: { f: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))), title: "GELU (tanh form)", lo: 0, hi: 1 },
  silu: { f: (x) => x * sigmoid(x), title: "SiLU / Swish", lo: 0, hi: 1 },
  hardswish: { f: (x) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6, title: "HardSwish", lo: 0, hi: 1, fixedLo: -3, fixedHi: 3 },
  softplus: { f: softplus, title: "Softplus", lo: 0, hi: 1 },
  elu: { f: (x) => (x > 0 ? x : Math.expm1(x)), title: "ELU (alpha 1)", lo: 0, hi: 1, fixedHi: 0 },
  mish: { f: (x) => x * Math.tanh(softplus(x)), title: "Mish", lo: 0, hi: 1 },
};

export interface FittedTable {
  table: PiecewiseTable;
  /** The largest |table(x) - f(x)| over every input in the proven range, in real units (divided by |f| above 1 for exp). */
  maxError: number;
  /** The table's outputs over the proven range (integers at the output scale). */
  outLo: bigint;
  outHi: bigint;
  /** floor(P / 2^shift) over the domain (the circuit's rescale, before the tails). */
  polyLo: bigint;
  polyHi: bigint;
}

/** Where g = f - slope * x is within `eps` of its limit: the domain end on one side (real units). */
function saturation(spec: FunctionSpec, side: -1 | 1, eps: number): number {
  const slope = side < 0 ? spec.lo : spec.hi === "none" ? 0 : spec.hi;
  const g = (x: number) => spec.f(x) - slope * x;
  const limit = g(side * 1e6);
  let x = side * 0.5;
  while (Math.abs(g(x) - limit) > eps) x += side * 0.25;
  return x;
}

/** Solves for the quadratic through (u_i, v_i) (Newton's divided differences), as [c0, c1, c2]. */
function interpolate(u: number[], v: number[]): number[] {
  if (u.length === 1) return [v[0], 0, 0];
  const d1 = (v[1] - v[0]) / (u[1] - u[0]);
  if (u.length === 2) return [v[0] - d1 * u[0], d1, 0];
  const d12 = (v[2] - v[1]) / (u[2] - u[1]);
  const d2 = (d12 - d1) / (u[2] - u[0]);
  // v0 + d1 (x - u0) + d2 (x - u0)(x - u1)
  return [v[0] - d1 * u[0] + d2 * u[0] * u[1], d1 - d2 * (u[0] + u[1]), d2];
}

/**
 * Fits a table for `fn` on inputs at scale 2^inScale, outputs at scale 2^outScale, for inputs in the
 * proven range [provenLo, provenHi]. Throws QuantizationError when the output cannot fit the field.
 */
/**
 * Every table's error and range are measured on every integer of its domain (exact, not
 * estimated), so a model's cost to quantize grows with its tables' domains, its scale and how many
 * scales are tried. A model file names all three for free: one quantization may evaluate at most
 * MAX_TABLE_EVALUATIONS table points in all, and a ModelBoundsError says so before a loop that
 * would pass it runs (a 228-byte JSON model once kept the quantizer busy for minutes per layer).
 */
export const MAX_TABLE_EVALUATIONS = 2 ** 25;
let evaluations = 0;
let depth = 0;

/** Runs `work` with a fresh table-evaluation budget (nested calls share the outermost one). */
export function withTableBudget<T>(work: () => T): T {
  if (depth++ === 0) evaluations = 0;
  try {
    return work();
  } finally {
    depth--;
  }
}

/** The table evaluations the last (or current) quantization spent: at most MAX_TABLE_EVALUATIONS. */
export const tableEvaluations = () => evaluations;

function chargeTable(points: bigint | number, where: string): void {
  evaluations += Number(points);
  if (evaluations > MAX_TABLE_EVALUATIONS) {
    throw new ModelBoundsError(`${where}: measuring this model's function tables needs more than ${MAX_TABLE_EVALUATIONS} exact evaluations (wide domains, a high scale, or many table layers); fix a smaller scale with --scale-bits or narrow the input range`);
  }
}

export function fitFunction(fn: FunctionName, inScale: number, outScale: number, provenLo: bigint, provenHi: bigint, where: string): FittedTable {
  const spec = FUNCTIONS[fn];
  const eps = 2 ** -(outScale + 3);
  const toInt = (x: number, round: (v: number) => number) => BigInt(round(x * 2 ** inScale));
  let lo = spec.fixedLo !== undefined ? toInt(spec.fixedLo, Math.round) : toInt(saturation(spec, -1, eps), Math.floor);
  let hi = spec.fixedHi !== undefined ? toInt(spec.fixedHi, Math.round) : spec.hi === "none" ? provenHi : toInt(saturation(spec, 1, eps), Math.ceil);
  if (spec.hi === "none") {
    const top = spec.f(Number(provenHi) / 2 ** inScale) * 2 ** outScale;
    if (!(top < 2 ** 120)) {
      throw new QuantizationError(`${where}: ${spec.title} of inputs up to ${Number(provenHi) / 2 ** inScale} does not fit the field at scale 2^${outScale}; bound the layer's input`);
    }
  }
  // Only what the proven range reaches needs a table: a narrower domain is cheaper and exact.
  if (provenLo > lo) lo = provenLo;
  if (provenHi < hi) hi = provenHi;
  if (hi < lo) hi = lo; // the whole range lies in one tail: a one-point table
  const width = Number(hi - lo);
  let W = 1;
  while (2 ** W <= width) W++;
  const scaleIn = 2 ** inScale;

  const build = (M: number): PiecewiseTable => {
    const K = Math.max(0, W - M);
    const shift = 2 * K + 4;
    const coeffs: bigint[][] = [];
    const segments = Math.floor(width / 2 ** K) + 1;
    for (let s = 0; s < segments; s++) {
      const points = Math.min(2 ** K, width - s * 2 ** K + 1);
      const nodes = Math.min(3, points);
      const mid = (points - 1) / 2;
      const u = Array.from({ length: nodes }, (_, i) => (nodes === 1 ? 0 : mid - mid * Math.cos(((2 * i + 1) * Math.PI) / (2 * nodes)) / Math.cos(Math.PI / (2 * nodes))));
      const base = Number(lo) + s * 2 ** K;
      const v = u.map((r) => spec.f((base + r) / scaleIn) * 2 ** (outScale + shift));
      const c = interpolate(u, v).map((x) => BigInt(Math.round(x)));
      c[0] += 1n << BigInt(shift - 1); // round to nearest
      coeffs.push(c);
    }
    const table: PiecewiseTable = { lo, hi, segBits: M, remBits: K, coeffs, shift, slopeLo: spec.lo, slopeHi: spec.hi === "none" ? 0 : spec.hi };
    if (fn === "exp") keepNonNegative(table);
    return table;
  };

  let best: { table: PiecewiseTable; error: number } | undefined;
  // Charged before any work: every candidate segment count (domainError, and keepNonNegative for
  // exp), then what the loop did not need is given back.
  const perCandidate = (hi - lo + 1n) * (fn === "exp" ? 2n : 1n);
  const candidates = Math.min(W, 8) + 1;
  chargeTable(perCandidate * BigInt(candidates), where);
  let tried = 0;
  for (let M = 0; M <= Math.min(W, 8); M++) {
    tried++;
    const table = build(M);
    const error = domainError(table, spec, inScale, outScale);
    if (!best || error < best.error) best = { table, error };
    if (error <= 0.75 * 2 ** -outScale) break;
  }
  evaluations -= Number(perCandidate) * (candidates - tried);
  const table = best!.table;
  chargeTable(hi - lo + 1n, where);
  let outLo = evalPiecewise(table, lo);
  let outHi = outLo;
  for (let x = lo; x <= hi; x++) {
    const y = evalPiecewise(table, x);
    if (y < outLo) outLo = y;
    if (y > outHi) outHi = y;
  }
  const [polyLo, polyHi] = [outLo, outHi];
  let maxError = best!.error;
  // The tails: the table's value at the end plus the slope, against f, at the proven range's end.
  for (const [end, far, slope] of [[lo, provenLo, table.slopeLo], [hi, provenHi, table.slopeHi]] as const) {
    if (far === end) continue;
    const y = evalPiecewise(table, far);
    if (y < outLo) outLo = y;
    if (y > outHi) outHi = y;
    const g = (x: bigint) => spec.f(Number(x) / scaleIn) - slope * (Number(x) / scaleIn);
    // exp's only tail is below its domain, where f < 1: the weight is 1 there.
    const atEnd = Math.abs(Number(evalPiecewise(table, end)) / 2 ** outScale - spec.f(Number(end) / scaleIn));
    maxError = Math.max(maxError, atEnd + Math.abs(g(far) - g(end)));
  }
  return { table, maxError, outLo, outHi, polyLo, polyHi };
}

/** Largest |table(x) - f(x)| (weighted) over the table's domain, in real units (exact integer evaluation). */
function domainError(table: PiecewiseTable, spec: FunctionSpec, inScale: number, outScale: number): number {
  let error = 0;
  for (let x = table.lo; x <= table.hi; x++) {
    const y = spec.f(Number(x) / 2 ** inScale);
    error = Math.max(error, Math.abs(Number(evalPiecewise(table, x)) / 2 ** outScale - y) / errorWeight(spec, y));
  }
  return error;
}

/** exp's table must never go below zero (softmax divides by the sum): raise a segment that dips. */
function keepNonNegative(table: PiecewiseTable): void {
  table.coeffs.forEach((c, s) => {
    let low = 0n;
    const first = table.lo + BigInt(s) * (1n << BigInt(table.remBits));
    for (let x = first; x <= table.hi && x < first + (1n << BigInt(table.remBits)); x++) {
      const y = evalPiecewise(table, x);
      if (y < low) low = y;
    }
    if (low < 0n) c[0] += -low << BigInt(table.shift);
  });
}

/**
 * The table's output range for inputs in [lo, hi]: exact (every input evaluated) when the range is
 * small, else the whole proven range's outputs `fallback`.
 */
export function rangeOn(table: PiecewiseTable, lo: bigint, hi: bigint, fallback: [bigint, bigint]): [bigint, bigint] {
  // Past the budget the whole table's output range stands in: wider, still sound, and no more work.
  if (hi - lo > 1n << 16n || evaluations + Number(hi - lo + 1n) > MAX_TABLE_EVALUATIONS) return fallback;
  evaluations += Number(hi - lo + 1n);
  let a = evalPiecewise(table, lo);
  let b = a;
  for (let x = lo + 1n; x <= hi; x++) {
    const y = evalPiecewise(table, x);
    if (y < a) a = y;
    if (y > b) b = y;
  }
  return [a, b];
}
