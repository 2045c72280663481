/**
 * Waiting for a job to end. While it waits it takes the keeper steps anyone may take once they are
 * due (finalize a VANILLA result after its window, claim a missed deadline), so that a request
 * never hangs on a node that stopped; an optional hook runs on every poll (on a development chain,
 * src/devnet/time.ts moves time past windows instead of waiting them out).
 */
import { typed } from "../../chain/errors.js";
import { readPostedResult } from "../../chain/jobs.js";
import { chainNow } from "../../chain/time.js";
import { JobStatus } from "../../protocol/index.js";
import { JobTimeoutError } from "../errors.js";
import type { ActionContext, WaitOptions } from "../types.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the keeper step a job is due for, if any: `finalize` (a VANILLA result past its window)
 * or `claimTimeout` (a missed deadline). Returns the step's name and receipt, or undefined.
 */
export async function keeperStep(context: ActionContext, jobId: bigint): Promise<{ step: "finalize" | "claimTimeout"; hash: string; gasUsed: bigint } | undefined> {
  const { hub } = context.contracts;
  const job = await hub.getJob(jobId);
  const status = Number(job.status);
  if (job.deadline >= (await chainNow(context.signer.provider!))) return undefined;
  if (status === JobStatus.Submitted) {
    const posted = await readPostedResult(context.contracts, jobId);
    const r = await typed("finalize", async () => (await (await hub.finalize(jobId, posted!.output)).wait())!);
    return { step: "finalize", hash: r.hash, gasUsed: r.gasUsed };
  }
  if (status === JobStatus.Requested) {
    const r = await typed("claimTimeout", async () => (await (await hub.claimTimeout(jobId)).wait())!);
    return { step: "claimTimeout", hash: r.hash, gasUsed: r.gasUsed };
  }
  return undefined;
}

/**
 * Polls until the job is Settled or Refunded and returns that status; records keeper steps it
 * took in `txs`/`gas`. Throws JobTimeoutError after `timeoutMs`.
 */
export async function waitForJob(
  context: ActionContext,
  jobId: bigint,
  options: WaitOptions & { started?: number; txs?: Record<string, string>; gas?: Record<string, bigint> } = {},
): Promise<JobStatus.Settled | JobStatus.Refunded> {
  const { hub } = context.contracts;
  const started = options.started ?? Date.now();
  const pollMs = options.pollMs ?? 250;
  const timeoutMs = options.timeoutMs ?? 600_000;
  for (;;) {
    const job = await hub.getJob(jobId);
    const status = Number(job.status) as JobStatus;
    if (status === JobStatus.Settled || status === JobStatus.Refunded) return status;
    const now = await chainNow(context.signer.provider!);
    if ((status === JobStatus.Submitted || status === JobStatus.Requested) && now > job.deadline) {
      // Someone else may take the step first: then the next poll sees the job ended.
      const done = await keeperStep(context, jobId).catch(() => undefined);
      if (done) {
        if (options.txs) options.txs[done.step] = done.hash;
        if (options.gas) options.gas[done.step] = done.gasUsed;
      }
      continue;
    }
    if (options.onWait) {
      if (await options.onWait({ jobId, status, deadline: job.deadline, now, waitedMs: Date.now() - started, context })) continue;
    }
    if (Date.now() - started > timeoutMs) throw new JobTimeoutError(`job ${jobId} did not end within ${timeoutMs} ms (status ${JobStatus[status]})`);
    await sleep(pollMs);
  }
}
