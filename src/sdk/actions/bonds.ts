/** Soundness bonds: what a ZK release's owner posts so that its release serves ZK jobs. */
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
    super(`posting a soundness bond of ${needed} token-wei needs that much in ${account}, which holds ${balance}`);
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
