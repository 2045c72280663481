/**
 * Element-wise functions that exporters spell out as small graphs: PyTorch writes GELU as
 * x * (erf(x / sqrt 2) + 1) * 0.5 (or the tanh form with x * x * x), SiLU as x * Sigmoid(x), and
 * HardSwish before opset 14 as x * HardSigmoid(x). Each reads its input twice, so it is not a chain.
 *
 * Before the graph is read, every value that is an element-wise function of one tensor (through
 * Add, Sub, Mul, Div, Neg, Pow with scalar constants and with each other, and Erf, Tanh, Sigmoid,
 * HardSigmoid, Exp, Relu) is tracked as a float function of that tensor. Where such a function
 * combines two branches and equals one of the engine's tables at 257 points of [-8, 8], the whole
 * subgraph becomes that one table: cheaper than its parts, and with a proven error bound.
 */
import type { FunctionName } from "../engine/piecewise.js";
import { erf, FUNCTIONS } from "./functions.js";
import { attr, floatAttr, tensorData, type Node } from "./onnx.js";
import type onnxProto from "onnx-proto";

export interface Fusion {
  /** Node indices whose work the table does. */
  skip: Set<number>;
  /** Node index -> the table that produces its output, and the tensor it reads. */
  at: Map<number, { fn: FunctionName; source: string }>;
}

interface Univariate {
  source: string;
  f: (x: number) => number;
  /** The nodes that compute it from the source. */
  nodes: number[];
  /** True when two branches of the source meet in it. */
  branches: boolean;
}

const UNARY: Record<string, (node: Node) => (x: number) => number> = {
  Neg: () => (x) => -x,
  Erf: () => erf,
  Tanh: () => Math.tanh,
  Sigmoid: () => FUNCTIONS.sigmoid.f,
  Exp: () => Math.exp,
  Softplus: () => FUNCTIONS.softplus.f,
  Relu: () => (x) => Math.max(x, 0),
  HardSigmoid: (node) => {
    const alpha = floatAttr(node, "alpha", 0.2);
    const beta = floatAttr(node, "beta", 0.5);
    return (x) => Math.max(0, Math.min(1, alpha * x + beta));
  },
};
const BINARY: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b) => a / b,
  Pow: (a, b) => a ** b,
};

const PROBES = Array.from({ length: 257 }, (_, i) => -8 + i / 16);

function matches(f: (x: number) => number): FunctionName | undefined {
  for (const [name, spec] of Object.entries(FUNCTIONS) as [FunctionName, (typeof FUNCTIONS)[FunctionName]][]) {
    if (PROBES.every((x) => Math.abs(f(x) - spec.f(x)) <= 1e-5 * (1 + Math.abs(spec.f(x))))) return name;
  }
  return undefined;
}

export function findFusions(graph: onnxProto.onnx.IGraphProto, readers: (name: string) => number): Fusion {
  const nodes = graph.node ?? [];
  const scalars = new Map<string, number>();
  for (const init of graph.initializer ?? []) {
    const c = tensorData(init, `initializer ${init.name}`);
    if (c.data.length === 1) scalars.set(init.name ?? "", c.data[0]);
  }
  const uni = new Map<string, Univariate>();
  const of = (name: string): Univariate => uni.get(name) ?? { source: name, f: (x) => x, nodes: [], branches: false };
  nodes.forEach((node, index) => {
    const op = node.opType ?? "";
    const out = node.output?.[0] ?? "";
    const ins = (node.input ?? []).map((n) => n ?? "");
    if (op === "Constant") {
      const t = attr(node, "value")?.t;
      const c = t ? tensorData(t, `node ${index}`) : undefined;
      if (c?.data.length === 1) scalars.set(out, c.data[0]);
      else if (attr(node, "value_float")) scalars.set(out, floatAttr(node, "value_float", 0));
      return;
    }
    if (UNARY[op] && ins.length === 1) {
      const a = of(ins[0]);
      const g = UNARY[op](node);
      uni.set(out, { source: a.source, f: (x) => g(a.f(x)), nodes: [...a.nodes, index], branches: a.branches });
      return;
    }
    const combine = BINARY[op];
    if (!combine || ins.length !== 2) return;
    const [p, q] = ins;
    if (scalars.has(p) || scalars.has(q)) {
      if (scalars.has(p) && scalars.has(q)) return;
      const c = scalars.get(p) ?? scalars.get(q)!;
      const a = of(scalars.has(p) ? q : p);
      const f = scalars.has(p) ? (x: number) => combine(c, a.f(x)) : (x: number) => combine(a.f(x), c);
      uni.set(out, { source: a.source, f, nodes: [...a.nodes, index], branches: a.branches });
      return;
    }
    const a = of(p);
    const b = of(q);
    if (a.source !== b.source) return;
    uni.set(out, { source: a.source, f: (x) => combine(a.f(x), b.f(x)), nodes: [...new Set([...a.nodes, ...b.nodes, index])], branches: true });
  });

  const fusion: Fusion = { skip: new Set(), at: new Map() };
  // Largest first: a fused function whose output feeds a larger one is left to the larger.
  const candidates = [...uni.entries()].filter(([, u]) => u.branches).sort((x, y) => y[1].nodes.length - x[1].nodes.length);
  for (const [name, u] of candidates) {
    const last = u.nodes[u.nodes.length - 1];
    if (u.nodes.some((n) => fusion.skip.has(n) || fusion.at.has(n))) continue;
    // Every value made inside must be read only inside (the table replaces all of them).
    const inside = new Set(u.nodes);
    const outsideReads = u.nodes.some((n) => {
      if (n === last) return false;
      const value = nodes[n].output?.[0] ?? "";
      const insideReads = [...inside].reduce((acc, i) => acc + (nodes[i].input ?? []).filter((x) => x === value).length, 0);
      return readers(value) > insideReads;
    });
    if (outsideReads) continue;
    const fn = matches(u.f);
    if (!fn || nodes[last].output?.[0] !== name) continue;
    u.nodes.filter((n) => n !== last).forEach((n) => fusion.skip.add(n));
    fusion.at.set(last, { fn, source: u.source });
  }
  return fusion;
}
