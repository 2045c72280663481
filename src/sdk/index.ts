/** The proofgrid SDK. */
export { ProofgridClient, type ClientOptions } from "./client.js";
export {
  ceremonyDir,
  CeremonyPhase,
  closeCeremony,
  contributeToCeremony,
  deployVerifier,
  finalizeCeremony,
  getJob,
  keeperStep,
  openCeremony,
  registerModel,
  releaseOf,
  requestInference,
  verifyResult,
  waitForJob,
} from "./actions/index.js";
export type { ActionContext, InferenceResult, InferOptions, JobInfo, RegisterOptions, TrustName, Verification, WaitHook, WaitOptions, WaitState } from "./types.js";
export { FeeLimitError, JobNotFoundError, JobRefundedError, JobTimeoutError, ModelNotFoundError, VerificationError } from "./errors.js";
export { ContractRevertError, decodeRevert, toTypedError } from "../chain/errors.js";
export { attachProofgrid, DeploymentNotFoundError, reconnect, TOKEN, type DeploymentFile, type Proofgrid } from "../chain/contracts.js";
export { ProofgridError, InferenceInputError, ModelFormatError, ModelBoundsError, UnsupportedOperatorError, ShapeError, QuantizationError, BuildError, EngineCircuitMismatchError } from "../errors.js";
export { loadArtifacts, proveInference, releaseProver, type ModelArtifacts } from "../pipeline/prove.js";
export { TrustLevel, parseTrust, trustName } from "../protocol/index.js";
