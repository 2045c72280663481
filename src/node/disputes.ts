/**
 * The steps of a dispute that anyone may take and only time unlocks. A committee dispute: the draw
 * (once the seed block is mined) and the resolution (after the reveal window, once every seat
 * revealed, or when the draw window closed with no draw). A fraud proof: the answer, when the
 * claimed output is not what the model computes (a proof of the true output beside the claim's
 * proves the release unsound), and the resolution (at once after a freeze, else after the answer
 * window). The node runtime drives the disputes of its own results and of the committees it sits
 * on; the watcher drives the disputes it opened and answers forged fraud proofs it can check.
 */
import { AbiCoder, keccak256, type Signer } from "ethers";
import type { Proofgrid } from "../chain/contracts.js";
import { jobEvent, readJobRequest, readPostedResult } from "../chain/jobs.js";
import { typed } from "../chain/errors.js";
import { evaluate } from "../engine/fixed.js";
import { proveInference, type ModelArtifacts } from "../pipeline/prove.js";
import { hashValues } from "../protocol/index.js";

export type DisputeStep = "waiting" | "drawn" | "deferred" | "answered" | "resolved" | "gone";

/** The checked artifacts of a release, when the caller serves or watches it. */
export type ArtifactsFor = (modelId: bigint, version: bigint) => Promise<ModelArtifacts | undefined>;

/**
 * Takes the next step of a dispute if it is due: draws, answers a forged fraud proof (with
 * `artifactsFor` of the job's release), or resolves. Returns what it did ("gone" when the dispute
 * is resolved or does not exist, so the caller can forget it).
 */
export async function driveDispute(contracts: Proofgrid, signer: Signer, jobId: bigint, artifactsFor?: ArtifactsFor): Promise<DisputeStep> {
  const { court } = contracts;
  const provider = signer.provider!;
  const [d] = await court.getDispute(jobId);
  if (d.challenger === "0x0000000000000000000000000000000000000000" || d.resolved) return "gone";
  const block = (await provider.getBlock("latest"))!;
  const now = BigInt(block.timestamp);
  if (d.byProof) {
    const job = await contracts.hub.getJob(jobId);
    const [, frozen] = await contracts.models.soundnessOf(job.modelId, job.version);
    if (frozen || now > d.drawBy) return resolve(contracts, jobId);
    const artifacts = await artifactsFor?.(job.modelId, job.version);
    if (artifacts && (await answerFraudClaim(contracts, signer, artifacts, jobId))) {
      await resolve(contracts, jobId);
      return "answered";
    }
    return "waiting";
  }
  if (d.commitBy === 0n) {
    if (now > d.drawBy) return resolve(contracts, jobId);
    // The draw's transaction lands in the next block, which must come after the seed block.
    if (BigInt(block.number) < d.drawBlock) return "waiting";
    const receipt = (await (await court.draw(jobId)).wait())!;
    const deferred = receipt.logs.some((l) => court.interface.parseLog(l)?.name === "DrawDeferred");
    return deferred ? "deferred" : "drawn";
  }
  // Due after the reveal window, or once every member revealed (at once when no seat was filled).
  if (now > d.revealBy || d.revealed === d.members) return resolve(contracts, jobId);
  return "waiting";
}

async function resolve(contracts: Proofgrid, jobId: bigint): Promise<DisputeStep> {
  const output = (await readPostedResult(contracts, jobId))?.output ?? [];
  await (await contracts.court.resolve(jobId, output)).wait();
  return "resolved";
}

/**
 * Answers a fraud proof whose claimed output is not the model's output on the job's input while the
 * posted one is: proves the true output (bound to the bonds contract and this signer) and shows both
 * proofs to the bonds contract, which freezes the release as unsound. Returns whether it did; false
 * when the claim is right (or the posted output is wrong too), so there is nothing to answer.
 */
export async function answerFraudClaim(contracts: Proofgrid, signer: Signer, artifacts: ModelArtifacts, jobId: bigint): Promise<boolean> {
  const { court, bonds, hub } = contracts;
  const claim = await jobEvent(contracts, jobId, (from, to) => court.queryFilter(court.filters.FraudClaimed(jobId), from, to));
  const input = (await readJobRequest(contracts, jobId))?.input;
  const posted = (await readPostedResult(contracts, jobId))?.output;
  if (!claim || !input || !posted) return false;
  const truth = evaluate(artifacts.model, input).output;
  if (hashValues(truth) !== hashValues(posted) || hashValues(truth) === hashValues([...claim.args.output])) return false;
  const me = await signer.getAddress();
  const { chainId } = await signer.provider!.getNetwork();
  const bondsAddress = await bonds.getAddress();
  const proof = await proveInference(artifacts, input, { chainId, hub: bondsAddress, jobId, prover: me });
  const job = await hub.getJob(jobId);
  const claimed = { hub: await court.getAddress(), jobId, prover: claim.args.challenger, output: [...claim.args.output], proof: claim.args.proof };
  const ours = { hub: bondsAddress, jobId, prover: me, output: proof.output, proof: proof.calldata };
  // Commit to the evidence first (mined), then show it: a copy of the second transaction from the
  // mempool cannot take the reporter's share.
  const digest = await bonds.evidenceDigest(job.modelId, job.version, input, claimed, ours);
  await typed("commitEquivocation", async () => (await bonds.commitEquivocation(equivocationCommitment(me, digest))).wait());
  try {
    await typed("proveEquivocation", async () => (await bonds.proveEquivocation(job.modelId, job.version, input, claimed, ours, me)).wait());
  } catch (error) {
    // Someone froze the release first (a copy from the mempool naming another reporter, say):
    // the share waits for a reporter whose commitment is older than the freeze.
    const [, frozen] = await contracts.models.soundnessOf(job.modelId, job.version);
    if (!frozen) throw error;
    if ((await bonds.forfeitOf(job.modelId, job.version)).reward !== 0n) {
      await typed("claimReporterReward", async () => (await bonds.claimReporterReward(job.modelId, job.version, input, claimed, ours, me)).wait());
    }
  }
  return true;
}

/** The commitment a reporter records before showing evidence: keccak256(abi.encode(reporter, digest)). */
export function equivocationCommitment(reporter: string, digest: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["address", "bytes32"], [reporter, digest]));
}
