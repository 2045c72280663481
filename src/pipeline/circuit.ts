/**
 * Quantized model -> circom main circuit. The weights are written as constants (a product with a
 * constant is free in R1CS); the templates come from circuits/lib.
 *
 * Public signals, in snarkjs order (outputs first, then public inputs):
 *   outputPacked[...]  the output, packed (see src/engine/fixed.ts `pack`)
 *   binding            keccak256(chainid, hub, jobId, prover, weightsCommitment) >> 3
 *   inputPacked[...]   the input, packed
 */
import { layerInputs, packedLength, valueSizes, valuesPerElement, type QuantizedModel } from "../engine/fixed.js";
import { multilinear, type PiecewiseTable } from "../engine/piecewise.js";
import { BuildError } from "../errors.js";

/** Non-linear constraints of one Piecewise (circuits/lib/functions.circom). */
function piecewiseCost(t: PiecewiseTable, bits: number, clampLo?: number, clampHi?: number): number {
  const M = t.segBits;
  return (clampLo ? clampLo + 1 : 0) + (clampHi ? clampHi + 1 : 0) + M + t.remBits + (2 ** M - M - 1) + 2 + t.shift + bits;
}

/** Products of one Piecewise that circom's --O2 folds: t2 = c2 * r when c2 is constant, t1 = (c1 + t2) * r when c2 is 0 and c1 constant. */
function piecewiseFolded(t: PiecewiseTable): number {
  const [, a1, a2] = multilinear(t);
  const constant = (row: bigint[]) => row.every((v, mask) => mask === 0 || v === 0n);
  return (constant(a2) ? 1 : 0) + (constant(a2) && a2[0] === 0n && constant(a1) ? 1 : 0);
}

/** The circom arguments of a table, after the var holding its coefficients. */
function piecewiseArgs(t: PiecewiseTable, coeffs: string, bits: number, clampLo?: number, clampHi?: number): string {
  return `${t.lo}, ${t.hi}, ${clampLo ?? 0}, ${clampHi ?? 0}, ${t.segBits}, ${t.remBits}, ${coeffs}, ${t.shift}, ${bits}, ${t.slopeLo}, ${t.slopeHi}`;
}

export interface CircuitLayout {
  template: string;
  /** Number of public signals and where each group starts. */
  publicSignals: number;
  outputPacked: number;
  inputPacked: number;
  /** The name of the vector after each layer in the witness (`main.v<k>[i]`); index 0 is the input. */
  traceSignals: string[];
  /** The non-linear constraints the templates cost, counted from their parameters (circom --O0). */
  expectedNonLinear: number;
  /**
   * The same after circom's --O2, which the build uses: a table whose quadratic (and linear) part is
   * the same on every segment turns its product with the remainder into a linear constraint, which
   * the optimizer removes. Exactly this many non-linear constraints must be in the built r1cs.
   */
  expectedOptimized: number;
}

/**
 * Generated code carries no text from a model file: layers are named by index, the template has
 * one fixed name, and the header lines the build adds are hashes. This check, on every source the
 * pipeline writes, keeps it so: printable ASCII and newlines only, no block comment, and every
 * comment one of the generator's own (a `//` line or a trailing `//` after code on its line).
 */
export function assertGeneratedText(source: string, what: string): void {
  const bad = /[^\x20-\x7e\n]/.exec(source);
  if (bad) throw new BuildError(`${what}: generated text holds character ${JSON.stringify(bad[0])} at ${bad.index}; model text must never reach generated code`);
  if (source.includes("/*") || source.includes("*/")) throw new BuildError(`${what}: generated text holds a block comment marker; model text must never reach generated code`);
}

/** The main template's name: the same for every model (the model's name is not under the weights commitment). */
export const MAIN_TEMPLATE = "ProofgridModel";

function list(values: readonly bigint[]): string {
  return `[${values.join(", ")}]`;
}

