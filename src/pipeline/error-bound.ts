/**
 * A proven bound on |fixed-point output - float output| for every input the model accepts, carried
 * through the graph value by value (forward error analysis over the quantizer's proven ranges):
 *
 *   input        half a last bit (the input is rounded to 2^-S)
 *   dense        sum_i |Wq| e_i + |Wq - W| (|x_i| + e_i), + |Bq - b|, + 2^-S (the floor)
 *   relu         e (1-Lipschitz, exact)
 *   leaky relu   e + |aq - a| |x| + 2^-S
 *   function     L e + the table's bound (L: the function's largest slope; exp's at the range's top)
 *   softmax      max_j e_j / 2 (softmax is 1/2-Lipschitz in the max norm) + the layer's bound
 *   add, sub     e_a + e_b;   concat: each its own
 *   mul          |a| e_b + (|b| + e_b) e_a + 2^-S
 *
 * |x| is the largest magnitude of the quantized value (from its proven range) plus its own bound.
 * The bound holds for every accepted input; the report's sampled error is usually far below it.
 */
import { layerInputs, type QuantizedModel } from "../engine/fixed.js";
import type { FunctionName } from "../engine/piecewise.js";
import type { FloatModel } from "./model.js";

/** sup |f'| over the reals, rounded up (checked numerically in test/pipeline/functions.test.ts); exp has none. */
export const LIPSCHITZ: Record<Exclude<FunctionName, "exp">, number> = {
  sigmoid: 0.25,
  tanh: 1,
  erf: 1.1284, // 2 / sqrt(pi) = 1.12838
  gelu: 1.1291, // at x = sqrt 2: 1.12899
  gelu_tanh: 1.1295,
  silu: 1.0999, // 1.09984
  hardswish: 1.5,
  softplus: 1,
  elu: 1,
  mish: 1.0892, // 1.08873 near x = 1.19
};

/**
 * The bound for every value of the model (index 0: the input), per element, in real units; the
 * output of an argmax has none (a class), so its entry is empty.
 */
export function errorBounds(model: FloatModel, quantized: QuantizedModel, bounds: [bigint, bigint][][]): number[][] {
  const S = quantized.scaleBits;
  const last = 2 ** -S;
  const magnitude = (k: number) => bounds[k].map(([lo, hi]) => Math.max(Math.abs(Number(lo)), Math.abs(Number(hi))) / 2 ** S);
  const errors: number[][] = [Array(model.inputSize).fill(last / 2)];
  quantized.layers.forEach((layer, index) => {
    const from = layerInputs(layer, index);
    const e = errors[from[0]];
    const m = magnitude(from[0]);
    const float = model.layers[index];
    switch (layer.type) {
      case "dense": {
        if (float.type !== "dense") throw new Error("the float and quantized layers differ");
        errors.push(
          layer.weights.map((row, j) => {
            let acc = Math.abs(Number(layer.bias[j]) / 2 ** (2 * S) - float.bias[j]) + last;
            row.forEach((w, i) => {
              const wq = Number(w) / 2 ** S;
              acc += Math.abs(wq) * e[i] + Math.abs(wq - float.weights[j][i]) * (m[i] + e[i]);
            });
            return acc;
          }),
        );
        break;
      }
      case "relu":
        errors.push([...e]);
        break;
      case "leaky_relu": {
        if (float.type !== "leaky_relu") throw new Error("the float and quantized layers differ");
        const da = Math.abs(Number(layer.alpha) / 2 ** S - float.alpha);
        errors.push(e.map((x, i) => x + da * (m[i] + x) + last));
        break;
      }
      case "fn": {
        const top = Math.max(...bounds[from[0]].map(([, hi]) => Number(hi))) / 2 ** S;
        const slope = layer.fn === "exp" ? Math.exp(top + Math.max(...e)) : LIPSCHITZ[layer.fn];
        const table = layer.fn === "exp" ? layer.maxError * Math.max(1, Math.exp(top)) : layer.maxError;
        errors.push(e.map((x) => slope * x + table));
        break;
      }
      case "softmax":
        errors.push(e.map(() => Math.max(...e) / 2 + layer.maxError));
        break;
      case "add":
        errors.push(e.map((x, i) => x + errors[from[1]][i]));
        break;
      case "concat":
        errors.push(from.flatMap((k) => errors[k]));
        break;
      case "mul": {
        const [eb, mb] = [errors[from[1]], magnitude(from[1])];
        errors.push(e.map((x, i) => m[i] * eb[i] + (mb[i] + eb[i]) * x + last));
        break;
      }
      case "argmax":
        errors.push([]);
        break;
    }
  });
  return errors;
}
