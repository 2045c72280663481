/**
 * The README's command blocks, as written: every ```sh block marked "tested" runs in bash (-e, so
 * any failing command fails the test) from the repository's root, against the chain it starts
 * itself, with its background nodes started and stopped by PID. So the README cannot drift from
 * the code. The local deployments file and the logs the blocks write are put back as they were.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { PACKAGE_ROOT } from "../src/package.js";
import { freePort } from "./support/processes.js";

const MARK = "<!-- tested: test/readme.test.ts runs this block as written -->";

async function testedBlocks(): Promise<string[]> {
  const readme = await readFile(path.join(PACKAGE_ROOT, "README.md"), "utf8");
  return readme
    .split(MARK)
    .slice(1)
    .map((after) => {
      const match = /^\s*```sh\n([\s\S]*?)\n```/.exec(after);
      if (!match) throw new Error(`a "tested" mark in README.md is not followed by a sh block: ${after.slice(0, 80)}`);
      return match[1];
    });
}

function bash(script: string, env: NodeJS.ProcessEnv, boundMs: number): Promise<{ code: number | string; out: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-euo", "pipefail", "-c", script], { cwd: PACKAGE_ROOT, env: { ...process.env, ...env }, detached: true });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    // A block that does not end by itself is a failure: kill its whole process group and report.
    const timer = setTimeout(() => {
      process.kill(-child.pid!, "SIGKILL");
      resolve({ code: `still running after ${boundMs / 1000} s`, out });
    }, boundMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out });
    });
  });
}

describe("README: every tested command block runs as written", function () {
  this.timeout(600_000);
  const deployments = path.join(PACKAGE_ROOT, "deployments/31337.json");
  const logs = ["chain.log", "node-a.log", "node-b.log"].map((f) => path.join(PACKAGE_ROOT, f));
  let saved: string | undefined;

  before(async () => {
    saved = existsSync(deployments) ? await readFile(deployments, "utf8") : undefined;
  });
  after(async () => {
    if (saved === undefined) await rm(deployments, { force: true });
    else await writeFile(deployments, saved);
    for (const log of logs) await rm(log, { force: true });
  });

  it("finds the blocks the README marks as tested", async () => {
    expect(await testedBlocks()).to.have.length.greaterThanOrEqual(3);
  });

  it("runs them: one command to a checked result, and a local network of separate processes", async () => {
    for (const block of await testedBlocks()) {
      const port = await freePort();
      const { code, out } = await bash(block, { PORT: String(port), CI: "true", HARDHAT_DISABLE_TELEMETRY: "true" }, 400_000);
      const logText = (await Promise.all(logs.filter(existsSync).map(async (f) => `--- ${path.basename(f)}\n${await readFile(f, "utf8")}`))).join("\n");
      expect(code, `${block}\n--- output\n${out}\n${logText}`).to.equal(0);
      if (block.includes("node start")) {
        // The nodes were stopped by PID and said so; the request settled and was checked.
        expect(await readFile(logs[1], "utf8")).to.match(/stopped/);
        expect(await readFile(logs[2], "utf8")).to.match(/stopped/);
        expect(out).to.match(/job 1 \(zk\) settled by node .*\n.*-> billing\n\s+checked: groth16/);
        expect(out).to.match(/job 1: Settled \(zk\), model #1 release 1\.0/);
        expect(out).to.match(/fee 4\.0 PGT, deadline 20\d\d-\d\d-\d\dT/); // in tokens and a date
        expect(out).to.match(/funded the requester 0x[0-9a-fA-F]{40} with 4\.0 PGT/);
        // What the proof rests on: a development key, or the ceremony the nodes checked.
        if (block.includes("ceremony finalize")) {
          expect(out).to.match(/keys: multi-party ceremony #1/);
          expect(out).to.match(/contribution 2: 0x[0-9a-f]{64} by 0x/);
          expect(await readFile(logs[1], "utf8")).to.match(/keys from ceremony #1, checked/);
        } else {
          expect(out).to.match(/keys: single-party development key/);
        }
      } else {
        expect(JSON.parse(out.slice(out.indexOf("{")))).to.include({ trust: "zk", label: "billing", verification: "groth16" });
      }
    }
  });
});