/** The layout of a model's circuit, without generating it. */
export function circuitLayout(model: QuantizedModel): CircuitLayout {
  const S = model.scaleBits;
  const outputPacked = packedLength(model.output);
  const inputPacked = packedLength(model.input);
  const sizes = valueSizes(model);
  // binding square + input decomposition + output range checks
  let cost = 1 + model.input.size * model.input.bits + model.output.size * model.output.bits;
  let folded = 0;
  model.layers.forEach((layer, index) => {
    const n = sizes[layerInputs(layer, index)[0]];
    switch (layer.type) {
      case "dense":
        cost += layer.weights.length * (S + layer.bits);
        break;
      case "relu":
        cost += n * (1 + (layer.signBits ?? 0));
        break;
      case "leaky_relu":
        cost += n * (S + layer.bits + 1 + (layer.signBits ?? 0));
        break;
      case "argmax":
        cost += n * (layer.bits + 2);
        break;
      case "fn":
        cost += n * piecewiseCost(layer.table, layer.bits, layer.clampLo, layer.clampHi);
        folded += n * piecewiseFolded(layer.table);
        break;
      case "softmax":
        cost += n * (layer.inBits + 2 + piecewiseCost(layer.exp, layer.bits, layer.clampLo) + S + 2 + 2 * layer.sumBits);
        folded += n * piecewiseFolded(layer.exp);
        break;
      case "mul":
        cost += n * (1 + S + layer.bits);
        break;
      case "add":
      case "concat":
        break;
    }
  });
  return {
    template: MAIN_TEMPLATE,
    publicSignals: outputPacked + 1 + inputPacked,
    outputPacked,
    inputPacked,
    traceSignals: ["v0", ...model.layers.map((_, k) => `v${k + 1}`)],
    expectedNonLinear: cost,
    expectedOptimized: cost - folded,
  };
}

/**
 * The main circuit's source: a function of what the weights commitment covers (scale, encodings,
 * layers and their parameters), never of the model's name, version, labels or layer names.
 * `header` lines go into the leading comment and must be the pipeline's own text (hashes).
 */
