/**
 * A small fixed-point evaluator for dense/ReLU networks. Values are integers at scale 2^scaleBits;
 * a dense layer computes floor((W·x) / 2^scaleBits) + b with W, x and b at that scale, so every
 * node gets the same integers (BigInt arithmetic, no floating point).
 */
export interface DenseLayer {
  /** Weights as real numbers, laid out [out][in]. */
  weights: number[][];
  bias: number[];
  relu: boolean;
}

export interface Mlp {
  inputSize: number;
  scaleBits: number;
  layers: DenseLayer[];
  labels?: string[];
}

export class EngineInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EngineInputError";
  }
}

/** Rounds a real value to fixed point at 2^scaleBits. */
export function toFixed(x: number, scaleBits: number): bigint {
  if (!Number.isFinite(x)) throw new EngineInputError(`value ${x} is not finite`);
  return BigInt(Math.round(x * 2 ** scaleBits));
}

export function fromFixed(x: bigint, scaleBits: number): number {
  return Number(x) / 2 ** scaleBits;
}

/** Floor division by 2^k for signed BigInts (an arithmetic shift). */
function floorShift(z: bigint, k: number): bigint {
  return z >> BigInt(k);
}

/** Runs the network on fixed-point inputs and returns fixed-point outputs. */
export function evaluate(model: Mlp, input: readonly bigint[]): bigint[] {
  if (input.length !== model.inputSize) {
    throw new EngineInputError(`input has ${input.length} values, the model takes ${model.inputSize}`);
  }
  let x = [...input];
  model.layers.forEach((layer, li) => {
    const y: bigint[] = [];
    for (let o = 0; o < layer.weights.length; o++) {
      const row = layer.weights[o];
      if (row.length !== x.length) throw new EngineInputError(`layer ${li}: row ${o} has ${row.length} weights for ${x.length} inputs`);
      let z = 0n;
      for (let i = 0; i < row.length; i++) z += toFixed(row[i], model.scaleBits) * x[i];
      let v = floorShift(z, model.scaleBits) + toFixed(layer.bias[o], model.scaleBits);
      if (layer.relu && v < 0n) v = 0n;
      y.push(v);
    }
    x = y;
  });
  return x;
}

/** Index of the largest value (the first on ties). */
export function argmax(values: readonly bigint[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
