/** Token allowances: approve a spender only when the allowance falls short. */
import type { ContractTransactionReceipt } from "ethers";
import type { ProofgridToken } from "./types/index.js";

/**
 * Approves `spender` for `amount` when the owner's allowance is below it (`exact`: exactly the
 * amount, never more, so that nothing is left for a later call to spend; otherwise an unlimited
 * allowance, for long-running operators). Returns the approval's receipt and the allowance before
 * it, or undefined when the allowance already sufficed.
 */
export async function approveIfNeeded(
  token: ProofgridToken,
  spender: string,
  amount: bigint,
  options: { exact: boolean },
): Promise<{ receipt: ContractTransactionReceipt; previous: bigint } | undefined> {
  const owner = await (token.runner as unknown as { getAddress(): Promise<string> }).getAddress();
  const previous = await token.allowance(owner, spender);
  if (previous >= amount) return undefined;
  const receipt = (await (await token.approve(spender, options.exact ? amount : 2n ** 256n - 1n)).wait())!;
  return { receipt, previous };
}

/**
 * On local and test networks, where the signer owns the token (a faucet), mints what `account`
 * lacks of `amount`. Returns whether it minted; false when nothing was missing or the signer does
 * not own the token (then the account must be funded some other way).
 */
export async function topUpFromFaucet(token: ProofgridToken, account: string, amount: bigint): Promise<boolean> {
  const balance = await token.balanceOf(account);
  if (balance >= amount) return false;
  const signer = await (token.runner as unknown as { getAddress(): Promise<string> }).getAddress();
  if ((await token.owner()).toLowerCase() !== signer.toLowerCase()) return false;
  await (await token.mint(account, amount - balance)).wait();
  return true;
}
