/**
 * A node's committee duty: when drawn into the committee of a disputed VANILLA result, it runs
 * the job's release itself, commits to the output's hash with a fresh salt (saved before the
 * commitment is sent, so that a restart can still reveal it), and reveals once reveals open.
 */
import { hexlify, randomBytes, ZeroHash, type Signer } from "ethers";
import type { Proofgrid } from "../chain/contracts.js";
import { readJobRequest } from "../chain/jobs.js";
import { chainNow } from "../chain/time.js";
import { evaluate } from "../engine/fixed.js";
import type { ModelArtifacts } from "../pipeline/prove.js";
import { hashValues, unpackVersion, voteCommitment } from "../protocol/index.js";
import type { NodeState } from "./state.js";

export interface CommitteeContext {
  contracts: Proofgrid;
  signer: Signer;
  address: string;
  state: NodeState;
  log: (line: string) => void;
  artifactsFor(modelId: number | bigint, version: number | bigint): Promise<ModelArtifacts | undefined>;
}

/** Takes the next step of this node's vote in job `jobId`'s committee, if one is due. */
export async function vote(ctx: CommitteeContext, jobId: bigint): Promise<void> {
  const { hub, court } = ctx.contracts;
  const { state } = ctx;
  const [d, committee] = await court.getDispute(jobId);
  const seat = committee.indexOf(ctx.address); // its index among the members (it may hold several seats)
  const key = jobId.toString();
  const forget = async () => {
    state.duties.delete(jobId);
    delete state.votes[key];
    await state.save();
  };
  if (d.resolved || seat < 0) return forget();
  const cast = await court.getVote(jobId, seat);
  const now = await chainNow(ctx.signer.provider!);
  if (cast.commitment === ZeroHash) {
    if (now > d.commitBy) return forget();
    const job = await hub.getJob(jobId);
    const artifacts = await ctx.artifactsFor(job.modelId, job.version);
    const request = await readJobRequest(ctx.contracts, jobId);
    if (!artifacts || !request) {
      ctx.log(`job ${jobId}: drawn into its committee but release ${unpackVersion(job.version)} of model #${job.modelId} is not loaded; cannot vote`);
      return forget();
    }
    const mine = { outputHash: hashValues(evaluate(artifacts.model, request.input).output), salt: hexlify(randomBytes(32)) };
    // Saved before the commitment is sent, so that a restart can still reveal it.
    state.votes[key] = mine;
    await state.save();
    await (await court.commitVote(jobId, voteCommitment(jobId, ctx.address, mine.outputHash, mine.salt))).wait();
    ctx.log(`job ${jobId}: committee vote committed`);
    return;
  }
  if (cast.outputHash !== ZeroHash) return forget();
  const revealOpen = d.committed === d.members || now > d.commitBy;
  if (now > d.revealBy) return forget();
  if (!revealOpen) return;
  const mine = state.votes[key];
  if (!mine) {
    ctx.log(`job ${jobId}: committed, but the vote's salt is lost (state file?); cannot reveal`);
    return forget();
  }
  await (await court.revealVote(jobId, mine.outputHash, mine.salt)).wait();
  ctx.log(`job ${jobId}: committee vote revealed`);
  await forget();
}
