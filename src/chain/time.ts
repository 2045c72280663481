/** Chain time: the latest block's timestamp, which is what every contract deadline compares against. */
import type { Provider } from "ethers";

export async function chainNow(provider: Provider): Promise<bigint> {
  return BigInt((await provider.getBlock("latest"))!.timestamp);
}

/** How close {@link blocksAround} narrows a time down: a quarter of a log window. */
export const TIME_PRECISION_BLOCKS = 1_024;

/**
 * Blocks `[before, after]` around time `t`, from block `floor` on: `before` has a timestamp at or
 * before `t` (or is `floor`, when even it is later) and `after` one at or after `t` (or is the head,
 * when `t` is still to come), at most {@link TIME_PRECISION_BLOCKS} apart. Timestamps never decrease
 * along a chain, so a search for events between two times may start at the first's `before` and end
 * at the second's `after`. Each round either interpolates by time, reading the two blocks half the
 * precision either side of the guess, or bisects: four block reads on a chain with regular blocks,
 * and at most about 3 * log2(blocks / precision) on any other.
 */
export async function blocksAround(provider: Provider, t: bigint | number, floor: number): Promise<[number, number]> {
  const time = Number(t);
  const head = (await provider.getBlock("latest"))!;
  if (head.number <= floor) return [floor, floor];
  if (head.timestamp <= time) return [head.number, head.number];
  const first = (await provider.getBlock(floor))!;
  if (first.timestamp >= time) return [floor, floor];
  // Invariant: timestamp(lo) < time <= timestamp(hi).
  let [lo, loTime, hi, hiTime] = [floor, first.timestamp, head.number, head.timestamp];
  const half = TIME_PRECISION_BLOCKS / 2;
  for (let round = 0; hi - lo > TIME_PRECISION_BLOCKS; round++) {
    const guess = lo + Math.round(((time - loTime) * (hi - lo)) / (hiTime - loTime));
    const probes = round % 2 === 0 ? [guess - half, guess + half] : [Math.floor((lo + hi) / 2)];
    for (const probe of probes) {
      if (probe <= lo || probe >= hi) continue;
      const at = (await provider.getBlock(probe))!.timestamp;
      if (at >= time) [hi, hiTime] = [probe, at];
      else [lo, loTime] = [probe, at];
    }
  }
  return [lo, hi];
}
