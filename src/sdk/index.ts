/** The proofgrid SDK. */
export { FeeLimitError, ProofgridClient, deployVerifier, releaseOf } from "./client.js";
export type { ClientOptions, InferOptions, InferenceResult, JobInfo, RegisterOptions, TrustName, Verification } from "./client.js";
export { ContractRevertError, JobRefundedError, JobTimeoutError, VerificationError, decodeRevert, toTypedError } from "./errors.js";
export { ProofgridError, InferenceInputError, ModelFormatError, UnsupportedOperatorError, ShapeError, QuantizationError, BuildError } from "../errors.js";
export { loadArtifacts, proveInference, releaseProver, type ModelArtifacts } from "../pipeline/prove.js";
export { TrustLevel } from "../protocol/index.js";
