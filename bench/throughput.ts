/**
 * Throughput and latency on a local JSON-RPC node (`npx hardhat node`) with 4 node processes
 * (`proofgrid node start`: zk, tee and two vanilla), requests sent concurrently by separate
 * requester accounts through the SDK. VANILLA jobs skip the challenge window by moving time (no
 * grace), so their latency is request -> submit -> finalize without waiting. Deadlines are a day
 * out, so that one client's jump past a challenge window never expires another's open job.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { attachProofgrid, TOKEN, type DeploymentFile } from "../deploy/proofgrid.js";
import { CLI, runCli, start, startChain, stop, type Proc } from "../test/support/processes.js";
import { PACKAGE_ROOT } from "../src/package.js";
import { loadArtifacts } from "../src/pipeline/prove.js";
import { ProofgridClient } from "../src/sdk/index.js";
import { timeTravel } from "../src/devnet/time.js";

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

/** Deploys proofgrid with the CLI on the chain `env` names, and registers the demo model (#1, release 1.0). */
export async function deployDemo(env: NodeJS.ProcessEnv, deployments: string, build: string): Promise<void> {
  for (const args of [
    ["deploy", "--network", "localhost", "--out", deployments],
    ["model", "register", build, "--network", "localhost", "--deployments", deployments],
  ]) {
    const r = await runCli(args, env);
    if (r.code !== 0) throw new Error(`proofgrid ${args[0]} failed: ${r.stderr}`);
  }
}

export async function throughput(features: number[], jobsPerLevel = 8): Promise<Record<string, number>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "proofgrid-bench-rpc-"));
  const chain = await startChain();
  const env = { PROOFGRID_RPC_URL: chain.url, CI: "true", HARDHAT_DISABLE_TELEMETRY: "true" };
  const deployments = path.join(dir, "deployments");
  const build = path.join(PACKAGE_ROOT, "build/support-intents");
  const nodes: Proc[] = [];
  const provider = new JsonRpcProvider(chain.url, undefined, { pollingInterval: 200 });
  try {
    await deployDemo(env, deployments, build);
    const common = ["node", "start", "--model", build, "--model-id", "1", "--release", "1.0", "--network", "localhost", "--deployments", deployments, "--advance-time"];
    for (const [trust, account] of [
      ["zk", "3"],
      ["tee", "4"],
      ["vanilla", "5"],
      ["vanilla", "6"],
    ]) {
      const p = start(process.execPath, [CLI, ...common, "--trust", trust, "--account", account], env);
      nodes.push(p);
      await p.waitFor(/serving model #1/);
    }
    const deployment = JSON.parse(await readFile(path.join(deployments, "31337.json"), "utf8")) as DeploymentFile;
    const owner = attachProofgrid(deployment, await provider.getSigner(0));
    const artifacts = await loadArtifacts(build);
    const clients: ProofgridClient[] = [];
    for (let i = 0; i < jobsPerLevel; i++) {
      const signer = await provider.getSigner(7 + i);
      await (await owner.token.mint(await signer.getAddress(), 1_000n * TOKEN)).wait();
      clients.push(await ProofgridClient.connect({ signer, deployment, models: [artifacts], onWait: timeTravel({ pollMs: 200 }), pollMs: 200 }));
    }
    const out: Record<string, number> = { "throughput.jobsPerLevel": jobsPerLevel, "throughput.nodeProcesses": nodes.length };
    for (const trust of ["zk", "tee", "vanilla"] as const) {
      const t0 = performance.now();
      const results = await Promise.all(clients.map((c) => c.infer("support-intents", features, { trust, onWait: timeTravel({ challengeGraceMs: 0, pollMs: 200 }), timeoutMs: 180_000, deadlineSeconds: 86_000 })));
      const seconds = (performance.now() - t0) / 1000;
      const latencies = results.map((r) => r.latencyMs / 1000);
      out[`throughput.${trust}.jobsPerSecond`] = jobsPerLevel / seconds;
      out[`throughput.${trust}.latencyP50Seconds`] = percentile(latencies, 50);
      out[`throughput.${trust}.latencyP95Seconds`] = percentile(latencies, 95);
    }
    return out;
  } finally {
    await Promise.all(nodes.map((n) => stop(n)));
    await stop(chain.proc);
    provider.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}
