/** Joining the node registry: stake for releases at levels, approving the stake first when needed. */
import type { Proofgrid } from "./contracts.js";
import { typed } from "./errors.js";
import { approveIfNeeded } from "./tokens.js";
import { levelMask, releaseKey, type TrustLevel } from "../protocol/index.js";

/** Joins with `stake` for `releases` at `levels` (the node activates after the registry's delay). */
export async function joinNode(contracts: Proofgrid, stake: bigint, releases: { modelId: number; version: number | bigint }[], levels: TrustLevel[]): Promise<void> {
  const { nodes, token } = contracts;
  await approveIfNeeded(token, await nodes.getAddress(), stake, { exact: true });
  const keys = releases.map((r) => releaseKey(r.modelId, r.version));
  await typed("join", async () => (await nodes.join(stake, keys, levelMask(...levels))).wait());
}
