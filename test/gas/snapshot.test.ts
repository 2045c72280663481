/**
 * The committed gas snapshot (snapshots/gas.json), as Uniswap v4-core keeps one: every named figure
 * is measured here and the test fails when one moves by more than 1% (or is new, or gone) without
 * the snapshot being updated. Accept a change with: UPDATE_GAS_SNAPSHOT=1 npm test
 *
 * Figures are receipt gasUsed on the in-process network, each the second job of its kind (the
 * first pays first writes of fresh balances), with the fixture's model (4 inputs, 3 outputs) and
 * the mock proof verifier, so that they are deterministic.
 */
import { expect } from "chai";
import { existsSync } from "node:fs";
import { readFile, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import type { ContractTransactionResponse } from "ethers";
import { PACKAGE_ROOT } from "../../src/package.js";
import { ethers as E } from "ethers";
import { TOKEN } from "../../deploy/proofgrid.js";
import { hashValues, levelMask, releaseKey, signHeartbeat, signResult, teeDomain, TrustLevel, voteCommitment } from "../../src/protocol/index.js";
import { RecordingConsumer__factory } from "../../types/contracts/index.js";
import { INPUT, networkHelpers, requestViaConsumer, V1, OUTPUT, oneNodeFixture, claimFor, proofFor, requestJob, WRONG_OUTPUT, WEIGHTS } from "../support/fixture.js";

const FILE = path.join(PACKAGE_ROOT, "snapshots/gas.json");
const TOLERANCE = 0.01;
/** Figures whose storage reads depend on the draw's random paths through the stake tree (cold or warm). */
const TOLERANCES: Record<string, number> = { "committee.draw3": 0.08 };

async function gas(tx: Promise<ContractTransactionResponse>): Promise<number> {
  return Number((await (await tx).wait())!.gasUsed);
}

/** What differs between measured figures and the snapshot, beyond the tolerance. */
export function snapshotProblems(measured: Record<string, number>, snapshot: Record<string, number>): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(measured)) {
    const old = snapshot[name];
    if (old === undefined) problems.push(`${name}: new figure ${value}`);
    else if (Math.abs(value - old) / old > (TOLERANCES[name] ?? TOLERANCE)) problems.push(`${name}: ${old} -> ${value} (${(((value - old) / old) * 100).toFixed(2)}%)`);
  }
  for (const name of Object.keys(snapshot)) if (!(name in measured)) problems.push(`${name}: no longer measured`);
  return problems;
}

