/**
 * Time travel on development chains (the in-process network, `hardhat node`, anvil): move chain
 * time past an activation delay, a challenge window or a missed deadline instead of waiting for it.
 * Production code never calls these; the SDK takes `timeTravel()` as its wait hook.
 */
import type { Provider, Signer } from "ethers";
import { chainNow } from "../chain/time.js";
import { JobStatus } from "../protocol/index.js";
import type { WaitHook } from "../sdk/types.js";

type Rpc = { send(method: string, params: unknown[]): Promise<unknown> };
const rpc = (runner: Signer | Provider): Rpc => ("provider" in runner && runner.provider ? runner.provider : runner) as unknown as Rpc;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether the network lets us move time. */
export async function supportsTimeTravel(runner: Signer | Provider): Promise<boolean> {
  try {
    await rpc(runner).send("evm_increaseTime", [0]);
    return true;
  } catch {
    return false;
  }
}

/** Moves chain time forward by `seconds` and mines a block. */
export async function increaseTime(runner: Signer | Provider, seconds: bigint | number): Promise<void> {
  await rpc(runner).send("evm_increaseTime", [Number(seconds)]);
  await rpc(runner).send("evm_mine", []);
}

/** Mines an empty block: on an idle automining chain, its clock then follows the wall clock. */
export async function mineBlock(runner: Signer | Provider): Promise<void> {
  await rpc(runner).send("evm_mine", []);
}

/** Moves chain time to just past `timestamp` (nothing when it has passed). */
export async function increaseTimeTo(runner: Signer | Provider, timestamp: bigint): Promise<void> {
  const provider = ("provider" in runner && runner.provider ? runner.provider : runner) as Provider;
  const now = await chainNow(provider);
  if (now <= timestamp) await increaseTime(runner, timestamp - now + 1n);
}

export interface TimeTravelOptions {
  /** How long to wait for the node before moving to its deadline (default 10 s). */
  patienceMs?: number;
  /** How long watchers get to challenge a VANILLA result before the window is skipped (default 2 s). */
  challengeGraceMs?: number;
  /** Poll interval within the grace period (default 250 ms). */
  pollMs?: number;
}

/**
 * A wait hook for ProofgridClient on a development chain: gives the nodes and watchers real time
 * to act, then moves time to the next point only time can reach (a missed deadline, the end of a
 * challenge window, the next step of a committee dispute).
 */
export function timeTravel(options: TimeTravelOptions = {}): WaitHook {
  const pollMs = options.pollMs ?? 250;
  return async ({ jobId, status, deadline, now, waitedMs, context }) => {
    const { hub, court } = context.contracts;
    const signer = context.signer;
    const still = async () => Number((await hub.getJob(jobId)).status) === status;
    if (status === JobStatus.Challenged) {
      // A committee dispute: the nodes and watchers draw, vote and resolve; move time to the next
      // step that only time can reach once they had a moment to act.
      await sleep(Math.max(pollMs, 500));
      const [d] = await court.getDispute(jobId);
      if (d.resolved || !(await still())) return true;
      const next = d.commitBy === 0n ? d.drawBy : now <= d.commitBy && d.committed < d.members ? d.commitBy : d.revealBy;
      if (now <= next) await increaseTime(signer, next - now + 1n);
      return true;
    }
    if (status === JobStatus.Submitted) {
      // Give watchers some real time to challenge, then skip the rest of the window.
      const graceEnd = Date.now() + (options.challengeGraceMs ?? 2_000);
      while (Date.now() < graceEnd && (await still())) await sleep(pollMs);
      if (await still()) await increaseTime(signer, deadline - now + 1n);
      return true;
    }
    if (status === JobStatus.Requested && waitedMs > (options.patienceMs ?? 10_000)) {
      await increaseTime(signer, deadline - now + 1n);
      return true;
    }
    return false;
  };
}
