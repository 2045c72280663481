/**
 * Real JSON-RPC and real processes: `npx hardhat node` on a free port, the contracts deployed and
 * the demo model registered with the CLI, two `proofgrid node start` processes (one serving zk and
 * tee, one vanilla and watching), and the SDK settling a job at each level over HTTP. Then one node
 * process is restarted on its state file and must not submit any job twice.
 */
import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { PACKAGE_ROOT } from "../../src/package.js";
import { loadArtifacts, releaseProver } from "../../src/pipeline/prove.js";
import { ProofgridClient } from "../../src/sdk/index.js";
import type { DeploymentFile } from "../../deploy/proofgrid.js";

import { intentFeaturizer } from "../support/intents.js";
import { CLI, rpcProxy, runCli, start, startChain, stop, type Proc } from "../support/processes.js";
import { timeTravel } from "../../src/devnet/time.js";

describe("JSON-RPC: hardhat node + two node processes", function () {
  this.timeout(240_000);
  let chain: Proc | undefined;
  let nodeA: Proc | undefined;
  let nodeB: Proc | undefined;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let client: ProofgridClient;
  let provider: JsonRpcProvider;
  let features: (text: string) => number[];
  let proxy: Awaited<ReturnType<typeof rpcProxy>>;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "proofgrid-rpc-"));
    const started = await startChain();
    chain = started.proc;
    env = { PROOFGRID_RPC_URL: started.url, CI: "true", HARDHAT_DISABLE_TELEMETRY: "true" };

    const deployments = path.join(dir, "deployments");
    const deployed = await runCli(["deploy", "--network", "localhost", "--out", deployments], env);
    expect(deployed.code, deployed.stderr).to.equal(0);
    const registered = await runCli(["model", "register", "build/support-intents", "--network", "localhost", "--deployments", deployments, "--json"], env);
    expect(registered.code, registered.stderr).to.equal(0);
    expect(JSON.parse(registered.stdout).modelId).to.equal(1);

    const common = ["node", "start", "--model", "build/support-intents", "--model-id", "1", "--release", "1.0", "--network", "localhost", "--deployments", deployments, "--advance-time", "--accept-development-keys"];
    nodeA = start(process.execPath, [CLI, ...common, "--trust", "zk,tee", "--account", "3", "--state", path.join(dir, "a.json"), "--accept-development-keys"], env);
    await nodeA.waitFor(/serving model #1/);
    // Node B reaches the chain through a proxy that the outage test switches off.
    proxy = await rpcProxy(env.PROOFGRID_RPC_URL!);
    nodeB = start(process.execPath, [CLI, ...common, "--trust", "vanilla", "--account", "4", "--watch"], { ...env, PROOFGRID_RPC_URL: proxy.url });
    await nodeB.waitFor(/serving model #1/);

    provider = new JsonRpcProvider(env.PROOFGRID_RPC_URL, undefined, { pollingInterval: 200 });
    const deployment = JSON.parse(await readFile(path.join(deployments, "31337.json"), "utf8")) as DeploymentFile;
    const requester = await provider.getSigner(1);
    const { TOKEN } = await import("../../deploy/proofgrid.js");
    const { attachProofgrid } = await import("../../deploy/proofgrid.js");
    await (await attachProofgrid(deployment, await provider.getSigner(0)).token.mint(await requester.getAddress(), 100n * TOKEN)).wait();
    const artifacts = await loadArtifacts(path.join(PACKAGE_ROOT, "build/support-intents"));
    client = await ProofgridClient.connect({ signer: requester, deployment, models: [artifacts], onWait: timeTravel({ pollMs: 300 }), pollMs: 300 });
    features = await intentFeaturizer();
  });

  after(async () => {
    await Promise.all([stop(nodeA), stop(nodeB)]);
    await stop(chain);
    await proxy?.close();
    provider?.destroy();
    await releaseProver();
    if (dir) await rm(dir, { recursive: true, force: true });
  });


  for (const [trust, text, label] of [
    ["zk", "my card was charged twice on the invoice", "billing"],
    ["tee", "where is my package tracking not shipped", "shipping"],
    ["vanilla", "cancel my subscription plan", "cancel"],
  ] as const) {
    it(`settles a ${trust} job served by a node process over JSON-RPC`, async () => {
      const r = await client.infer("support-intents", features(text), { trust, timeoutMs: 60_000 });
      expect(r.label).to.equal(label);
      expect(r.verification.ok).to.equal(true);
    });
  }

  it("keeps a node process serving through a dropped RPC connection", async () => {
    proxy.setDown(true);
    await nodeB!.waitFor(/poll failed/, 30_000);
    proxy.setDown(false);
    // Patience: the node may be in its retry backoff (up to 10 s) on a loaded machine.
    const r = await client
      .infer("support-intents", features("the app crashes with an error after the update"), { trust: "vanilla", timeoutMs: 90_000, onWait: timeTravel({ patienceMs: 45_000, pollMs: 300 }) })
      .catch((error: Error) => {
        throw new Error(`${error.message}\nnode output:\n${nodeB!.output()}`);
      });
    expect(r.label).to.equal("technical");
    expect(nodeB!.output()).to.match(/poll failed \(1\)/);
    expect(nodeB!.child.exitCode).to.equal(null);
  });

  it("restarts a node process on its state file without submitting anything twice", async () => {
    await stop(nodeA);
    const before = nodeA!.output();
    nodeA = start(process.execPath, [CLI, "node", "start", "--model", "build/support-intents", "--model-id", "1", "--release", "1.0", "--network", "localhost", "--deployments", path.join(dir, "deployments"), "--trust", "zk,tee", "--account", "3", "--state", path.join(dir, "a.json"), "--accept-development-keys"], env);
    await nodeA.waitFor(/serving model #1/);
    const r = await client.infer("support-intents", features("reset my password login locked"), { trust: "zk", timeoutMs: 60_000 });
    expect(r.label).to.equal("account");
    const submissions = (nodeA.output().match(/zk proof submitted/g) ?? []).length;
    expect(submissions, nodeA.output()).to.equal(1); // only the new job
    expect(before).to.match(/job 1: zk proof submitted/);
    expect(nodeA.output()).to.not.match(/job 1: /);
  });

  it("stops cleanly on SIGINT during the activation wait, after counting it down", async () => {
    // Account 6 joins without --advance-time: it waits out the delay in real time, counting down.
    const waiting = start(process.execPath, [CLI, "node", "start", "--model", "build/support-intents", "--model-id", "1", "--release", "1.0", "--network", "localhost", "--deployments", path.join(dir, "deployments"), "--trust", "vanilla", "--account", "6", "--accept-development-keys"], env);
    try {
      await waiting.waitFor(/waiting for activation: \d+ s left \(until .*Z, chain time\)/);
      waiting.child.kill("SIGINT");
      const code = await new Promise((resolve) => waiting.child.once("exit", resolve));
      expect(code, waiting.output()).to.equal(0);
      expect(waiting.output()).to.match(/SIGINT: stopping\n.*stopped\n?$/);
    } finally {
      await stop(waiting);
    }
  });
});