async function measure(): Promise<Record<string, number>> {
  const f = await networkHelpers.loadFixture(oneNodeFixture);
  const { time } = networkHelpers;
  const hub = f.hub.connect(f.node);
  const figures: Record<string, number> = {};
  const consumer = await (await new RecordingConsumer__factory(f.deployer).deploy(f.hubAddress)).waitForDeployment();

  // Four more nodes on model 2 (no verifier), so that a committee of three can be drawn while the first is jailed.
  // (No activation delay for them, so that the first node's enclave heartbeat stays fresh.)
  await f.nodes.setParameters(await f.nodes.minStake(), 0, await f.nodes.unbondingDelay(), await f.nodes.jailPeriod());
  for (const s of f.nodeSigners.slice(1, 5)) {
    await f.nodes.connect(s).join(1_000n * TOKEN, [releaseKey(2, V1)], levelMask(TrustLevel.VANILLA));
    await f.nodes.connect(s).activate();
  }
  await f.token.mint(f.challenger.address, 1_000_000n * TOKEN); // bonds of the committee disputes retried below
  // Each of them earns once, so that whichever sits on a measured committee is paid into a warm balance.
  const warmJobs: bigint[] = [];
  for (const s of f.nodeSigners.slice(1, 5)) {
    for (;;) {
      const warm = await requestJob(f, TrustLevel.VANILLA, { modelId: 2 });
      await f.hub.connect(f.nodeSigners.find((n) => n.address === warm.node)!).submitResult(warm.jobId, OUTPUT);
      warmJobs.push(warm.jobId);
      if (warm.node === s.address) break;
    }
  }
  await networkHelpers.time.increase(601);
  for (const id of warmJobs) await f.hub.finalize(id, OUTPUT);

  for (let round = 0; round < 2; round++) {
    const record = (name: string, value: number) => {
      if (round === 1) figures[name] = value;
    };
    // VANILLA: request, submit, finalize.
    let job = await requestJob(f, TrustLevel.VANILLA);
    record("vanilla.request", Number(job.receipt.gasUsed));
    record("vanilla.submitResult", await gas(hub.submitResult(job.jobId, OUTPUT)));
    await time.increase(601);
    record("vanilla.finalize", await gas(f.hub.finalize(job.jobId, OUTPUT)));

    // TEE: request, submit and settle.
    job = await requestJob(f, TrustLevel.TEE);
    record("tee.request", Number(job.receipt.gasUsed));
    const version = (await f.hub.getJob(job.jobId)).version;
    const signature = await signResult(f.enclave, f.domain, { jobId: job.jobId, node: f.node.address, modelId: 1, version, weightsCommitment: WEIGHTS, inputHash: hashValues(INPUT), outputHash: hashValues(OUTPUT) });
    record("tee.submitTeeResult", await gas(hub.submitTeeResult(job.jobId, OUTPUT, signature)));

    // ZK (mock verifier): request, submit and settle.
    job = await requestJob(f, TrustLevel.ZK);
    record("zk.request", Number(job.receipt.gasUsed));
    record("zk.submitZkResultMockVerifier", await gas(hub.submitZkResult(job.jobId, INPUT, OUTPUT, proofFor(f, job.jobId, f.node.address))));

    // A consumer callback on settlement.
    // (A consumer is called back only for its own requests: the requester names itself here, and
    // the recording consumer contract requests for itself below.)
    job = await requestJob(f, TrustLevel.TEE, { consumer: f.requester.address, callbackGasLimit: 200_000 });
    record("tee.requestWithConsumer", Number(job.receipt.gasUsed));
    const own = await requestViaConsumer(f, consumer, TrustLevel.TEE, { callbackGasLimit: 200_000 });
    const sig2 = await signResult(f.enclave, f.domain, { jobId: own.jobId, node: f.node.address, modelId: 1, version, weightsCommitment: WEIGHTS, inputHash: hashValues(INPUT), outputHash: hashValues(OUTPUT) });
    record("tee.submitTeeResultWithCallback", await gas(hub.submitTeeResult(own.jobId, OUTPUT, sig2)));

    // A lie disputed by a fraud proof, decided after its answer window.
    job = await requestJob(f, TrustLevel.VANILLA);
    await hub.submitResult(job.jobId, WRONG_OUTPUT);
    record("vanilla.proveFraudMockVerifier", await gas(f.court.connect(f.challenger).proveFraud(job.jobId, INPUT, OUTPUT, claimFor(f, job.jobId, f.challenger.address))));
    await networkHelpers.time.increase(7_201);
    record("vanilla.resolveFraudProof", await gas(f.court.connect(f.stranger).resolve(job.jobId, WRONG_OUTPUT)));
    // A committee dispute of a right result (model 2): challenge, draw, commit, reveal, resolve.
    // Seats are drawn with replacement: the figures are those of a committee of three distinct
    // members, one seat each (other shapes are left open and retried), so that they are deterministic.
    let committee: string[] = [];
    while (committee.length !== 3) {
      job = await requestJob(f, TrustLevel.VANILLA, { modelId: 2 });
      const posted = f.nodeSigners.find((n) => n.address === job.node)!;
      await f.hub.connect(posted).submitResult(job.jobId, OUTPUT);
      record("committee.challenge", await gas(f.court.connect(f.challenger).challenge(job.jobId)));
      await networkHelpers.mine(2);
      record("committee.draw3", await gas(f.court.connect(f.stranger).draw(job.jobId)));
      [, committee] = await f.court.getDispute(job.jobId);
    }
    const members = committee.map((a) => f.nodeSigners.find((n) => n.address === a)!);
    const salt = E.id("salt");
    for (const [i, m] of members.entries()) {
      const g = await gas(f.court.connect(m).commitVote(job.jobId, voteCommitment(job.jobId, m.address, hashValues(OUTPUT), salt)));
      if (i === 0) record("committee.commitVoteSeat0", g);
    }
    for (const [i, m] of members.entries()) {
      const g = await gas(f.court.connect(m).revealVote(job.jobId, hashValues(OUTPUT), salt));
      if (i === 0) record("committee.revealVoteSeat0", g);
    }
    record("committee.resolveNodeRight", await gas(f.court.connect(f.stranger).resolve(job.jobId, OUTPUT)));

    if (round === 0) {
      // The node was jailed: wait out the jail, unjail, and refresh its enclave's heartbeat.
      await time.increase(Number(await f.nodes.jailPeriod()) + 1);
      await f.nodes.connect(f.node).unjail();
      const now = BigInt(await time.latest());
      const beat = await signHeartbeat(f.enclave, teeDomain(f.chainId, await f.tee.getAddress()), now);
      await f.tee.connect(f.node).heartbeat(f.enclave.address, now, beat);
    }
    record("withdraw", await gas(f.hub.connect(f.challenger).withdraw()));
  }
  return figures;
}

describe("gas snapshot (snapshots/gas.json)", function () {
  this.timeout(120_000);

  it("matches the committed figures within 1% (UPDATE_GAS_SNAPSHOT=1 accepts a change)", async function () {
    // Coverage instrumentation changes gas: the snapshot means nothing there.
    if ((await import("hardhat")).default.globalOptions.coverage) return this.skip();
    const measured = await measure();
    if (process.env.UPDATE_GAS_SNAPSHOT || !existsSync(FILE)) {
      await mkdir(path.dirname(FILE), { recursive: true });
      await writeFile(FILE, JSON.stringify(measured, null, 2) + "\n");
      if (process.env.UPDATE_GAS_SNAPSHOT) return;
    }
    const snapshot = JSON.parse(await readFile(FILE, "utf8")) as Record<string, number>;
    const problems = snapshotProblems(measured, snapshot);
    expect(problems, `gas moved; review and run UPDATE_GAS_SNAPSHOT=1 npm test:\n  ${problems.join("\n  ")}`).to.deep.equal([]);
  });

  it("the comparison flags a move of more than 1%, a new figure and a gone one", () => {
    expect(snapshotProblems({ a: 100_900, b: 5 }, { a: 100_000, c: 7 })).to.deep.equal(["b: new figure 5", "c: no longer measured"]);
    expect(snapshotProblems({ a: 101_001 }, { a: 100_000 })).to.deep.equal(["a: 100000 -> 101001 (1.00%)"]);
  });
});
