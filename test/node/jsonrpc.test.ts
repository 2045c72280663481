/**
 * Real JSON-RPC and real processes: `npx hardhat node` on a free port, the contracts deployed and
 * the demo model registered with the CLI, two `proofgrid node start` processes (one serving zk and
 * tee, one vanilla and watching), and the SDK settling a job at each level over HTTP. Then one node
 * process is restarted on its state file and must not submit any job twice.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { PACKAGE_ROOT } from "../../src/pipeline/build.js";
import { loadArtifacts, releaseProver } from "../../src/pipeline/prove.js";
import { ProofgridClient } from "../../src/sdk/index.js";
import type { DeploymentFile } from "../../deploy/proofgrid.js";

const CLI = path.join(PACKAGE_ROOT, "bin/proofgrid.js");

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

interface Proc {
  child: ChildProcess;
  output: () => string;
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(command, args, { cwd: PACKAGE_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  return {
    child,
    output: () => out,
    waitFor: (pattern, ms = 60_000) =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const check = () => {
          if (pattern.test(out)) return resolve();
          if (child.exitCode !== null) return reject(new Error(`process exited (${child.exitCode}) before ${pattern}:\n${out}`));
          if (Date.now() - started > ms) return reject(new Error(`timed out waiting for ${pattern}:\n${out}`));
          setTimeout(check, 100);
        };
        check();
      }),
  };
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: PACKAGE_ROOT, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** An HTTP proxy to the chain that can drop every connection, to play an RPC outage. */
function rpcProxy(target: string): Promise<{ url: string; setDown(down: boolean): void; close(): Promise<void> }> {
  let down = false;
  const server: Server = createHttpServer((req, res) => {
    if (down) return req.socket.destroy();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body: Buffer.concat(chunks) })
        .then(async (r) => {
          res.writeHead(r.status, { "content-type": "application/json" });
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => req.socket.destroy());
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, setDown: (d) => (down = d), close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

async function stop(p?: Proc) {
  if (!p || p.child.exitCode !== null) return;
  p.child.kill("SIGTERM");
  await new Promise((resolve) => {
    const timer = setTimeout(() => {
      p.child.kill("SIGKILL");
      resolve(undefined);
    }, 5_000);
    p.child.once("exit", () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}

describe("JSON-RPC: hardhat node + two node processes", function () {
  this.timeout(240_000);
  let chain: Proc | undefined;
  let nodeA: Proc | undefined;
  let nodeB: Proc | undefined;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let client: ProofgridClient;
  let provider: JsonRpcProvider;
  let vocabulary: string[];
  let proxy: Awaited<ReturnType<typeof rpcProxy>>;

  before(async () => {
    const port = await freePort();
    dir = await mkdtemp(path.join(os.tmpdir(), "proofgrid-rpc-"));
    env = { PROOFGRID_RPC_URL: `http://127.0.0.1:${port}`, CI: "true", HARDHAT_DISABLE_TELEMETRY: "true" };
    chain = start(process.execPath, [path.join(PACKAGE_ROOT, "node_modules/hardhat/dist/src/cli.js"), "node", "--port", String(port)], env);
    await chain.waitFor(/Started HTTP and WebSocket JSON-RPC server|listening|127\.0\.0\.1:\d+/i);

    const deployments = path.join(dir, "deployments");
    const deployed = await runCli(["deploy", "--network", "localhost", "--out", deployments], env);
    expect(deployed.code, deployed.stderr).to.equal(0);
    const registered = await runCli(["model", "register", "build/support-intents", "--network", "localhost", "--deployments", deployments, "--json"], env);
    expect(registered.code, registered.stderr).to.equal(0);
    expect(JSON.parse(registered.stdout).modelId).to.equal(1);

    const common = ["node", "start", "--model", "build/support-intents", "--network", "localhost", "--deployments", deployments, "--advance-time"];
    nodeA = start(process.execPath, [CLI, ...common, "--trust", "zk,tee", "--account", "3", "--state", path.join(dir, "a.json")], env);
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
    client = await ProofgridClient.connect({ signer: requester, deployment, models: [artifacts], advanceTime: true, pollMs: 300 });
    vocabulary = (JSON.parse(await readFile(path.join(PACKAGE_ROOT, "models/support-intents/model.json"), "utf8")) as { vocabulary: string[] }).vocabulary;
  });

  after(async () => {
    await Promise.all([stop(nodeA), stop(nodeB)]);
    await stop(chain);
    await proxy?.close();
    provider?.destroy();
    await releaseProver();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const features = (text: string) => {
    const words = new Set(text.split(/\W+/));
    return vocabulary.map((w) => (words.has(w) ? 1 : 0));
  };

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
    const r = await client.infer("support-intents", features("the app crashes with an error after the update"), { trust: "vanilla", timeoutMs: 60_000 });
    expect(r.label).to.equal("technical");
    expect(nodeB!.output()).to.match(/poll failed \(1\)/);
    expect(nodeB!.child.exitCode).to.equal(null);
  });

  it("restarts a node process on its state file without submitting anything twice", async () => {
    await stop(nodeA);
    const before = nodeA!.output();
    nodeA = start(process.execPath, [CLI, "node", "start", "--model", "build/support-intents", "--network", "localhost", "--deployments", path.join(dir, "deployments"), "--trust", "zk,tee", "--account", "3", "--state", path.join(dir, "a.json")], env);
    await nodeA.waitFor(/serving model #1/);
    const r = await client.infer("support-intents", features("reset my password login locked"), { trust: "zk", timeoutMs: 60_000 });
    expect(r.label).to.equal("account");
    const submissions = (nodeA.output().match(/zk proof submitted/g) ?? []).length;
    expect(submissions, nodeA.output()).to.equal(1); // only the new job
    expect(before).to.match(/job 1: zk proof submitted/);
    expect(nodeA.output()).to.not.match(/job 1: /);
  });
});
