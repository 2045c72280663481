/** Log searches split into windows a provider serves (src/chain/logs.ts). */
import { expect } from "chai";
import type { Provider } from "ethers";
import { allEvents, MAX_LOG_RANGE, newestEvent } from "../../src/chain/logs.js";
import { blocksAround, TIME_PRECISION_BLOCKS } from "../../src/chain/time.js";

/** A chain whose head is `head`, with events at `at` (block numbers), queried window by window. */
function chain(head: number, at: number[]) {
  const windows: [number, number | "latest"][] = [];
  const provider = { getBlockNumber: async () => head } as unknown as Provider;
  const query = async (from: number, to: number | "latest") => {
    const end = to === "latest" ? head : to;
    expect(end - from + 1, "one window at most").to.be.at.most(MAX_LOG_RANGE);
    windows.push([from, to]);
    return at.filter((b) => b >= from && b <= end);
  };
  return { provider, query, windows };
}

describe("chain: log searches within a provider's range", () => {
  it("newestEvent searches backwards from the head and stops at the first window with a match", async () => {
    const c = chain(20_000, [3, 14_000, 14_001]);
    expect(await newestEvent(c.provider, 1, c.query)).to.equal(14_001);
    // The newest window ends at "latest": a provider's cached head may be a block behind.
    expect(c.windows).to.deep.equal([[15_001, "latest"], [10_001, 15_000]]);
  });

  it("newestEvent covers every block down to the start, finds nothing when there is nothing, and asks a start past the cached head up to \"latest\"", async () => {
    const c = chain(12_345, []);
    expect(await newestEvent(c.provider, 7, c.query)).to.equal(undefined);
    expect(c.windows).to.deep.equal([[7_346, "latest"], [2_346, 7_345], [7, 2_345]]);
    const found = chain(12_345, [7]);
    expect(await newestEvent(found.provider, 7, found.query)).to.equal(7);
    const ahead = chain(100, []);
    expect(await newestEvent(ahead.provider, 101, ahead.query)).to.equal(undefined);
    expect(ahead.windows).to.deep.equal([[101, "latest"]]);
  });

  it("allEvents returns every event oldest first, window by window, the last to \"latest\"; a start past the (cached) head still asks up to \"latest\"", async () => {
    const c = chain(10_001, [1, 5_000, 5_001, 10_001]);
    expect(await allEvents(c.provider, 1, c.query)).to.deep.equal([1, 5_000, 5_001, 10_001]);
    expect(c.windows).to.deep.equal([[1, 5_000], [5_001, 10_000], [10_001, "latest"]]);
    const none = chain(5, [1]);
    expect(await allEvents(none.provider, 6, none.query)).to.deep.equal([]);
    expect(none.windows).to.deep.equal([[6, "latest"]]);
  });
});

describe("chain: blocks around a time", () => {
  /** A chain of `count` blocks whose timestamps `timeOf` gives (never decreasing); counts block reads. */
  function timed(count: number, timeOf: (n: number) => number) {
    let reads = 0;
    const provider = {
      getBlock: async (tag: number | "latest") => {
        reads++;
        const number = tag === "latest" ? count - 1 : tag;
        return { number, timestamp: timeOf(number) };
      },
    } as unknown as Provider;
    return { provider, reads: () => reads };
  }

  const check = async (c: ReturnType<typeof timed>, timeOf: (n: number) => number, t: number, floor: number, head: number) => {
    const [before, after] = await blocksAround(c.provider, t, floor);
    expect(before).to.be.at.least(floor);
    expect(before <= after && after <= head).to.equal(true);
    if (before > floor) expect(timeOf(before)).to.be.at.most(t);
    if (after < head) expect(timeOf(after)).to.be.at.least(t);
    if (before > floor && after < head) expect(after - before).to.be.at.most(TIME_PRECISION_BLOCKS);
    return [before, after];
  };

  it("brackets a time within the precision in a few reads on regular blocks, and within log2 reads on irregular ones", async () => {
    const regular = (n: number) => 1_000_000 + 12 * n;
    const c = timed(4_000_000, regular);
    for (const t of [1_000_000 + 12 * 123_456, 1_000_000 + 12 * 3_999_000 + 5, 1_000_000 + 7]) {
      const before = c.reads();
      await check(c, regular, t, 0, 3_999_999);
      expect(c.reads() - before).to.be.at.most(4);
    }
    // Bursts: a long stretch of one-second blocks, then a jump of a day.
    const bursty = (n: number) => (n < 3_000_000 ? n : 3_000_000 + 86_400 + (n - 3_000_000) * 30);
    const b = timed(4_000_000, bursty);
    for (const t of [17, 2_999_999, 3_000_000 + 50_000, 3_000_000 + 86_400 + 30 * 900_000]) {
      const before = b.reads();
      await check(b, bursty, t, 0, 3_999_999);
      expect(b.reads() - before).to.be.at.most(2 + 3 * 22);
    }
  });

  it("a time before the floor gives the floor; a time to come gives the head", async () => {
    const regular = (n: number) => 100 + n;
    const c = timed(10_000, regular);
    expect(await blocksAround(c.provider, 50, 20)).to.deep.equal([20, 20]);
    expect(await blocksAround(c.provider, 1_000_000, 20)).to.deep.equal([9_999, 9_999]);
    expect(await blocksAround(c.provider, 5_000, 20_000)).to.deep.equal([20_000, 20_000]);
  });

  it("newestEvent stops at an upper block when given one", async () => {
    const c = chain(20_000, [3, 14_000, 19_000]);
    expect(await newestEvent(c.provider, 1, c.query, 15_000)).to.equal(14_000);
    expect(c.windows).to.deep.equal([[10_001, 15_000]]);
  });
});
