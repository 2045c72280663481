/** Log searches split into windows a provider serves (src/chain/logs.ts). */
import { expect } from "chai";
import type { Provider } from "ethers";
import { allEvents, MAX_LOG_RANGE, newestEvent } from "../../src/chain/logs.js";

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
