/** Chain time: the latest block's timestamp, which is what every contract deadline compares against. */
import type { Provider } from "ethers";

export async function chainNow(provider: Provider): Promise<bigint> {
  return BigInt((await provider.getBlock("latest"))!.timestamp);
}
