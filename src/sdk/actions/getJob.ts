/** A job as the hub holds it, with its request, outcome and transactions from the hub's events. */
import { typed } from "../../chain/errors.js";
import { providerOf, readJobRequest } from "../../chain/jobs.js";
import { newestEvent } from "../../chain/logs.js";
import { JobStatus, refundReasonName, trustName, unpackVersion } from "../../protocol/index.js";
import { JobNotFoundError } from "../errors.js";
import type { ActionContext, JobInfo } from "../types.js";

export async function getJob(context: ActionContext, jobId: bigint | number): Promise<JobInfo> {
  const id = BigInt(jobId);
  const { hub } = context.contracts;
  const job = await typed(`getJob(${id})`, () => hub.getJob(id));
  const request = Number(job.status) === JobStatus.None ? undefined : await readJobRequest(context.contracts, id);
  if (!request) throw new JobNotFoundError(id);
  // From the request's block, window by window (providers cap the range of one log query).
  const provider = providerOf(context.contracts);
  const from = request.blockNumber;
  const submitted = await newestEvent(provider, from, (a, b) => hub.queryFilter(hub.filters.ResultSubmitted(id), a, b));
  const settled = await newestEvent(provider, from, (a, b) => hub.queryFilter(hub.filters.JobSettled(id), a, b));
  const refunded = await newestEvent(provider, from, (a, b) => hub.queryFilter(hub.filters.JobRefunded(id), a, b));
  const txs: Record<string, string> = { request: request.transactionHash };
  if (submitted) txs.submit = submitted.transactionHash;
  if (settled && settled.transactionHash !== submitted?.transactionHash) txs.settle = settled.transactionHash;
  if (refunded) txs.refund = refunded.transactionHash;
  return {
    jobId: id,
    status: JobStatus[Number(job.status)] as keyof typeof JobStatus,
    trust: trustName(request.level),
    modelId: request.modelId,
    version: Number(request.version),
    release: unpackVersion(request.version),
    node: request.node,
    requester: request.requester,
    // The fee escrowed at request (the hub clears its slot once the job ends).
    fee: request.fee,
    deadline: job.deadline,
    ...(submitted ? { output: [...submitted.args.output] } : {}),
    ...(settled ? { settled: { node: settled.args.nodeAmount, owner: settled.args.royalty, protocol: settled.args.protocolFee } } : {}),
    ...(refunded ? { refunded: { reason: refundReasonName(refunded.args.reason), amount: refunded.args.fee } } : {}),
    txs,
  };
}
