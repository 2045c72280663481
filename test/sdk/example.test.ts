/**
 * examples/sdk.ts as a user runs it (a child process): deploys in-process, funds, stakes and
 * activates one node per level, settles and checks an inference at each, and then ends by itself:
 * nothing (snarkjs' worker threads, pollers) keeps the process alive.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import path from "node:path";
import { PACKAGE_ROOT } from "../../src/package.js";

describe("sdk: examples/sdk.ts", function () {
  this.timeout(300_000);

  it("settles and checks zk, tee and vanilla, and exits by itself with status 0", async () => {
    const tsx = path.join(PACKAGE_ROOT, "node_modules/tsx/dist/cli.mjs");
    const child = spawn(process.execPath, [tsx, "examples/sdk.ts"], { cwd: PACKAGE_ROOT, env: { ...process.env, CI: "true", HARDHAT_DISABLE_TELEMETRY: "true" } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    // A process that does not end on its own is the failure this test exists for: give it a
    // generous bound, then report what it printed.
    const code = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve("still running after 240 s");
      }, 240_000);
      child.on("exit", (c) => {
        clearTimeout(timer);
        resolve(c ?? -1);
      });
    });
    expect(code, out).to.equal(0);
    expect(out).to.match(/zk: job \d+ -> billing; groth16 ok; paid 4 PGT/);
    expect(out).to.match(/tee: job \d+ -> billing; enclave-signature ok; paid 2 PGT/);
    expect(out).to.match(/vanilla: job \d+ -> billing; re-execution ok; paid 1 PGT/);
  });
});
