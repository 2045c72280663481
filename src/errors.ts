/**
 * One error base for the whole package (in the manner of viem's BaseError): a short message, the
 * details that help to fix it, and the cause chain. Subclasses name the component that failed.
 */
export class ProofgridError extends Error {
  override name = "ProofgridError";
  /** The one-line reason, without details. */
  readonly shortMessage: string;
  readonly details?: string;

  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super(options.details ? `${shortMessage}\n${options.details}` : shortMessage, { cause: options.cause });
    this.shortMessage = shortMessage;
    this.details = options.details;
  }
}

/** A model file that cannot be read: bad JSON, bad protobuf, a missing or malformed field. */
export class ModelFormatError extends ProofgridError {
  override name = "ModelFormatError";
}

/** An operator (ONNX node or JSON layer) that the pipeline does not support. */
export class UnsupportedOperatorError extends ProofgridError {
  override name = "UnsupportedOperatorError";
  constructor(
    readonly operator: string,
    readonly node: string,
    hint?: string,
  ) {
    super(`unsupported operator ${operator} at ${node}${hint ? `: ${hint}` : ""}`);
  }
}

/** Shapes that do not fit together (a layer's input size, a weight matrix, a bias). */
export class ShapeError extends ProofgridError {
  override name = "ShapeError";
}

/** A model file that names a tensor (a shape, a folded constant, a pad or a tile) larger than the pipeline's bounds. */
export class ModelBoundsError extends ShapeError {
  override name = "ModelBoundsError";
}

/** A NaN or infinite weight, or a model whose fixed-point values would not fit the field or a range check. */
export class QuantizationError extends ProofgridError {
  override name = "QuantizationError";
}

/** An inference input of the wrong length or outside the range the circuit accepts. */
export class InferenceInputError extends ProofgridError {
  override name = "InferenceInputError";
}

/** A failure of an external tool (circom, snarkjs) during a build. */
export class BuildError extends ProofgridError {
  override name = "BuildError";
}

/** The circuit computed other public signals than the fixed-point engine: a bug or a damaged build, never the input's fault. */
export class EngineCircuitMismatchError extends ProofgridError {
  override name = "EngineCircuitMismatchError";
}
