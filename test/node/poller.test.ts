/**
 * The one polling loop of the node runtime and the watcher: one poll at a time, exponential
 * backoff while polls fail (so an RPC outage is not hammered every second), each distinct error
 * logged once, a reset on success, and a stop that waits for the poll under way.
 */
import { expect } from "chai";
import { Poller } from "../../src/chain/poller.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("chain: Poller", function () {
  it("backs off while polls fail, logs each distinct error once, and resets on success", async () => {
    const starts: number[] = [];
    const logs: string[] = [];
    let failing = true;
    const poller = new Poller(
      async () => {
        starts.push(Date.now());
        if (failing) throw new Error("connect ECONNREFUSED 127.0.0.1:8545");
      },
      { intervalMs: 20, maxBackoffMs: 160, log: (l) => logs.push(l) },
    );
    poller.start();
    await sleep(700);
    // 20 ms apart without backoff would be ~35 polls; doubling to 160 ms leaves far fewer.
    expect(starts.length).to.be.within(4, 10);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]);
    expect(gaps[gaps.length - 1]).to.be.greaterThanOrEqual(150);
    expect(logs).to.have.length(1);
    expect(logs[0]).to.match(/^poll failed \(1\): connect ECONNREFUSED 127\.0\.0\.1:8545; retrying in 40 ms, backing off$/);
    failing = false;
    await sleep(400);
    const before = starts.length;
    await sleep(200);
    expect(starts.length - before).to.be.greaterThanOrEqual(5); // back to the 20 ms interval
    await poller.stop();
    const stopped = starts.length;
    await sleep(100);
    expect(starts.length).to.equal(stopped);
  });

  it("never overlaps polls: once() joins the poll under way", async () => {
    let running = 0;
    let overlapped = false;
    const poller = new Poller(async () => {
      running++;
      if (running > 1) overlapped = true;
      await sleep(50);
      running--;
    });
    await Promise.all([poller.once(), poller.once(), poller.once()]);
    expect(overlapped).to.equal(false);
  });
});
