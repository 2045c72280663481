/**
 * Event searches that stay within the block range a JSON-RPC provider serves in one `eth_getLogs`
 * (many cap it at 1,000 to 10,000 blocks): a search over a deployment's whole history is split into
 * windows of {@link MAX_LOG_RANGE} blocks.
 */
import type { Provider } from "ethers";

/** The most blocks one `eth_getLogs` asks for. */
export const MAX_LOG_RANGE = 5_000;

/**
 * One `queryFilter` over blocks [from, to]. The newest window ends at "latest", not at a number:
 * a provider may answer `getBlockNumber` from a cache a block behind (ethers caches it briefly),
 * and an event of the block just mined must not be missed.
 */
export type LogQuery<E> = (from: number, to: number | "latest") => Promise<E[]>;

/**
 * The newest event `query` finds in blocks [fromBlock, toBlock] (toBlock: the head when absent or
 * later), searching backwards window by window from the top (a job's events are recent, so this is
 * usually one request); undefined when none.
 */
export async function newestEvent<E>(provider: Provider, fromBlock: number, query: LogQuery<E>, toBlock?: number): Promise<E | undefined> {
  const head = await provider.getBlockNumber();
  const top = toBlock === undefined || toBlock >= head ? head : toBlock;
  for (let to = top; to >= fromBlock || to === top; to -= MAX_LOG_RANGE) {
    const found = await query(Math.max(fromBlock, to - MAX_LOG_RANGE + 1), to === head ? "latest" : to);
    if (found.length > 0) return found[found.length - 1];
  }
  return undefined;
}

/** Every event `query` finds from block `fromBlock` to the head, oldest first, window by window. */
export async function allEvents<E>(provider: Provider, fromBlock: number, query: LogQuery<E>): Promise<E[]> {
  const last = await provider.getBlockNumber();
  const out: E[] = [];
  for (let from = fromBlock; ; from += MAX_LOG_RANGE) {
    const to = from + MAX_LOG_RANGE - 1;
    out.push(...(await query(from, to >= last ? "latest" : to)));
    if (to >= last) return out;
  }
}
