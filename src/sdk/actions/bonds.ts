/** Soundness bonds: what a ZK release's owner posts so that its release serves ZK jobs. */
import { formatUnits } from "ethers";
import { typed } from "../../chain/errors.js";
import { approveIfNeeded } from "../../chain/tokens.js";
import { ProofgridError } from "../../errors.js";
import type { ActionContext } from "../types.js";

/** The owner's account cannot cover the bond it is asked to post. */
export class BondFundsError extends ProofgridError {
  override name = "BondFundsError";
  constructor(
    readonly account: string,
    readonly needed: bigint,
    readonly balance: bigint,
  ) {
    super(`posting a soundness bond of ${formatUnits(needed)} PGT needs that much in ${account}, which holds ${formatUnits(balance)} PGT`);
  }
}

/**
 * Posts `amount` (default: what is missing to the deployment's minimum) to a release's soundness
 * bond, approving the bonds contract for exactly that amount. Returns the bond's total.
 */
export async function postBond(context: ActionContext, modelId: number, version: number, amount?: bigint): Promise<bigint> {
  const { bonds, token } = context.contracts;
  const [minBond, bond] = await Promise.all([bonds.minBond(), bonds.bondOf(modelId, version)]);
  const held = BigInt(bond.amount);
  const needed = amount ?? (held >= minBond ? 0n : minBond - held);
  if (needed === 0n) return held;
  const account = await context.signer.getAddress();
  const balance = await token.balanceOf(account);
  if (balance < needed) throw new BondFundsError(account, needed, balance);
  await approveIfNeeded(token, await bonds.getAddress(), needed, { exact: true });
  await typed("postBond", async () => (await bonds.postBond(modelId, version, needed)).wait());
  return held + needed;
}

/** A release's bond and, once frozen, what its forfeit pays. */
export interface BondStatus {
  modelId: number;
  version: number;
  /** Tokens held (0 once withdrawn or forfeit). */
  amount: bigint;
  minBond: bigint;
  /** Whether the release serves ZK jobs (bond at the minimum, no withdrawal asked). */
  bonded: boolean;
  /** Whether the release was proven unsound and frozen for good. */
  frozen: boolean;
  /** When the owner may withdraw (0: not asked). */
  withdrawableAt: bigint;
  /** Once frozen: what ZK requesters share, until when they may claim, how many did, and each one's pay once settled. */
  forfeit?: { pool: bigint; claimsEnd: bigint; claims: number; perJob?: bigint };
}

export async function bondStatus(context: ActionContext, modelId: number, version: number): Promise<BondStatus> {
  const { bonds, models } = context.contracts;
  const [bond, forfeit, minBond, [bonded, frozen]] = await Promise.all([bonds.bondOf(modelId, version), bonds.forfeitOf(modelId, version), bonds.minBond(), models.soundnessOf(modelId, version)]);
  return {
    modelId,
    version,
    amount: BigInt(bond.amount),
    minBond,
    bonded,
    frozen,
    withdrawableAt: BigInt(bond.withdrawableAt),
    forfeit: forfeit.claimsEnd === 0n ? undefined : { pool: BigInt(forfeit.pool), claimsEnd: BigInt(forfeit.claimsEnd), claims: Number(forfeit.claims), perJob: forfeit.settled ? BigInt(forfeit.perJob) : undefined },
  };
}

/** Registers a ZK job of a frozen release for its share of the forfeit bond (paid to its requester after the window). */
export async function claimForfeit(context: ActionContext, jobId: bigint): Promise<void> {
  await typed("claim", async () => (await context.contracts.bonds.claim(jobId)).wait());
}

/** After the claim window: pays a registered job's requester. Returns what was paid. */
export async function payForfeitClaim(context: ActionContext, jobId: bigint): Promise<bigint> {
  const { bonds } = context.contracts;
  const receipt = await typed("payClaim", async () => (await bonds.payClaim(jobId)).wait());
  for (const log of receipt!.logs) {
    const parsed = bonds.interface.parseLog(log);
    if (parsed?.name === "ClaimPaid") return parsed.args.amount as bigint;
  }
  return 0n;
}
