/** A job as the hub holds it. */
import { typed } from "../../chain/errors.js";
import { readPostedResult } from "../../chain/jobs.js";
import { JobStatus, trustName } from "../../protocol/index.js";
import { JobNotFoundError } from "../errors.js";
import type { ActionContext, JobInfo } from "../types.js";

export async function getJob(context: ActionContext, jobId: bigint | number): Promise<JobInfo> {
  const id = BigInt(jobId);
  const job = await typed(`getJob(${id})`, () => context.contracts.hub.getJob(id));
  if (Number(job.status) === JobStatus.None) throw new JobNotFoundError(id);
  const posted = await readPostedResult(context.contracts, id);
  return {
    jobId: id,
    status: JobStatus[Number(job.status)] as keyof typeof JobStatus,
    trust: trustName(job.level),
    modelId: Number(job.modelId),
    version: Number(job.version),
    node: job.node,
    requester: job.requester,
    fee: job.fee,
    deadline: job.deadline,
    ...(posted ? { output: posted.output } : {}),
  };
}