export function generateCircuit(model: QuantizedModel, header: string[] = [], options: { weightsAsInputs?: boolean } = {}): string {
  const layout = circuitLayout(model);
  const S = model.scaleBits;
  const out: string[] = [];
  const w = (line = "") => out.push(line);
  w("// GENERATED by `proofgrid model build`. Do not edit: change the model file and build again.");
  for (const line of header) w(`// ${line}`);
  w("pragma circom 2.1.9;");
  w();
  w('include "proofgrid.circom";');
  if (options.weightsAsInputs) w('include "baseline.circom"; // benchmark baseline: weights as private inputs');
  w();
  w(`// Scale 2^${S}, ${model.input.size} inputs in [${model.input.lo}, ${model.input.lo + (1n << BigInt(model.input.bits)) - 1n}], ${model.layers.length} layers.`);
  w(`template ${layout.template}() {`);
  w("    signal input binding;");
  w(`    signal input inputPacked[${layout.inputPacked}];`);
  w(`    signal output outputPacked[${layout.outputPacked}];`);
  w();
  w("    component bind = Binding();");
  w("    bind.in <== binding;");
  w();
  w(`    // Inputs: ${model.input.bits}-bit offsets from ${model.input.lo}; unpacking range-checks them.`);
  w(`    component unpack = Unpack(${model.input.size}, ${model.input.bits}, ${valuesPerElement(model.input.bits)});`);
  w("    unpack.packed <== inputPacked;");
  w(`    signal v0[${model.input.size}];`);
  w(`    for (var i = 0; i < ${model.input.size}; i++) {`);
  w(`        v0[i] <== unpack.out[i] + (${model.input.lo});`);
  w("    }");
  const sizes = valueSizes(model);
  /** The sign bits of a value made by a rescale (dense, mul): a ReLU reading it needs no comparison. */
  const signs: (string | undefined)[] = [];
  model.layers.forEach((layer, index) => {
    const k = index + 1;
    const from = layerInputs(layer, index);
    const prev = `v${from[0]}`;
    let n = sizes[from[0]];
    let sign = signs[from[0]];
    w();
    switch (layer.type) {
      case "add":
        w(`    // layer ${index} (${layer.type}): v${from[0]} ${layer.subtract ? "-" : "+"} v${from[1]}, element-wise (linear).`);
        w(`    signal v${k}[${n}];`);
        w(`    for (var i = 0; i < ${n}; i++) {`);
        w(`        v${k}[i] <== v${from[0]}[i] ${layer.subtract ? "-" : "+"} v${from[1]}[i];`);
        w("    }");
        return;
      case "concat": {
        w(`    // layer ${index} (${layer.type}): ${from.map((i) => `v${i}`).join(", ")}, one after the other (linear).`);
        w(`    signal v${k}[${sizes[k]}];`);
        let offset = 0;
        for (const i of from) {
          w(`    for (var i = 0; i < ${sizes[i]}; i++) {`);
          w(`        v${k}[${offset} + i] <== v${i}[i];`);
          w("    }");
          offset += sizes[i];
        }
        return;
      }
      case "mul":
        w(`    // layer ${index} (${layer.type}): v${from[0]} * v${from[1]}, element-wise, rescaled to ${layer.bits} bits.`);
        w(`    component mul${k} = MulVector(${n}, ${S}, ${layer.bits});`);
        w(`    mul${k}.a <== v${from[0]};`);
        w(`    mul${k}.b <== v${from[1]};`);
        w(`    signal v${k}[${n}];`);
        w(`    v${k} <== mul${k}.out;`);
        signs[k] = `mul${k}.nonneg`;
        return;
      case "dense": {
        const nIn = n;
        n = layer.weights.length;
        w(`    // layer ${index} (${layer.type}): dense ${nIn} -> ${n}, then rescale to ${layer.bits} bits.`);
        if (options.weightsAsInputs) {
          w(`    signal input W${k}[${n}][${nIn}];`);
          w(`    signal input B${k}[${n}];`);
          w(`    component dense${k} = DensePrivate(${nIn}, ${n});`);
          w(`    dense${k}.W <== W${k};`);
          w(`    dense${k}.b <== B${k};`);
        } else {
          w(`    var W${k}[${n}][${nIn}] = [`);
          layer.weights.forEach((row, j) => w(`        ${list(row)}${j + 1 < n ? "," : ""}`));
          w("    ];");
          w(`    var B${k}[${n}] = ${list(layer.bias)};`);
          w(`    component dense${k} = Dense(${nIn}, ${n}, W${k}, B${k});`);
        }
        w(`    dense${k}.in <== ${prev};`);
        w(`    component rescale${k} = RescaleVector(${n}, ${S}, ${layer.bits});`);
        w(`    rescale${k}.in <== dense${k}.out;`);
        w(`    signal v${k}[${n}];`);
        w(`    v${k} <== rescale${k}.out;`);
        signs[k] = `rescale${k}.nonneg`;
        return;
      }
      case "relu":
      case "leaky_relu": {
        if (layer.signBits !== undefined || sign === undefined) {
          w(`    component sign${k} = SignVector(${n}, ${layer.signBits});`);
          w(`    sign${k}.in <== ${prev};`);
          sign = `sign${k}.nonneg`;
        }
        if (layer.type === "relu") {
          w(`    // layer ${index} (${layer.type}): ReLU, one product per value with the sign bit.`);
          w(`    component relu${k} = ReluVector(${n});`);
        } else {
          w(`    // layer ${index} (${layer.type}): LeakyReLU with slope ${layer.alpha} / 2^${S}.`);
          w(`    component relu${k} = LeakyReluVector(${n}, ${S}, ${layer.alpha}, ${layer.bits});`);
        }
        w(`    relu${k}.in <== ${prev};`);
        w(`    relu${k}.nonneg <== ${sign};`);
        w(`    signal v${k}[${n}];`);
        w(`    v${k} <== relu${k}.out;`);
        return;
      }
      case "argmax": {
        w(`    // layer ${index} (${layer.type}): index of the first maximum of ${n} values of ${layer.bits} bits.`);
        w(`    component argmax${k} = Argmax(${n}, ${layer.bits});`);
        w(`    argmax${k}.in <== ${prev};`);
        w(`    signal v${k}[1];`);
        w(`    v${k}[0] <== argmax${k}.index;`);
        return;
      }
      case "fn":
      case "softmax": {
        const t = layer.type === "fn" ? layer.table : layer.exp;
        const a = multilinear(t);
        w(`    // layer ${index} (${layer.type}): ${layer.type === "fn" ? layer.fn : "softmax"}, ${t.coeffs.length} quadratic segments; error <= ${layer.maxError.toPrecision(3)}.`);
        w(`    var A${k}[3][${a[0].length}] = [${a.map(list).join(", ")}];`);
        if (layer.type === "fn") {
          w(`    component fn${k} = PiecewiseVector(${n}, ${piecewiseArgs(t, `A${k}`, layer.bits, layer.clampLo, layer.clampHi)});`);
        } else {
          w(`    component fn${k} = Softmax(${n}, ${layer.inBits}, ${t.lo}, ${layer.clampLo ?? 0}, ${t.segBits}, ${t.remBits}, A${k}, ${t.shift}, ${layer.bits}, ${S}, ${layer.sumBits});`);
        }
        w(`    fn${k}.in <== ${prev};`);
        w(`    signal v${k}[${n}];`);
        w(`    v${k} <== fn${k}.out;`);
        return;
      }
    }
  });
  const last = `v${model.layers.length}`;
  w();
  w(`    // Outputs: ${model.output.bits}-bit offsets from ${model.output.lo}, each range-checked before packing (one packing, one output).`);
  w(`    component pack = PackChecked(${model.output.size}, ${model.output.bits}, ${valuesPerElement(model.output.bits)});`);
  w(`    for (var i = 0; i < ${model.output.size}; i++) {`);
  w(`        pack.in[i] <== ${last}[i] - (${model.output.lo});`);
  w("    }");
  w("    outputPacked <== pack.packed;");
  w("}");
  w();
  w(`component main {public [binding, inputPacked]} = ${layout.template}();`);
  const source = out.join("\n") + "\n";
  assertGeneratedText(source, "the circuit");
  return source;
}
