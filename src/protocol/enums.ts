/**
 * The contracts' enums, member for member (test/protocol/parity.test.ts checks names and order
 * against the compiled Solidity), and the one parser and formatter of trust-level names.
 */
import { ProofgridError } from "../errors.js";

/** contracts/libraries/TrustLevels.sol */
export enum TrustLevel {
  VANILLA = 0,
  TEE = 1,
  ZK = 2,
}

/** IInferenceHub.JobStatus */
export enum JobStatus {
  None = 0,
  Requested = 1,
  Submitted = 2,
  Challenged = 3,
  Settled = 4,
  Refunded = 5,
}

/** INodeRegistry.NodeStatus */
export enum NodeStatus {
  None = 0,
  Pending = 1,
  Active = 2,
  Unbonding = 3,
}

/** Why a job's fee went back to its requester (IInferenceHub.RefundReason). */
export enum RefundReason {
  Timeout = 0,
  Fraud = 1,
  Undecided = 2,
  TimeoutExcused = 3,
  /** A fraud proof met a proof of the posted output: the release was frozen as unsound. */
  Unsound = 4,
}

/** Why a node was slashed and jailed (IInferenceHub.Penalty). */
export enum Penalty {
  Timeout = 0,
  Fraud = 1,
  Absent = 2,
}

/** A committee's verdict (IInferenceHub.Verdict). */
export enum Verdict {
  NodeRight = 0,
  Fraud = 1,
  Undecided = 2,
  /** A fraud proof's release was proven unsound before its answer window closed. */
  Unsound = 3,
}

export const REFUND_REASONS = ["timeout", "fraud", "undecided", "timeout-excused", "unsound"] as const satisfies Record<RefundReason, string>;
export type RefundReasonName = (typeof REFUND_REASONS)[number];

/** A refund reason as the hub emits it (a uint8), by name. */
export function refundReasonName(reason: number | bigint): RefundReasonName {
  const name = REFUND_REASONS[Number(reason)];
  if (name === undefined) throw new RangeError(`refund reason ${reason} is not one of the hub's (0..${REFUND_REASONS.length - 1})`);
  return name;
}

export const PENALTY_NAMES = ["missed deadline", "proven wrong", "absent from a committee"] as const satisfies Record<Penalty, string>;

export type TrustName = "vanilla" | "tee" | "zk";

export const TRUST_NAMES = ["vanilla", "tee", "zk"] as const satisfies Record<TrustLevel, TrustName>;

/** A trust-level name that is not vanilla, tee or zk. */
export class UnknownTrustLevelError extends ProofgridError {
  override name = "UnknownTrustLevelError";
  constructor(readonly value: unknown) {
    super(`trust level ${String(value)} is not one of vanilla, tee, zk`);
  }
}

/** A trust level from its name (any case) or number; throws UnknownTrustLevelError. */
export function parseTrust(value: TrustName | TrustLevel | string | number): TrustLevel {
  if (typeof value === "number") {
    if (TRUST_NAMES[value as TrustLevel] === undefined) throw new UnknownTrustLevelError(value);
    return value as TrustLevel;
  }
  const level = TRUST_NAMES.indexOf(String(value).trim().toLowerCase() as TrustName);
  if (level < 0) throw new UnknownTrustLevelError(value);
  return level as TrustLevel;
}

/** Comma-separated trust levels ("vanilla,zk"). */
export function parseTrustList(value: string): TrustLevel[] {
  return value.split(",").map((v) => parseTrust(v));
}

export function trustName(level: TrustLevel | number | bigint): TrustName {
  const name = TRUST_NAMES[Number(level) as TrustLevel];
  if (name === undefined) throw new UnknownTrustLevelError(level);
  return name;
}

/** Bit mask of trust levels, as the registries store it. */
export function levelMask(...levels: TrustLevel[]): number {
  return levels.reduce((mask, level) => mask | (1 << level), 0);
}
