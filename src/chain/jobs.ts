/**
 * Reading jobs: a job's request as its JobRequested event records it (the hub stores only the
 * input's hash), and the output a node posted (ResultSubmitted).
 */
import type { Provider } from "ethers";
import { ProofgridError } from "../errors.js";
import type { TrustLevel } from "../protocol/index.js";
import type { Proofgrid } from "./contracts.js";
import { newestEvent } from "./logs.js";

/** A job as requested: who asked, which release, which node was drawn, the fee and the input. */
export interface JobRequest {
  jobId: bigint;
  requester: string;
  node: string;
  modelId: number;
  /** The packed release version (major << 16 | minor). */
  version: bigint;
  level: TrustLevel;
  fee: bigint;
  input: bigint[];
  /** The request's transaction. */
  transactionHash: string;
  blockNumber: number;
}

/** The fields of a JobRequested event's arguments. */
interface JobRequestedArgs {
  jobId: bigint;
  requester: string;
  node: string;
  modelId: bigint;
  version: bigint;
  level: bigint;
  fee: bigint;
  input: readonly bigint[];
}

/** A JobRequested log (as queryFilter returns it) as a JobRequest. */
export function jobRequestOf(event: { args: JobRequestedArgs; transactionHash: string; blockNumber: number }): JobRequest {
  const a = event.args;
  return {
    jobId: a.jobId,
    requester: a.requester,
    node: a.node,
    modelId: Number(a.modelId),
    version: a.version,
    level: Number(a.level) as TrustLevel,
    fee: a.fee,
    input: [...a.input],
    transactionHash: event.transactionHash,
    blockNumber: event.blockNumber,
  };
}

/** The request of job `jobId`, or undefined when there is no such job. */
export async function readJobRequest(contracts: Proofgrid, jobId: bigint): Promise<JobRequest | undefined> {
  const { hub } = contracts;
  const event = await newestEvent(providerOf(contracts), contracts.startBlock, (from, to) => hub.queryFilter(hub.filters.JobRequested(jobId), from, to));
  return event ? jobRequestOf(event) : undefined;
}

/** The output a node posted for a job, with its transaction, or undefined before any. */
export async function readPostedResult(contracts: Proofgrid, jobId: bigint): Promise<{ output: bigint[]; transactionHash: string } | undefined> {
  const { hub } = contracts;
  const event = await newestEvent(providerOf(contracts), contracts.startBlock, (from, to) => hub.queryFilter(hub.filters.ResultSubmitted(jobId), from, to));
  return event ? { output: [...event.args.output], transactionHash: event.transactionHash } : undefined;
}

/** The provider the deployment's contracts are connected through. */
export function providerOf(contracts: Proofgrid): Provider {
  const provider = contracts.hub.runner?.provider;
  if (!provider) throw new ProofgridError("the deployment's contracts are connected without a provider: cannot read events");
  return provider;
}
