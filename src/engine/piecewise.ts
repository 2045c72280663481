/**
 * Non-linear functions in fixed point: piecewise quadratics over a clamped domain, and softmax.
 * The circuit templates in circuits/lib/functions.circom compute the same integers, step by step:
 *
 *   xc  = clamp(x, lo, hi)                     (a sign check per clamped end)
 *   t   = xc - lo = seg * 2^remBits + r        (one bit decomposition: seg and r are its bits)
 *   P   = c0[seg] + r * (c1[seg] + r * c2[seg])  (exact integers; two products in the circuit)
 *   y   = floor(P / 2^shift) + slopeHi * max(x - hi, 0) + slopeLo * min(x - lo, 0)
 *
 * Rounding to nearest is folded into c0 (it carries half of 2^shift). The tables are made by
 * src/pipeline/functions.ts, which also proves each table's error bound.
 */

/** The functions a piecewise table approximates. */
export const FUNCTION_NAMES = ["sigmoid", "tanh", "exp", "erf", "gelu", "gelu_tanh", "silu", "hardswish", "softplus", "elu", "mish"] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export interface PiecewiseTable {
  /** The domain [lo, hi], integers at the input's scale; inputs beyond are clamped to it. */
  lo: bigint;
  hi: bigint;
  /** Segments of 2^remBits inputs each, at most 2^segBits of them; hi - lo < 2^(segBits + remBits). */
  segBits: number;
  remBits: number;
  /** [c0, c1, c2] for every segment that meets the domain. */
  coeffs: bigint[][];
  /** The polynomial's value has 2^shift times the output's scale. */
  shift: number;
  /** Slope of the output beyond each end: 0 (a constant tail) or 1 (the input passes through). */
  slopeLo: 0 | 1;
  slopeHi: 0 | 1;
}

/** The table's output for one input: the engine's and the circuit's value. */
export function evalPiecewise(table: PiecewiseTable, x: bigint): bigint {
  const xc = x < table.lo ? table.lo : x > table.hi ? table.hi : x;
  const t = xc - table.lo;
  const seg = Number(t >> BigInt(table.remBits));
  const r = t & ((1n << BigInt(table.remBits)) - 1n);
  const [c0, c1, c2] = table.coeffs[seg];
  let y = (c0 + r * (c1 + r * c2)) >> BigInt(table.shift);
  if (table.slopeHi && x > table.hi) y += x - table.hi;
  if (table.slopeLo && x < table.lo) y += x - table.lo;
  return y;
}

/**
 * Softmax of a vector at scale 2^S: e_i = exp table(z_i - max z) at scale 2^(S+guard), then
 * floor(e_i * 2^S / sum e). The largest e is exp(0) > 0, so the sum is never zero.
 */
export function evalSoftmax(exp: PiecewiseTable, scaleBits: number, z: readonly bigint[]): bigint[] {
  const max = z.reduce((a, b) => (b > a ? b : a));
  const e = z.map((v) => evalPiecewise(exp, v - max));
  const sum = e.reduce((a, b) => a + b, 0n);
  return e.map((v) => (v << BigInt(scaleBits)) / sum);
}

/** Coefficients of the table as a multilinear polynomial in the segment's bits (see functions.circom). */
export function multilinear(table: PiecewiseTable): bigint[][] {
  const count = 1 << table.segBits;
  return [0, 1, 2].map((j) => {
    // Möbius transform over subsets of the segment bits: value(mask) = sum over sub ⊆ mask of a(sub).
    const a = Array.from({ length: count }, (_, mask) => table.coeffs[mask]?.[j] ?? 0n);
    for (let bit = 0; bit < table.segBits; bit++) {
      for (let mask = 0; mask < count; mask++) if (mask & (1 << bit)) a[mask] -= a[mask ^ (1 << bit)];
    }
    return a;
  });
}
