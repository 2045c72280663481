/**
 * Constant folding for ONNX graphs: the shape plumbing exporters write (Shape, Gather, Concat,
 * Unsqueeze, ConstantOfShape, Expand, Tile, Cast, arithmetic on constants) is evaluated at build
 * time, so that only the operators on the data reach the circuit.
 */
import { ModelBoundsError, ShapeError } from "../errors.js";

export interface Const {
  kind: "const";
  dims: number[];
  data: number[];
}

/**
 * The largest tensor the ONNX reader makes or accepts (elements), and the most numbers it creates
 * while reading one file beyond those the file holds (folded constants, broadcasts, pads, tiles,
 * identity and selection matrices). A file names shapes for free, so nothing is allocated before
 * its size passes these bounds: a 365-byte `ConstantOfShape [1, 2^28]` is refused by name, in
 * microseconds, instead of exhausting the heap.
 */
export const MAX_TENSOR_ELEMENTS = 1 << 22;
export const MAX_CREATED_NUMBERS = 1 << 24;

/** Elements of a tensor of shape `dims`: each a non-negative safe integer, the product at most MAX_TENSOR_ELEMENTS. */
export function size(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ModelBoundsError(`shape [${dims.join(", ")}] has a dimension ${d} that is not a non-negative integer`);
    n *= d;
    if (n > MAX_TENSOR_ELEMENTS) throw new ModelBoundsError(`shape [${dims.join(", ")}] has more than ${MAX_TENSOR_ELEMENTS} elements (the reader's bound for one tensor)`);
  }
  return n;
}

let created = 0;

/** Runs `read` with a fresh budget of MAX_CREATED_NUMBERS created numbers (the reader is synchronous). */
export function withCreationBudget<T>(read: () => T): T {
  const before = created;
  created = 0;
  try {
    return read();
  } finally {
    created = before;
  }
}

/** Counts `n` numbers about to be created; throws ModelBoundsError past the budget. */
export function charge(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_TENSOR_ELEMENTS) throw new ModelBoundsError(`${what} would hold ${n} numbers; the reader's bound for one tensor is ${MAX_TENSOR_ELEMENTS}`);
  created += n;
  if (created > MAX_CREATED_NUMBERS) throw new ModelBoundsError(`${what}: the file makes more than ${MAX_CREATED_NUMBERS} numbers of its own (folded constants, broadcasts, pads); refusing to read further`);
}

/** `n` copies of `value`, counted against the budget. */
export function filled(n: number, value: number, what: string): number[] {
  charge(n, what);
  return Array(n).fill(value);
}

/** The strides of a row-major tensor. */
function strides(dims: number[]): number[] {
  const s = Array(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

/** Numpy-style broadcast of two shapes. */
export function broadcastDims(a: number[], b: number[], where: string): number[] {
  const rank = Math.max(a.length, b.length);
  const pa = [...Array(rank - a.length).fill(1), ...a];
  const pb = [...Array(rank - b.length).fill(1), ...b];
  return pa.map((x, i) => {
    if (x === pb[i] || pb[i] === 1) return x;
    if (x === 1) return pb[i];
    throw new ShapeError(`${where}: shapes [${a.join(", ")}] and [${b.join(", ")}] do not broadcast`);
  });
}

/** `c` broadcast to `dims`. */
export function expandTo(c: Const, dims: number[], where: string): Const {
  const out = broadcastDims(c.dims, dims, where);
  const rank = out.length;
  const cd = [...Array(rank - c.dims.length).fill(1), ...c.dims];
  const cs = strides(cd);
  const os = strides(out);
  const n = size(out);
  charge(n, `${where}: a broadcast to [${out.join(", ")}]`);
  const data = Array.from({ length: n }, (_, flat) => {
    let at = 0;
    for (let i = 0; i < rank; i++) {
      const index = Math.floor(flat / os[i]) % out[i];
      at += (cd[i] === 1 ? 0 : index) * cs[i];
    }
    return c.data[at];
  });
  return { kind: "const", dims: out, data };
}

const BINARY: Record<string, (x: number, y: number) => number> = {
  Add: (x, y) => x + y,
  Sub: (x, y) => x - y,
  Mul: (x, y) => x * y,
  Div: (x, y) => x / y,
  Pow: (x, y) => x ** y,
  Max: (x, y) => Math.max(x, y),
  Min: (x, y) => Math.min(x, y),
  Equal: (x, y) => (x === y ? 1 : 0),
};

/** An elementwise binary operator on two constants, with broadcasting; undefined when `op` is not one. */
export function foldBinary(op: string, a: Const, b: Const, where: string): Const | undefined {
  const f = BINARY[op];
  if (!f) return undefined;
  const dims = broadcastDims(a.dims, b.dims, where);
  const x = expandTo(a, dims, where);
  const y = expandTo(b, dims, where);
  return { kind: "const", dims, data: x.data.map((v, i) => f(v, y.data[i])) };
}

/** Gather along `axis` with constant indices (negative indices count from the end). */
export function gather(c: Const, indices: Const, axis: number, where: string): Const {
  const rank = c.dims.length;
  const a = axis < 0 ? axis + rank : axis;
  const n = c.dims[a];
  const picks = indices.data.map((i) => (i < 0 ? i + n : i));
  if (picks.some((i) => i < 0 || i >= n || !Number.isInteger(i))) throw new ShapeError(`${where}: Gather index out of range for an axis of ${n}`);
  const outer = size(c.dims.slice(0, a));
  const inner = size(c.dims.slice(a + 1));
  charge(size([outer, picks.length, inner]), `${where}: a gather`);
  const data: number[] = [];
  for (let o = 0; o < outer; o++) for (const p of picks) for (let k = 0; k < inner; k++) data.push(c.data[(o * n + p) * inner + k]);
  return { kind: "const", dims: [...c.dims.slice(0, a), ...indices.dims, ...c.dims.slice(a + 1)], data };
}

/** Concat of constants along `axis`. */
export function concat(parts: Const[], axis: number, where: string): Const {
  const rank = parts[0].dims.length;
  const a = axis < 0 ? axis + rank : axis;
  const outer = size(parts[0].dims.slice(0, a));
  for (const p of parts) {
    if (p.dims.length !== rank || p.dims.some((d, i) => i !== a && d !== parts[0].dims[i])) throw new ShapeError(`${where}: Concat of shapes that differ off axis ${axis}`);
  }
  const dimsOut = [...parts[0].dims];
  dimsOut[a] = parts.reduce((s, p) => s + p.dims[a], 0);
  charge(size(dimsOut), `${where}: a concat to [${dimsOut.join(", ")}]`);
  const data: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const chunk = size(p.dims.slice(a));
      data.push(...p.data.slice(o * chunk, (o + 1) * chunk));
    }
  }
  const dims = [...parts[0].dims];
  dims[a] = parts.reduce((s, p) => s + p.dims[a], 0);
  return { kind: "const", dims, data };
}

/** The element indices [start, end) step `step` of an axis of length n, as ONNX Slice clamps them. */
export function sliceIndices(n: number, start: number, end: number, step: number): number[] {
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const norm = (v: number) => (v < 0 ? v + n : v);
  const out: number[] = [];
  if (step > 0) for (let i = clamp(norm(start), 0, n); i < clamp(norm(end), 0, n); i += step) out.push(i);
  else for (let i = clamp(norm(start), -1, n - 1); i > clamp(norm(end), -1, n - 1); i += step) out.push(i);
  return out;
}
