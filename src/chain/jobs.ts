/**
 * Reading jobs: a job's request as its JobRequested event records it (the hub stores only the
 * input's hash), and the output a node posted (ResultSubmitted).
 */
import type { Provider } from "ethers";
import { ProofgridError } from "../errors.js";
import { JobStatus, TrustLevel } from "../protocol/index.js";
import type { Proofgrid } from "./contracts.js";
import { newestEvent, type LogQuery } from "./logs.js";
import { blocksAround } from "./time.js";

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

/**
 * The blocks that hold job `jobId`'s request, the result a node posted and any fraud claim or
 * challenge against it, or undefined when there is no such job. They follow from what the hub
 * stores, so no search runs over the deployment's whole history (a provider may cap a log query's
 * range, and a year of blocks is hundreds of windows): the job's deadline D (for a VANILLA result,
 * the end of its challenge window) is at most `maxJobDuration` (plus, at VANILLA, the
 * `challengeWindow`) after its request, by the terms the job was requested under, and every one of
 * those events comes by D.
 */
export async function jobBlocks(contracts: Proofgrid, jobId: bigint): Promise<{ from: number; to: number } | undefined> {
  const { hub } = contracts;
  const job = await hub.getJob(jobId);
  if (Number(job.status) === JobStatus.None) return undefined;
  const terms = await hub.termsOf(jobId);
  const deadline = Number(job.deadline);
  const span = Number(terms.maxJobDuration) + (Number(job.level) === TrustLevel.VANILLA ? Number(terms.challengeWindow) : 0);
  const provider = providerOf(contracts);
  const [from] = await blocksAround(provider, deadline - span, contracts.startBlock);
  const [, to] = await blocksAround(provider, deadline, from);
  return { from, to };
}

/** The newest event `query` finds within job `jobId`'s blocks ({@link jobBlocks}), or undefined. */
export async function jobEvent<E>(contracts: Proofgrid, jobId: bigint, query: LogQuery<E>): Promise<E | undefined> {
  const blocks = await jobBlocks(contracts, jobId);
  return blocks && (await newestEvent(providerOf(contracts), blocks.from, query, blocks.to));
}

/** The request of job `jobId`, or undefined when there is no such job. */
export async function readJobRequest(contracts: Proofgrid, jobId: bigint): Promise<JobRequest | undefined> {
  const { hub } = contracts;
  const event = await jobEvent(contracts, jobId, (from, to) => hub.queryFilter(hub.filters.JobRequested(jobId), from, to));
  return event ? jobRequestOf(event) : undefined;
}

/** The output a node posted for a job, with its transaction, or undefined before any. */
export async function readPostedResult(contracts: Proofgrid, jobId: bigint): Promise<{ output: bigint[]; transactionHash: string } | undefined> {
  const { hub } = contracts;
  const event = await jobEvent(contracts, jobId, (from, to) => hub.queryFilter(hub.filters.ResultSubmitted(jobId), from, to));
  return event ? { output: [...event.args.output], transactionHash: event.transactionHash } : undefined;
}

/** The provider the deployment's contracts are connected through. */
export function providerOf(contracts: Proofgrid): Provider {
  const provider = contracts.hub.runner?.provider;
  if (!provider) throw new ProofgridError("the deployment's contracts are connected without a provider: cannot read events");
  return provider;
}
