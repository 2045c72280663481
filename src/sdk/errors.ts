/** The SDK's own errors: how a job ended, and what its caller's limits refused. */
import { ProofgridError } from "../errors.js";
import type { RefundReasonName } from "../protocol/index.js";

/** The job ended refunded: its node missed the deadline, or its result was proven wrong. */
export class JobRefundedError extends ProofgridError {
  override name = "JobRefundedError";
  constructor(
    readonly jobId: bigint,
    readonly reason: RefundReasonName,
    readonly refund: bigint,
  ) {
    super(`job ${jobId} was refunded (${reason}): ${refund} returned to the requester's hub balance`);
  }
}

/** The SDK's own check of a result failed (proof, enclave signature or re-execution). */
export class VerificationError extends ProofgridError {
  override name = "VerificationError";
}

/** Waiting for a job took longer than the caller allowed. */
export class JobTimeoutError extends ProofgridError {
  override name = "JobTimeoutError";
}

/** A request would cost more than the caller's maxFee. */
export class FeeLimitError extends ProofgridError {
  override name = "FeeLimitError";
}

/** A job id that the hub does not hold. */
export class JobNotFoundError extends ProofgridError {
  override name = "JobNotFoundError";
  constructor(readonly jobId: bigint) {
    super(`job ${jobId} does not exist`);
  }
}

/** A model name or id that the registry does not hold. */
export class ModelNotFoundError extends ProofgridError {
  override name = "ModelNotFoundError";
}
