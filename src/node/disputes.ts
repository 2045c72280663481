/**
 * The steps of a committee dispute that anyone may take and only time unlocks: the draw (once the
 * seed block is mined) and the resolution (after the reveal window, once every seat revealed, or
 * when the draw window closed with no draw). The node runtime drives the disputes of its own
 * results and of the committees it sits on; the watcher drives the disputes it opened.
 */
import type { Signer } from "ethers";
import type { Proofgrid } from "../chain/contracts.js";
import { readPostedResult } from "../chain/jobs.js";

export type DisputeStep = "waiting" | "drawn" | "deferred" | "resolved" | "gone";

/**
 * Takes the next step of a committee dispute if it is due: draws, or resolves. Returns what it did
 * ("gone" when the dispute is resolved or does not exist, so the caller can forget it).
 */
export async function driveDispute(contracts: Proofgrid, signer: Signer, jobId: bigint): Promise<DisputeStep> {
  const { court } = contracts;
  const provider = signer.provider!;
  const [d, committee] = await court.getDispute(jobId);
  if (d.challenger === "0x0000000000000000000000000000000000000000" || d.resolved) return "gone";
  const block = (await provider.getBlock("latest"))!;
  const now = BigInt(block.timestamp);
  if (d.commitBy === 0n) {
    if (now > d.drawBy) return resolve(contracts, jobId);
    // The draw's transaction lands in the next block, which must come after the seed block.
    if (BigInt(block.number) < d.drawBlock) return "waiting";
    const receipt = (await (await court.draw(jobId)).wait())!;
    const deferred = receipt.logs.some((l) => court.interface.parseLog(l)?.name === "DrawDeferred");
    return deferred ? "deferred" : "drawn";
  }
  const seats = BigInt(committee.length);
  if (now > d.revealBy || d.revealed === seats || seats * 2n <= d.size) return resolve(contracts, jobId);
  return "waiting";
}

async function resolve(contracts: Proofgrid, jobId: bigint): Promise<DisputeStep> {
  const output = (await readPostedResult(contracts, jobId))?.output ?? [];
  await (await contracts.court.resolve(jobId, output)).wait();
  return "resolved";
}
