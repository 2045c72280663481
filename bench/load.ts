/**
 * A request flood against one node process over JSON-RPC, on 12-second blocks: `npx hardhat node`
 * with interval mining, the demo model, one `proofgrid node start` serving ZK, TEE and VANILLA at
 * its declared capacity, and a burst of `jobsPerLevel` minimum-deadline requests at each level
 * sent at once, interleaved by level. It reports how many the registry assigned (the rest are refused with
 * NodePoolBusy: the requester keeps its fee), how many the node served before their deadline, and
 * what timeouts cost it: the honest node must lose nothing.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider, MaxUint256 } from "ethers";
import { attachProofgrid, TOKEN, type DeploymentFile } from "../deploy/proofgrid.js";
import { CLI, start, startChain, stop, type Proc } from "../test/support/processes.js";
import { deployDemo } from "./throughput.js";
import { PACKAGE_ROOT } from "../src/package.js";
import { JobStatus, TrustLevel } from "../src/protocol/index.js";
import { quantizeInput } from "../src/engine/fixed.js";
import { loadArtifacts } from "../src/pipeline/prove.js";

const LEVELS = [TrustLevel.VANILLA, TrustLevel.TEE, TrustLevel.ZK] as const;
const NAMES = ["vanilla", "tee", "zk"] as const;

export async function loadBurst(features: number[], jobsPerLevel = 50, blockSeconds = 12, capacity = 8): Promise<Record<string, number>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "proofgrid-bench-load-"));
  const chain = await startChain();
  const env = { PROOFGRID_RPC_URL: chain.url, CI: "true", HARDHAT_DISABLE_TELEMETRY: "true" };
  const deployments = path.join(dir, "deployments");
  const build = path.join(PACKAGE_ROOT, "build/support-intents");
  let node: Proc | undefined;
  const provider = new JsonRpcProvider(chain.url, undefined, { pollingInterval: 500 });
  try {
    await deployDemo(env, deployments, build);
    node = start(
      process.execPath,
      [CLI, "node", "start", "--model", build, "--model-id", "1", "--release", "1.0", "--network", "localhost", "--deployments", deployments, "--advance-time", "--accept-development-keys", "--trust", "zk,tee,vanilla", "--account", "3", "--capacity", String(capacity)],
      env,
    );
    await node.waitFor(/serving model #1/, 180_000);
    const deployment = JSON.parse(await readFile(path.join(deployments, "31337.json"), "utf8")) as DeploymentFile;
    const owner = attachProofgrid(deployment, await provider.getSigner(0));
    const requester = await provider.getSigner(1);
    const pg = attachProofgrid(deployment, requester);
    await (await owner.token.mint(await requester.getAddress(), 10_000n * TOKEN)).wait();
    await (await pg.token.approve(deployment.contracts.hub, MaxUint256)).wait();
    const [version, release] = await pg.models.getRelease(1, 0);
    const input = quantizeInput((await loadArtifacts(build)).model, features);
    const terms = await pg.hub.parameters();
    const shortest = [terms.minVanillaTime, terms.minTeeTime, terms.minZkTime];

    // From here on, one block every `blockSeconds`: the burst lands in the next block.
    await provider.send("evm_setAutomine", [false]);
    await provider.send("evm_setIntervalMining", [blockSeconds * 1000]);
    const now = BigInt((await provider.getBlock("latest"))!.timestamp);
    const sent: { level: TrustLevel; hash: string }[] = [];
    let nonce = await requester.getNonce("pending");
    // Interleaved by level, so that the node's capacity is shared as a mixed burst would share it.
    for (let i = 0; i < jobsPerLevel; i++) {
      for (const level of LEVELS) {
        // The shortest deadline the hub accepts for a request mined in the next block or the one after.
        const deadline = now + BigInt(blockSeconds) + shortest[level] + 2n;
        const tx = await pg.hub.request(
          { modelId: 1, version, level, fee: release.prices[level], deadline, consumer: "0x0000000000000000000000000000000000000000", callbackGasLimit: 0, input },
          { gasLimit: 600_000, nonce: nonce++ },
        );
        sent.push({ level, hash: tx.hash });
      }
    }
    const assigned = new Map<bigint, TrustLevel>();
    const refused = [0, 0, 0];
    for (const { level, hash } of sent) {
      const receipt = await provider.waitForTransaction(hash);
      if (receipt?.status !== 1) {
        refused[level]++;
        continue;
      }
      const log = receipt.logs.map((l) => pg.hub.interface.parseLog(l)).find((l) => l?.name === "JobRequested")!;
      assigned.set(log.args.jobId as bigint, level);
    }
    // Wait until every assigned deadline has passed, then read what the node did in time.
    const lastDeadline = now + BigInt(blockSeconds) + shortest[TrustLevel.ZK] + 2n;
    while (BigInt((await provider.getBlock("latest"))!.timestamp) <= lastDeadline + BigInt(blockSeconds)) await new Promise((r) => setTimeout(r, 2_000));
    const served = [0, 0, 0];
    const missed: bigint[] = [];
    for (const [jobId, level] of assigned) {
      const status = Number((await pg.hub.getJob(jobId)).status);
      if (status === JobStatus.Requested) missed.push(jobId);
      else served[level]++;
    }
    await provider.send("evm_setIntervalMining", [0]);
    await provider.send("evm_setAutomine", [true]);
    let slashed = 0n;
    for (const jobId of missed) {
      const receipt = (await (await pg.hub.claimTimeout(jobId)).wait())!;
      for (const l of receipt.logs) {
        const parsed = pg.hub.interface.parseLog(l);
        if (parsed?.name === "NodePenalized") slashed += parsed.args.slashed as bigint;
      }
    }
    const out: Record<string, number> = { "load.blockSeconds": blockSeconds, "load.jobsPerLevel": jobsPerLevel, "load.capacity": capacity };
    for (const level of LEVELS) {
      const name = NAMES[level];
      out[`load.${name}.assigned`] = [...assigned.values()].filter((l) => l === level).length;
      out[`load.${name}.refused`] = refused[level];
      out[`load.${name}.servedInTime`] = served[level];
    }
    out["load.missed"] = missed.length;
    out["load.slashedTokens"] = Number(slashed / 10n ** 15n) / 1000;
    return out;
  } finally {
    await stop(node);
    await stop(chain.proc);
    provider.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}
