/**
 * Build progress without a terminal (CI logs, pipes): quick steps print nothing of their own, a
 * long step prints its detail with the time left at least every 10 s, and the end says how long.
 */
import { expect } from "chai";
import { consoleProgress } from "../../src/pipeline/progress.js";

describe("pipeline: progress in a log", function () {
  it("prints a long step's detail and time left every 10 s, and no lines for quick steps", () => {
    let out = "";
    const stream = { isTTY: false, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
    let t = 0;
    const progress = consoleProgress(3, stream, () => t);
    progress.step("quantize");
    t += 200;
    progress.step("powers of tau");
    progress.detail("tauG1: 0/16383");
    // snarkjs reports "section: i/n"; 12 s per quarter, so 36 s left after the first.
    for (const i of [4096, 8192, 12288]) {
      t += 12_000;
      progress.detail(`tauG1: ${i}/16383`);
    }
    t += 1_000;
    progress.detail("tauG1: 12500/16383"); // within 10 s of the last line: not printed
    t += 12_000;
    progress.step("verifier");
    t += 100;
    progress.done();
    const lines = out.trimEnd().split("\n");
    expect(lines).to.deep.equal([
      "  powers of tau: tauG1: 4096/16383 (12.0 s, ~36 s left in tauG1)",
      "  powers of tau: tauG1: 8192/16383 (24.0 s, ~24 s left in tauG1)",
      "  powers of tau: tauG1: 12288/16383 (36.0 s, ~12 s left in tauG1)",
      "  powers of tau (49.0 s)",
      "built in 49.3 s",
    ]);
  });
});
