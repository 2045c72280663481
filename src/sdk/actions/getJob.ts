/** A job as the hub holds it, with its request, outcome and transactions from the hub's events. */
import { typed } from "../../chain/errors.js";
import { readJobRequest } from "../../chain/jobs.js";
import { JobStatus, refundReasonName, trustName, unpackVersion } from "../../protocol/index.js";
import { JobNotFoundError } from "../errors.js";
import type { ActionContext, JobInfo } from "../types.js";

export async function getJob(context: ActionContext, jobId: bigint | number): Promise<JobInfo> {
  const id = BigInt(jobId);
  const { hub } = context.contracts;
  const job = await typed(`getJob(${id})`, () => hub.getJob(id));
  const request = Number(job.status) === JobStatus.None ? undefined : await readJobRequest(context.contracts, id);
  if (!request) throw new JobNotFoundError(id);
  const from = request.blockNumber;
  const [submitted] = await hub.queryFilter(hub.filters.ResultSubmitted(id), from);
  const [settled] = await hub.queryFilter(hub.filters.JobSettled(id), from);
  const [refunded] = await hub.queryFilter(hub.filters.JobRefunded(id), from);
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
