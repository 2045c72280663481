/** What the SDK's actions take and return. */
import type { Signer } from "ethers";
import type { Proofgrid } from "../chain/contracts.js";
import type { JobStatus, RefundReasonName, TrustLevel, TrustName } from "../protocol/index.js";

export type { TrustName };

/** The chain an action runs against: the deployment's contracts, connected to `signer`. */
export interface ActionContext {
  signer: Signer;
  contracts: Proofgrid;
}

/** What a wait hook sees on each poll of a job that has not ended. */
export interface WaitState {
  jobId: bigint;
  status: JobStatus;
  /** The node's deadline, or the end of the challenge window once a VANILLA result is posted. */
  deadline: bigint;
  /** Chain time. */
  now: bigint;
  /** Milliseconds since the wait (or the request) began. */
  waitedMs: number;
  context: ActionContext;
}

/**
 * Called on every poll while a job has not ended, e.g. to move a development chain's time past a
 * window instead of waiting it out (src/devnet/time.ts). Never needed on a real network. Returns
 * true when it moved the job along (the wait then polls again at once).
 */
export type WaitHook = (state: WaitState) => Promise<boolean | void>;

export interface WaitOptions {
  /** Poll interval (default 250 ms). */
  pollMs?: number;
  /** Give up after this long (default 10 minutes): JobTimeoutError. */
  timeoutMs?: number;
  onWait?: WaitHook;
}

export interface InferOptions extends WaitOptions {
  trust: TrustName | TrustLevel;
  /** Release version (0 = latest). */
  version?: number;
  /** Added to the model's price. */
  tip?: bigint;
  /**
   * The most this request may cost (price + callback gas + tip), in token units: a higher fee is
   * refused before anything is sent (FeeLimitError). Only the fee is ever approved, never more.
   */
  maxFee?: bigint;
  /** Seconds until the node's deadline (default 600). */
  deadlineSeconds?: number;
  /** Called with the output on settlement: only the signer itself (a consumer is called back only for its own requests; a contract requests for itself). */
  consumer?: string;
  callbackGasLimit?: number;
}

export interface Verification {
  /** What was checked: "none" when nothing could be (no artifacts of the job's release). */
  method: "groth16" | "enclave-signature" | "re-execution" | "none";
  /** True only when something was checked and it held; false when unchecked or when it failed. */
  ok: boolean;
  /** Whether the client checked anything at all. */
  checked: boolean;
  detail: string;
  /**
   * For a proof: what the release's keys rest on. "development": one party made them and could
   * prove any output, so a valid proof means little; "ceremony": a multi-party phase 2 recorded
   * in the registry (`ceremonyId`), which the serving nodes checked before staking.
   */
  setup?: "development" | "ceremony";
  ceremonyId?: number;
  /** True when the release was proven unsound and frozen (ISoundnessBonds): its proofs prove nothing. */
  unsound?: boolean;
}

export interface InferenceResult {
  jobId: bigint;
  modelId: number;
  version: number;
  trust: TrustName;
  node: string;
  /** The output as the contracts hold it (fixed-point integers, or a class index after an argmax). */
  output: bigint[];
  /** The output in real units (integers / 2^S); a class index stays an index. */
  values: number[];
  /** The class label, for models that end in argmax and have labels. */
  label?: string;
  settled: true;
  verification: Verification;
  txs: Record<string, string>;
  gas: Record<string, bigint>;
  fee: { paid: bigint; node: bigint; owner: bigint; protocol: bigint };
  latencyMs: number;
}

export interface JobInfo {
  jobId: bigint;
  status: keyof typeof JobStatus;
  trust: TrustName;
  modelId: number;
  /** The packed release version (major << 16 | minor). */
  version: number;
  /** The release as "major.minor". */
  release: string;
  node: string;
  requester: string;
  /** The fee paid at request, in token units. */
  fee: bigint;
  /** The node's deadline, or the end of the challenge window once a VANILLA result is posted (unix seconds). */
  deadline: bigint;
  output?: bigint[];
  /** How a settled job's fee was split. */
  settled?: { node: bigint; owner: bigint; protocol: bigint };
  /** Why and how much a refunded job returned to its requester. */
  refunded?: { reason: RefundReasonName; amount: bigint };
  /** The job's transactions: request, submit, settle (when apart from submit), refund. */
  txs: Record<string, string>;
}

export interface RegisterOptions {
  name?: string;
  version?: [number, number];
  levels: TrustLevel[];
  /** Price per level [VANILLA, TEE, ZK] in token units. */
  prices: [bigint, bigint, bigint];
  royaltyBps?: number;
  /**
   * ZK only: the soundness bond to post, in token-wei (default: the deployment's minimum; 0n posts
   * none, and the release serves no ZK job until one is posted). Forfeit if two valid proofs of
   * different outputs for one input are ever shown.
   */
  bond?: bigint;
}
