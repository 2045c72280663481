/**
 * The dispute review's nine attacks, each mounted against the new design and shown to fail, each
 * ending with the check that the hub holds exactly what it owes. Items 4 and 5 run the real node
 * runtime and the real watcher on the demo model (real Groth16 proofs, a real enclave key); the
 * committee items run the real CommitteeCourt. THREATS.md lists them.
 */
import { expect } from "chai";
import { ethers as E } from "ethers";
import path from "node:path";
import type { Signer } from "ethers";
import { attachProofgrid, describeDeployment, TOKEN, type Proofgrid } from "../../deploy/proofgrid.js";
import { evaluate, quantizeInput } from "../../src/engine/fixed.js";
import { deployVerifier, releaseOf } from "../../src/sdk/index.js";
import { intentFeaturizer } from "../support/intents.js";
import { readJobRequest, readPostedResult } from "../../src/chain/jobs.js";
import { SimulatedEnclave } from "../../src/node/enclave.js";
import { NodeRuntime } from "../../src/node/runtime.js";
import { ReleaseMismatchError } from "../../src/node/release.js";
import { conn, DEV_KEYS } from "../support/fixture.js";
import { activateNodes, prepareNode } from "../../src/node/bootstrap.js";
import { Watcher } from "../../src/node/watcher.js";
import { PACKAGE_ROOT } from "../../src/package.js";
import { loadArtifacts, releaseProver, type ModelArtifacts } from "../../src/pipeline/prove.js";
import { hashValues, JobStatus, levelMask, packVersion, Penalty, RefundReason, signHeartbeat, teeDomain, TrustLevel, voteCommitment, releaseKey } from "../../src/protocol/index.js";
import { CommitteeGrinder__factory, TicketRouter__factory } from "../../types/contracts/index.js";
import {
  admitEnclave,
  expectHubSolvent,
  fiveNodeFixture,
  signerOf,
  deployFixture,
  ethers,
  hubLiabilities,
  hubParameters,
  INPUT,
  joinNode,
  MEASUREMENT,
  networkHelpers,
  oneNodeFixture,
  OUTPUT,
  PRICES,
  bondRelease,
  claimFor,
  proofFor,
  release,
  requestJob,
  time,
  WRONG_OUTPUT,
  type Fixture,
  WEIGHTS,
  V1,
} from "../support/fixture.js";

const { loadFixture, mine } = networkHelpers;
const SLASH = 100n * TOKEN;
const BOND = 75n * TOKEN;

const expectNothingLost = expectHubSolvent;



/** The deployment with every contract connected to `signer` (as a node process would have it). */
async function as(f: Fixture, signer: Signer): Promise<Proofgrid> {
  return attachProofgrid(await describeDeployment(f, f.deployer), signer);
}

/** Every member of a drawn committee commits and reveals `output`; then anyone resolves. */
async function committeeVotes(f: Fixture, jobId: bigint, output: bigint[], posted: bigint[]) {
  const [, committee] = await f.court.getDispute(jobId);
  for (const [i, a] of committee.entries()) {
    await f.court.connect(signerOf(f, a)).commitVote(jobId, voteCommitment(jobId, a, hashValues(output), E.id(`s${i}`)));
  }
  for (const [i, a] of committee.entries()) await f.court.connect(signerOf(f, a)).revealVote(jobId, hashValues(output), E.id(`s${i}`));
  await f.court.connect(f.stranger).resolve(jobId, posted);
  return committee;
}

/** The demo model registered three times: #3 as built (its circuit's input range, the real
 *  verifier for ZK), #4 without a circuit (committee disputes), #5 by a registrant who declared a
 *  wider input range than the circuit takes (no node stakes on it; a watcher meets its jobs). */
async function demoModels(f: Fixture, artifacts: ModelArtifacts) {
  // Deployed from the build's own creation code, as the SDK does (nodes check the code).
  const verifier = await deployVerifier(artifacts, f.deployer);
  const prices = [2n * TOKEN, 3n * TOKEN, 5n * TOKEN] as [bigint, bigint, bigint];
  await f.models.connect(f.modelOwner).registerModel("support-intents", packVersion(1, 0), releaseOf(artifacts, { verifier, levels: [TrustLevel.VANILLA, TrustLevel.TEE, TrustLevel.ZK], prices }));
  await f.models.connect(f.modelOwner).registerModel("support-intents-plain", packVersion(1, 0), releaseOf(artifacts, { verifier: E.ZeroAddress, levels: [TrustLevel.VANILLA, TrustLevel.TEE], prices }));
  // The registrant declares a wider input range than the circuit takes.
  await f.models.connect(f.modelOwner).registerModel("support-intents-wide", packVersion(1, 0), { ...releaseOf(artifacts, { verifier: E.ZeroAddress, levels: [TrustLevel.VANILLA, TrustLevel.TEE], prices }), inputMax: 10_000n });
  await bondRelease(f, 3);
}

/** A right VANILLA result of model 2 (no circuit), challenged, with its committee drawn. */
async function drawnCommittee(f: Fixture, members = 1) {
  // Seats are drawn with replacement: dispute again until the committee has `members` distinct members.
  for (let i = 0; i < 40; i++) {
    const { jobId, node } = await requestJob(f, TrustLevel.VANILLA, { modelId: 2 });
    await f.hub.connect(signerOf(f, node)).submitResult(jobId, OUTPUT);
    await f.court.connect(f.challenger).challenge(jobId);
    await mine(2);
    await f.court.draw(jobId);
    const [, committee] = await f.court.getDispute(jobId);
    if (committee.length >= members) return { jobId, node, committee };
  }
  throw new Error(`no committee of ${members} members in 40 draws`);
}

/** The demo models, and a maker of node runtimes (model #3, VANILLA) that share one state file: a process and its restart. */
async function restartable(artifacts: ModelArtifacts) {
  const f = await loadFixture(deployFixture);
  await demoModels(f, artifacts);
  const { mkdtemp } = await import("node:fs/promises");
  const os = await import("node:os");
  const stateFile = path.join(await mkdtemp(path.join(os.tmpdir(), "pg-state-")), "node.json");
  const contracts = await as(f, f.nodeSigners[0]);
  const make = async () => new NodeRuntime({ setupTrust: DEV_KEYS, signer: f.nodeSigners[0], contracts, models: new Map([[3, artifacts]]), levels: [TrustLevel.VANILLA], stateFile, log: () => {} });
  return { f, make };
}

async function request(f: Fixture, modelId: number, level: TrustLevel, input: bigint[], to?: string) {
  for (let i = 0; i < 60; i++) {
    const { jobId, node } = await requestJob(f, level, { modelId, input, fee: 5n * TOKEN });
    if (!to || node === to) return { jobId, node };
  }
  throw new Error(`no job of model #${modelId} drawn to ${to} in 60 requests`);
}

describe("adversarial: the dispute game cannot be gamed", function () {
  this.timeout(120_000);
  let artifacts: ModelArtifacts;
  let features: (text: string) => bigint[];

  before(async () => {
    artifacts = await loadArtifacts(path.join(PACKAGE_ROOT, "build/support-intents"));
    const featurize = await intentFeaturizer();
    features = (text) => quantizeInput(artifacts.model, featurize(text));
  });
  after(async () => releaseProver());

  it("1. committee grinding: a contract trying 20 challenger addresses in one transaction never sees a committee; the later draw convicts the liar", async function () {
    const f = await loadFixture(fiveNodeFixture);
    const { jobId, node } = await requestJob(f, TrustLevel.VANILLA, { modelId: 2 });
    await f.hub.connect(signerOf(f, node)).submitResult(jobId, WRONG_OUTPUT);
    const grinder = await new CommitteeGrinder__factory(f.deployer).deploy();
    await f.token.mint(await grinder.getAddress(), 20n * BOND);
    await grinder.grind(await f.court.getAddress(), await f.token.getAddress(), f.hubAddress, jobId, 20, BOND);
    expect(await grinder.attempts()).to.equal(20n);
    expect(await grinder.committeesSeen()).to.equal(0n);
    expect(await grinder.lastError()).to.equal(f.court.interface.getError("CourtDrawTooEarly")!.selector);
    expect((await f.hub.getJob(jobId)).status).to.equal(JobStatus.Submitted);
    // A real challenge: the committee comes from a block hash nobody knew when it was sent.
    await f.court.connect(f.challenger).challenge(jobId);
    await mine(2);
    await f.court.draw(jobId);
    const committee = await committeeVotes(f, jobId, OUTPUT, WRONG_OUTPUT);
    expect(committee).to.not.include(node);
    expect((await f.hub.getJob(jobId)).status).to.equal(JobStatus.Refunded);
    await expectNothingLost(f, [await grinder.getAddress()]);
  });

  it("2. an honest result cannot be robbed: no bond-and-wait challenge in proof mode, a proof of the posted output is refused, and the honest node wins a committee challenge with the real runtime", async function () {
    const f = await loadFixture(oneNodeFixture);
    const { jobId } = await requestJob(f, TrustLevel.VANILLA);
    await f.hub.connect(f.node).submitResult(jobId, OUTPUT);
    // The requester itself attacks: it cannot open a challenge it can win by waiting.
    await expect(f.court.connect(f.requester).challenge(jobId)).to.be.revertedWithCustomError(f.hub, "HubWrongDisputeKind");
    await expect(f.court.connect(f.requester).proveFraud(jobId, INPUT, OUTPUT, claimFor(f, jobId, f.requester.address))).to.be.revertedWithCustomError(f.court, "CourtNotFraud");
    await time.increase(601);
    await f.hub.connect(f.requester).finalize(jobId, OUTPUT);
    expect((await f.nodes.getNode(f.node.address)).stake).to.equal(1_000n * TOKEN);
    expect(await f.hub.balanceOf(f.requester.address)).to.equal(0n);
    await expectNothingLost(f);

    // Committee mode, real runtimes: a griefer challenges an honest result of model #4 (no verifier).
    const g = await loadFixture(deployFixture);
    await demoModels(g, artifacts);
    const deployment = new Map<string, Proofgrid>();
    for (const s of g.nodeSigners.slice(0, 4)) deployment.set(s.address, await as(g, s));
    const runtimes = g.nodeSigners.slice(0, 4).map(
      (signer, i) => new NodeRuntime({ setupTrust: DEV_KEYS, signer, contracts: deployment.get(signer.address)!, models: new Map([[4, artifacts]]), levels: [TrustLevel.VANILLA], name: `n${i}`, log: (l) => process.env.PROOFGRID_LOG && console.error(l) }),
    );
    for (const r of runtimes) await prepareNode(r, { stake: 1_000n * TOKEN });
    await time.increase(Number(await g.nodes.activationDelay()));
    for (const r of runtimes) await activateNodes([r]);
    const poll = async () => {
      for (const r of runtimes) await r.poll();
    };
    const input = features("I was charged twice on my invoice");
    const { jobId: id, node } = await request(g, 4, TrustLevel.VANILLA, input);
    await poll();
    expect((await g.hub.getJob(id)).status).to.equal(JobStatus.Submitted);
    const held = async () => (await g.token.balanceOf(node)) + (await g.hub.balanceOf(node));
    const heldBefore = await held();
    await g.court.connect(g.challenger).challenge(id);
    await mine(2);
    for (let i = 0; i < 4 && Number((await g.hub.getJob(id)).status) === JobStatus.Challenged; i++) await poll();
    expect((await g.hub.getJob(id)).status).to.equal(JobStatus.Settled);
    expect((await held()) - heldBefore).to.be.greaterThan(BOND / 2n); // its fee share plus half the bond (withdrawn by the runtime)
    expect((await g.nodes.getNode(node)).stake).to.equal(1_000n * TOKEN);
    await expectNothingLost(g);
  });

  it("3. a liar disputing its own lie from a second address still loses half the slash and its fee, in proof and committee mode", async function () {
    const f = await loadFixture(fiveNodeFixture);
    // Proof mode: node A lies; B, its second address, proves it first.
    const { jobId, node } = await requestJob(f, TrustLevel.VANILLA);
    const liar = signerOf(f, node);
    const alt = f.nodeSigners.find((s) => s.address !== node)!;
    await f.hub.connect(liar).submitResult(jobId, WRONG_OUTPUT);
    const held = async () => (await f.nodes.getNode(liar.address)).stake + (await f.token.balanceOf(alt.address)) + (await f.hub.balanceOf(alt.address));
    const before = await held();
    await f.court.connect(alt).proveFraud(jobId, INPUT, OUTPUT, claimFor(f, jobId, alt.address));
    await time.increase(7_201); // the answer window: nobody can answer a true claim
    await f.court.resolve(jobId, WRONG_OUTPUT);
    const after = await held();
    expect(before - after, "the pair loses half the slash").to.equal(SLASH / 2n);
    expect(await f.hub.balanceOf(f.treasury.address)).to.equal(SLASH / 2n);

    // Committee mode: another liar's second address challenges; the drawn committee is honest.
    const v = await requestJob(f, TrustLevel.VANILLA, { modelId: 2 });
    expect(v.node, "a jailed liar is never drawn").to.not.equal(liar.address);
    const liar2 = signerOf(f, v.node);
    const alt2 = f.nodeSigners.find((s) => s.address !== v.node && s.address !== liar.address)!;
    await f.hub.connect(liar2).submitResult(v.jobId, WRONG_OUTPUT);
    const pairBefore = (await f.nodes.getNode(liar2.address)).stake + (await f.token.balanceOf(alt2.address)) + (await f.hub.balanceOf(alt2.address));
    await f.court.connect(alt2).challenge(v.jobId);
    await mine(2);
    await f.court.draw(v.jobId);
    await committeeVotes(f, v.jobId, OUTPUT, WRONG_OUTPUT);
    const pairAfter = (await f.nodes.getNode(liar2.address)).stake + (await f.token.balanceOf(alt2.address)) + (await f.hub.balanceOf(alt2.address));
    // The challenger never sits on the committee, so the second address earns nothing as a voter.
    expect(pairBefore - pairAfter, "the pair loses half the slash").to.equal(SLASH / 2n);
    await expectNothingLost(f);
  });

  it("4. one bad request cannot freeze the node runtime: out-of-range inputs are refused at request, a release wider than its model is never staked on, and a job that fails is isolated while the others are served and heartbeats go on", async function () {
    const f = await loadFixture(deployFixture);
    await demoModels(f, artifacts);
    await f.tee.approveMeasurement(MEASUREMENT);
    // A release that accepts inputs its model is not proven on: the runtime refuses it before any stake.
    const wide = new NodeRuntime({ setupTrust: DEV_KEYS, signer: f.nodeSigners[1], contracts: await as(f, f.nodeSigners[1]), models: new Map([[5, artifacts]]), levels: [TrustLevel.VANILLA], log: () => {} });
    await expect(prepareNode(wide, { stake: 1_000n * TOKEN })).to.be.rejectedWith(ReleaseMismatchError, /beyond the range the model is proven on/);
    const logs: string[] = [];
    const enclave = new SimulatedEnclave(MEASUREMENT);
    // A job whose processing fails (here: the strategy throws for model #4's jobs) must not stop the rest.
    const failing = { name: "fails on #4", vanillaOutput: (job: { modelId: number | bigint }, engine: bigint[]) => {
      if (Number(job.modelId) === 4) throw new Error("cannot run this job");
      return engine;
    } };
    const runtime = new NodeRuntime({
      setupTrust: DEV_KEYS,
      signer: f.nodeSigners[0],
      contracts: await as(f, f.nodeSigners[0]),
      models: new Map([[3, artifacts], [4, artifacts]]),
      levels: [TrustLevel.VANILLA, TrustLevel.TEE],
      strategy: failing,
      enclave,
      name: "node",
      log: (l) => logs.push(l),
    });
    await prepareNode(runtime, { stake: 1_000n * TOKEN });
    await time.increase(Number(await f.nodes.activationDelay()));
    await activateNodes([runtime]);
    await prepareNode(runtime, { stake: 1_000n * TOKEN, attestationRoot: f.root });
    const good = features("my package never arrived");
    const bad = [...good];
    bad[0] = 64n; // the circuit takes [0, 63]
    await expect(request(f, 3, TrustLevel.TEE, bad)).to.be.revertedWithCustomError(f.hub, "HubInputOutOfRange").withArgs(0, 64n, 0n, 63n);
    // Model #4 is judged by committees: its VANILLA pool needs another node.
    await joinNode(f, f.nodeSigners[2], 1_000n * TOKEN, [4], levelMask(TrustLevel.VANILLA));
    const poisoned = await request(f, 4, TrustLevel.VANILLA, good, f.nodeSigners[0].address);
    const tee = await request(f, 3, TrustLevel.TEE, good);
    const vanilla = await request(f, 3, TrustLevel.VANILLA, good);
    await runtime.poll();
    await runtime.poll();
    expect((await f.hub.getJob(tee.jobId)).status).to.equal(JobStatus.Settled);
    expect((await f.hub.getJob(vanilla.jobId)).status).to.equal(JobStatus.Submitted);
    expect((await f.hub.getJob(poisoned.jobId)).status).to.equal(JobStatus.Requested);
    expect(logs.filter((l) => l.includes(`job ${poisoned.jobId}`) && l.includes("will retry"))).to.have.length(1); // logged once
    // Heartbeats, finalizations and withdrawals go on.
    await time.increase(Number(await f.tee.maxHeartbeatAge()) / 2 + 601);
    await expect(runtime.poll()).to.not.be.rejected;
    expect((await f.tee.getEnclave(enclave.address)).lastHeartbeat).to.be.greaterThan(BigInt(await time.latest()) - 10n);
    await runtime.poll();
    expect((await f.hub.getJob(vanilla.jobId)).status).to.equal(JobStatus.Settled);
    await expectNothingLost(f);
  });

  it("5b. a provider that caps eth_getLogs at 10,000 blocks does not blind the watcher: a lie 12,000 blocks after the deployment is still proven wrong and decided", async function () {
    const f = await loadFixture(deployFixture);
    await demoModels(f, artifacts);
    const node = f.nodeSigners[0];
    await joinNode(f, node, 1_000n * TOKEN, [3], levelMask(TrustLevel.VANILLA));
    await mine(12_000);
    const good = features("cancel my subscription now");
    const truth = evaluate(artifacts.model, good).output;
    const lie = await request(f, 3, TrustLevel.VANILLA, good);
    await f.hub.connect(node).submitResult(lie.jobId, [(truth[0] + 1n) % 6n]);
    // The RPC refuses a log query over more than 10,000 blocks, as many providers do.
    const provider = conn.provider as unknown as { request: (a: { method: string; params?: unknown[] }) => Promise<unknown> };
    const original = provider.request.bind(provider);
    const refused: string[] = [];
    provider.request = async (a) => {
      if (a.method === "eth_getLogs") {
        const head = BigInt((await original({ method: "eth_blockNumber" })) as string);
        const { fromBlock, toBlock } = (a.params?.[0] ?? {}) as { fromBlock?: string; toBlock?: string };
        const from = fromBlock?.startsWith("0x") ? BigInt(fromBlock) : head;
        const to = toBlock?.startsWith("0x") ? BigInt(toBlock) : head;
        if (to - from + 1n > 10_000n) {
          refused.push(`${from}..${to}`);
          throw new Error("eth_getLogs is limited to a 10,000 block range");
        }
      }
      return original(a);
    };
    try {
      const watcher = new Watcher({ signer: f.challenger, contracts: await as(f, f.challenger), models: new Map([[3, artifacts]]), log: () => {} });
      for (let i = 0; i < 4 && (await f.hub.getJob(lie.jobId)).status === BigInt(JobStatus.Submitted); i++) await watcher.poll(); // it catches up 5,000 blocks a poll
      expect((await f.hub.getJob(lie.jobId)).status).to.equal(JobStatus.Challenged);
      await time.increase(7_201);
      await watcher.poll();
      expect((await f.hub.getJob(lie.jobId)).status).to.equal(JobStatus.Refunded);
      expect(refused, "no log query over the provider's range").to.deep.equal([]);
    } finally {
      provider.request = original;
    }
    await expectNothingLost(f);
  });

  it("5c. a job's events are read from its own blocks, found from its stored deadline and terms: an old job costs one log window on a long chain, an unknown job none", async function () {
    const f = await loadFixture(deployFixture);
    await demoModels(f, artifacts);
    const node = f.nodeSigners[0];
    await joinNode(f, node, 1_000n * TOKEN, [3], levelMask(TrustLevel.VANILLA));
    await mine(30_000, { interval: 12 });
    const good = features("cancel my subscription now");
    const old = await request(f, 3, TrustLevel.VANILLA, good);
    await f.hub.connect(node).submitResult(old.jobId, evaluate(artifacts.model, good).output);
    await mine(200_000, { interval: 12 }); // about a month of 12-second blocks
    const provider = conn.provider as unknown as { request: (a: { method: string; params?: unknown[] }) => Promise<unknown> };
    const original = provider.request.bind(provider);
    const windows: string[] = [];
    provider.request = async (a) => {
      if (a.method === "eth_getLogs") {
        const { fromBlock, toBlock } = (a.params?.[0] ?? {}) as { fromBlock?: string; toBlock?: string };
        windows.push(`${fromBlock}..${toBlock}`);
      }
      return original(a);
    };
    try {
      const contracts = await as(f, f.challenger);
      const req = await readJobRequest(contracts, old.jobId);
      expect(req?.input).to.deep.equal(good);
      expect((await readPostedResult(contracts, old.jobId))?.output).to.deep.equal(evaluate(artifacts.model, good).output);
      expect(windows.length, windows.join(", ")).to.equal(2); // one window each (searching back from the head: 40 each)
      windows.length = 0;
      expect(await readJobRequest(contracts, 99n)).to.equal(undefined);
      expect(await readPostedResult(contracts, 99n)).to.equal(undefined);
      expect(windows).to.deep.equal([]);
    } finally {
      provider.request = original;
    }
    await expectNothingLost(f);
  });

  it("6. restarts never fill the enclave registry: each start removes the enclaves its earlier processes left (their keys died with them)", async function () {
    const f = await loadFixture(deployFixture);
    await demoModels(f, artifacts);
    await f.tee.approveMeasurement(MEASUREMENT);
    const signer = f.nodeSigners[0];
    let last = "";
    for (let i = 0; i < 10; i++) {
      // A new process: a new simulated enclave, whose key only it holds.
      const enclave = new SimulatedEnclave(MEASUREMENT);
      const runtime = new NodeRuntime({ setupTrust: DEV_KEYS, signer, contracts: await as(f, signer), models: new Map([[3, artifacts]]), levels: [TrustLevel.TEE], enclave, log: () => {} });
      await prepareNode(runtime, { stake: 1_000n * TOKEN, attestationRoot: f.root });
      last = enclave.address;
    }
    // Ten starts, past the registry's limit of eight: one enclave, the live one.
    expect(await f.tee.enclavesOf(signer.address)).to.deep.equal([last]);
    await expectNothingLost(f);
  });

  it("5. the watcher cannot be blinded: a result it cannot re-execute and a wild output in front of a lie are isolated, and the lie is proven wrong with a real proof", async function () {
    const f = await loadFixture(deployFixture);
    await demoModels(f, artifacts);
    const node = f.nodeSigners[0];
    await joinNode(f, node, 1_000n * TOKEN, [3, 5], levelMask(TrustLevel.VANILLA));
    await joinNode(f, f.nodeSigners[1], 1_000n * TOKEN, [5], levelMask(TrustLevel.VANILLA)); // a juror for #5
    const good = features("cancel my subscription now");
    const truth = evaluate(artifacts.model, good).output;
    const bad = [...good];
    bad[5] = 9_999n;
    const unrunnable = await request(f, 5, TrustLevel.VANILLA, bad, node.address);
    const wild = await request(f, 3, TrustLevel.VANILLA, good);
    const lie = await request(f, 3, TrustLevel.VANILLA, good);
    await f.hub.connect(node).submitResult(unrunnable.jobId, [0n]);
    await f.hub.connect(node).submitResult(wild.jobId, [999n]);
    await f.hub.connect(node).submitResult(lie.jobId, [(truth[0] + 1n) % 6n]);
    const logs: string[] = [];
    const watcher = new Watcher({ signer: f.challenger, contracts: await as(f, f.challenger), models: new Map([[3, artifacts], [5, artifacts]]), log: (l) => logs.push(l) });
    await watcher.poll();
    // Each lie is claimed with a real proof; nobody can answer a true claim, so each is decided
    // once its answer window closes, when the watcher resolves it.
    expect((await f.hub.getJob(wild.jobId)).status).to.equal(JobStatus.Challenged);
    expect((await f.hub.getJob(lie.jobId)).status).to.equal(JobStatus.Challenged);
    expect(watcher.challenges.map((c) => [c.jobId, c.resolved])).to.deep.equal([[wild.jobId, "proof"], [lie.jobId, "proof"]]);
    expect((await f.hub.getJob(unrunnable.jobId)).status).to.equal(JobStatus.Submitted);
    expect(logs.some((l) => l.includes(`job ${unrunnable.jobId}`) && l.includes("will retry"))).to.equal(true);
    await watcher.poll(); // inside the window: nothing to do
    expect((await f.hub.getJob(lie.jobId)).status).to.equal(JobStatus.Challenged);
    await time.increase(7_201);
    await watcher.poll();
    expect((await f.hub.getJob(wild.jobId)).status).to.equal(JobStatus.Refunded);
    expect((await f.hub.getJob(lie.jobId)).status).to.equal(JobStatus.Refunded);
    const bond = (await f.hub.parameters()).challengeBond;
    expect(await f.hub.balanceOf(f.challenger.address)).to.equal(SLASH + 2n * bond); // half of each of two slashes, and its bonds
    await expectNothingLost(f);
  });

  it("6b. minimum-stake Sybils win seats in proportion to their stake, not their number: with 4% of the drawable stake they decide almost no committee", async function () {
    const f = await loadFixture(deployFixture);
    const [liar, honest, ...sybils] = f.nodeSigners.slice(0, 6);
    await joinNode(f, liar, 1_000n * TOKEN, [2], levelMask(TrustLevel.VANILLA));
    await joinNode(f, honest, 9_000n * TOKEN, [2], levelMask(TrustLevel.VANILLA));
    // Four Sybils at the minimum stake: 400 of 10,400 PGT (3.8%) and four addresses to the honest one.
    for (const s of sybils) await joinNode(f, s, 100n * TOKEN, [2], levelMask(TrustLevel.VANILLA));
    await networkHelpers.impersonateAccount(f.hubAddress);
    await networkHelpers.setBalance(f.hubAddress, 10n ** 20n);
    const hubSigner = await ethers.getSigner(f.hubAddress);
    const sybilSet = new Set(sybils.map((s) => s.address));
    let captured = 0;
    let sybilSeats = 0;
    const draws = 200;
    for (let i = 0; i < draws; i++) {
      const seats = await f.nodes.connect(hubSigner).drawCommittee.staticCall(releaseKey(2, V1), TrustLevel.VANILLA, E.toBigInt(E.id(`sybil${i}`)), liar.address, f.challenger.address, 3, 0);
      const held = seats.filter((a) => sybilSet.has(a)).length;
      sybilSeats += held;
      if (held * 2 > 3) captured++;
    }
    await networkHelpers.stopImpersonatingAccount(f.hubAddress);
    // Without replacement, the honest node could take one seat at most and the Sybils held the
    // other two on every draw. With replacement they hold about 4% of the seats (400 / 9,400 of
    // the drawable stake) and a majority about 0.5% of the time.
    expect(sybilSeats / (3 * draws)).to.be.below(0.1);
    expect(captured).to.be.at.most(3);
  });

  it("6. a node with most of the stake cannot make its lie unchallengeable: the committee is always filled from the other nodes", async function () {
    const f = await loadFixture(deployFixture);
    const [whale, ...others] = f.nodeSigners.slice(0, 4);
    await joinNode(f, whale, 10_000n * TOKEN, [2], levelMask(TrustLevel.VANILLA));
    for (const s of others) await joinNode(f, s, 100n * TOKEN, [2], levelMask(TrustLevel.VANILLA));
    // 40 seeds straight at the registry: every draw without the whale fills all three seats.
    await networkHelpers.impersonateAccount(f.hubAddress);
    await networkHelpers.setBalance(f.hubAddress, 10n ** 20n);
    const hubSigner = await ethers.getSigner(f.hubAddress);
    for (let i = 0; i < 40; i++) {
      const committee = await f.nodes.connect(hubSigner).drawCommittee.staticCall(releaseKey(2, V1), TrustLevel.VANILLA, E.toBigInt(E.id(`seed${i}`)), whale.address, f.challenger.address, 3, 0);
      expect(committee.length).to.equal(3);
      expect(committee).to.not.include(whale.address);
    }
    await networkHelpers.stopImpersonatingAccount(f.hubAddress);
    let job;
    do job = await requestJob(f, TrustLevel.VANILLA, { modelId: 2 });
    while (job.node !== whale.address);
    await f.hub.connect(whale).submitResult(job.jobId, WRONG_OUTPUT);
    await f.court.connect(f.challenger).challenge(job.jobId);
    await mine(2);
    await f.court.draw(job.jobId);
    await committeeVotes(f, job.jobId, OUTPUT, WRONG_OUTPUT);
    expect((await f.hub.getJob(job.jobId)).status).to.equal(JobStatus.Refunded);
    expect((await f.nodes.getNode(whale.address)).stake).to.equal(10_000n * TOKEN - SLASH);
    await expectNothingLost(f);
  });

  it("7. governance cannot reach a node's stake: slashes are capped, open jobs keep their terms, and a removed enclave excuses the timeout", async function () {
    const f = await loadFixture(oneNodeFixture);
    const { jobId } = await requestJob(f, TrustLevel.TEE);
    const p = await hubParameters(f);
    await expect(f.hub.setParameters({ ...p, timeoutSlash: 100n * TOKEN + 1n })).to.be.revertedWithCustomError(f.hub, "HubInvalidParameter");
    await f.hub.setParameters({ ...p, timeoutSlash: 100n * TOKEN, treasury: f.deployer.address });
    await f.tee.removeEnclave(f.enclave.address);
    await time.increaseTo((await f.hub.getJob(jobId)).deadline + 1n);
    await expect(f.hub.connect(f.deployer).claimTimeout(jobId)).to.emit(f.hub, "JobRefunded").withArgs(jobId, f.requester.address, PRICES[1], RefundReason.TimeoutExcused);
    expect((await f.nodes.getNode(f.node.address)).stake).to.equal(1_000n * TOKEN);
    expect(await f.hub.balanceOf(f.deployer.address)).to.equal(0n);
    await expectNothingLost(f);
  });

  it("8a. abstaining allies do not make a challenge free: undecided costs the challenger a quarter of its bond and each absent member its absence slash", async function () {
    const f = await loadFixture(fiveNodeFixture);
    const { jobId, node } = await requestJob(f, TrustLevel.VANILLA, { modelId: 2 });
    await f.hub.connect(signerOf(f, node)).submitResult(jobId, OUTPUT);
    const before = await f.token.balanceOf(f.challenger.address);
    await f.court.connect(f.challenger).challenge(jobId);
    await mine(2);
    await f.court.draw(jobId);
    const [d, committee] = await f.court.getDispute(jobId);
    await time.increaseTo(d.revealBy + 1n);
    await f.court.resolve(jobId, OUTPUT); // nobody voted
    await f.hub.connect(f.challenger).withdraw();
    expect(before - (await f.token.balanceOf(f.challenger.address))).to.equal(BOND / 4n);
    for (const a of committee) expect((await f.nodes.getNode(a)).stake).to.equal(1_000n * TOKEN - 5n * TOKEN);
    await expectNothingLost(f);
  });

  it("8b. the requester pays for its callback's gas: a 2,000,000-gas callback must be in the fee, and the settling node is paid for it", async function () {
    const f = await loadFixture(oneNodeFixture);
    // The requester is its own consumer (a consumer is called back only for its own requests).
    const consumer = f.requester.address;
    const price = (await f.hub.parameters()).callbackGasPrice;
    await expect(requestJob(f, TrustLevel.TEE, { consumer, callbackGasLimit: 2_000_000, fee: PRICES[1] })).to.be.revertedWithCustomError(f.hub, "HubFeeTooLow");
    const { jobId } = await requestJob(f, TrustLevel.TEE, { consumer, callbackGasLimit: 2_000_000 });
    const version = (await f.hub.getJob(jobId)).version;
    const { signResult } = await import("../../src/protocol/index.js");
    const signature = await signResult(f.enclave, f.domain, { jobId, node: f.node.address, modelId: 1, version, weightsCommitment: WEIGHTS, inputHash: hashValues(INPUT), outputHash: hashValues(OUTPUT) });
    await f.hub.connect(f.node).submitTeeResult(jobId, OUTPUT, signature);
    const fee = PRICES[1];
    expect(await f.hub.balanceOf(f.node.address)).to.equal(2_000_000n * price + fee - fee / 10n - fee / 20n);
    await expectNothingLost(f);
  });

  it("8c. punishing a node costs bounded gas: a node in 48 pools is slashed and jailed for the same gas as a node in one", async function () {
    const f = await loadFixture(deployFixture);
    for (let i = 0; i < 14; i++) await f.models.connect(f.modelOwner).registerModel(`m${i}`, 65_536, release());
    const [small, big, warm, juror] = f.nodeSigners;
    await joinNode(f, juror, 1_000n * TOKEN, [2], 1);
    await joinNode(f, warm, 1_000n * TOKEN, [2], 1);
    await joinNode(f, small, 1_000n * TOKEN, [2], 1);
    await joinNode(f, big, 1_000n * TOKEN, Array.from({ length: 16 }, (_, i) => i + 1), 7);
    const timeoutGas = async (who: string) => {
      for (;;) {
        const { jobId, node } = await requestJob(f, TrustLevel.VANILLA, { modelId: 2 });
        if (node !== who) continue; // left open: only `who` is timed out and jailed
        await time.increaseTo((await f.hub.getJob(jobId)).deadline + 1n);
        return (await (await f.hub.claimTimeout(jobId)).wait())!.gasUsed;
      }
    };
    await timeoutGas(warm.address);
    const one = await timeoutGas(small.address);
    const many = await timeoutGas(big.address);
    expect(many > one ? many - one : one - many).to.be.lessThan(2_000n);
    await expectNothingLost(f);
  });

  it("9. a refunded TicketRouter ticket goes back to its customer, not to the router", async function () {
    const f = await loadFixture(oneNodeFixture);
    const router = await new TicketRouter__factory(f.deployer).deploy(f.hubAddress, await f.token.getAddress(), 1, V1, ["billing", "refund"]);
    await f.token.connect(f.requester).approve(await router.getAddress(), E.MaxUint256);
    const fee = PRICES[TrustLevel.VANILLA] + 100_000n * (await f.hub.parameters()).callbackGasPrice;
    const deadline = BigInt((await time.latest()) + 600);
    await router.connect(f.requester).openTicket(INPUT, TrustLevel.VANILLA, fee, deadline);
    const jobId = await f.hub.jobCount();
    await f.hub.connect(f.node).submitResult(jobId, WRONG_OUTPUT);
    await f.court.connect(f.challenger).proveFraud(jobId, INPUT, OUTPUT, claimFor(f, jobId, f.challenger.address));
    await time.increase(7_201);
    await f.court.resolve(jobId, WRONG_OUTPUT);
    const before = await f.token.balanceOf(f.requester.address);
    await router.connect(f.stranger).claimRefund(0);
    expect(await f.token.balanceOf(f.requester.address)).to.equal(before + fee);
    expect(await f.token.balanceOf(f.stranger.address)).to.equal(10_000n * TOKEN);
    await expectNothingLost(f, [await router.getAddress()]);
  });

  it("committee grinding after the seed is known: no weight in the pool can move between the seed block and the draw", async function () {
    const f = await loadFixture(fiveNodeFixture);
    const { jobId, node } = await requestJob(f, TrustLevel.VANILLA, { modelId: 2 });
    await f.hub.connect(signerOf(f, node)).submitResult(jobId, OUTPUT);
    const [staker, leaver] = f.nodeSigners.filter((s) => s.address !== node);
    await f.court.connect(f.challenger).challenge(jobId);
    // In the seed block itself the hash is unknown: changes are blind, and allowed.
    await f.nodes.connect(staker).addStake(1n);
    expect(await f.nodes.isHeld(releaseKey(2, V1))).to.equal(false);
    await mine(1);
    // The seed block is mined: every change of a weight in the pool is refused until the draw.
    for (const attempt of [
      () => f.nodes.connect(staker).addStake(1n),
      () => f.nodes.connect(staker).setServices([releaseKey(1, V1)], levelMask(TrustLevel.VANILLA)),
      () => f.nodes.connect(leaver).beginUnbonding(),
    ]) await expect(attempt()).to.be.revertedWithCustomError(f.nodes, "NodePoolHeld");
    await mine(1); // (refused transactions mine no block; a view reads the latest block)
    expect(await f.nodes.isHeld(releaseKey(2, V1))).to.equal(true);
    // A request for the model still draws a node (out-of-date entries are skipped, not fixed).
    expect((await requestJob(f, TrustLevel.VANILLA, { modelId: 2 })).node).to.be.properAddress;
    await f.court.draw(jobId);
    expect(await f.nodes.isHeld(releaseKey(2, V1))).to.equal(false);
    await f.nodes.connect(staker).addStake(1n);
    await expectNothingLost(f);
  });

  it("a zero commitment is refused, so no member can inflate the commit count to open reveals early or block the others", async function () {
    const f = await loadFixture(fiveNodeFixture);
    const { jobId, committee } = await drawnCommittee(f);
    await expect(f.court.connect(signerOf(f, committee[0])).commitVote(jobId, E.ZeroHash)).to.be.revertedWithCustomError(f.court, "CourtZeroCommitment").withArgs(jobId);
    expect((await f.court.getDispute(jobId))[0].committed).to.equal(0n);
    await expectNothingLost(f);
  });

  it("the real runtimes in a committee where one node holds several seats vote once each, and a right result stands with nobody fined", async function () {
    const f = await loadFixture(deployFixture);
    await demoModels(f, artifacts);
    await f.hub.setParameters({ ...(await hubParameters(f)), committeeSize: 5 });
    const logs: string[] = [];
    const runtimes = [];
    for (const [i, signer] of f.nodeSigners.slice(0, 3).entries()) {
      runtimes.push(new NodeRuntime({ setupTrust: DEV_KEYS, signer, contracts: await as(f, signer), models: new Map([[4, artifacts]]), levels: [TrustLevel.VANILLA], name: `n${i}`, log: (l) => logs.push(l) }));
    }
    for (const r of runtimes) await prepareNode(r, { stake: 1_000n * TOKEN });
    await time.increase(Number(await f.nodes.activationDelay()));
    for (const r of runtimes) await activateNodes([r]);
    const { jobId } = await request(f, 4, TrustLevel.VANILLA, features("my invoice is wrong"));
    for (const r of runtimes) await r.poll();
    await f.court.connect(f.challenger).challenge(jobId);
    await mine(2);
    for (let i = 0; i < 4 && Number((await f.hub.getJob(jobId)).status) === JobStatus.Challenged; i++) for (const r of runtimes) await r.poll();
    // Two other nodes share five seats, so one holds at least three; each voted once.
    const [, members, seats] = await f.court.getDispute(jobId);
    expect(seats.reduce((a, b) => a + b, 0n)).to.equal(5n);
    expect(members.length).to.be.at.most(2);
    expect((await f.hub.getJob(jobId)).status).to.equal(JobStatus.Settled);
    for (const s of f.nodeSigners.slice(0, 3)) expect((await f.nodes.getNode(s.address)).stake).to.equal(1_000n * TOKEN);
    expect(logs.some((l) => l.includes("slashed"))).to.equal(false);
    await expectNothingLost(f);
  });

  it("a restarted runtime still finalizes the VANILLA results it posted before the restart", async function () {
    const { f, make } = await restartable(artifacts);
    const first = await make();
    await prepareNode(first, { stake: 1_000n * TOKEN });
    await time.increase(Number(await f.nodes.activationDelay()));
    await activateNodes([first]);
    const { jobId } = await request(f, 3, TrustLevel.VANILLA, features("where is my parcel"));
    await first.poll();
    expect((await f.hub.getJob(jobId)).status).to.equal(JobStatus.Submitted);
    const second = await make(); // a new process on the same state file
    await time.increase(601);
    await second.poll();
    expect((await f.hub.getJob(jobId)).status).to.equal(JobStatus.Settled);
    await expectNothingLost(f);
  });

  it("jailing honest nodes after the seed is known does not move the committee: it is drawn from the pool as it stood at the seed block", async function () {
    const f = await loadFixture(fiveNodeFixture);
    // Jobs the attacker left to time out on every node, claimable at will (a real outage would do).
    await mine(1); // read the clock from a fresh block
    const stale: bigint[] = [];
    for (let i = 0; i < 6; i++) stale.push((await requestJob(f, TrustLevel.VANILLA, { modelId: 2, deadline: BigInt(await time.latest()) + 120n })).jobId);
    const { jobId, node } = await requestJob(f, TrustLevel.VANILLA, { modelId: 2 });
    await f.hub.connect(signerOf(f, node)).submitResult(jobId, OUTPUT);
    await time.increase(121);
    await f.court.connect(f.challenger).challenge(jobId);
    await mine(2);
    const snapshot = await networkHelpers.takeSnapshot();
    await f.court.draw(jobId);
    const fair = [...(await f.court.getDispute(jobId))[1]];
    await snapshot.restore();
    for (const id of stale) await f.hub.claimTimeout(id); // jails every node those jobs drew
    await f.court.draw(jobId);
    expect([...(await f.court.getDispute(jobId))[1]]).to.deep.equal(fair);
    await expectNothingLost(f);
  });

  it("a dispute left undrawn cannot keep later holds alive: once drawn, a new dispute's pool is free again", async function () {
    const f = await loadFixture(fiveNodeFixture);
    const first = await requestJob(f, TrustLevel.VANILLA, { modelId: 2 });
    await f.hub.connect(signerOf(f, first.node)).submitResult(first.jobId, OUTPUT);
    await f.court.connect(f.challenger).challenge(first.jobId); // never drawn, never resolved
    await time.increase(3_601);
    const second = await requestJob(f, TrustLevel.VANILLA, { modelId: 2 });
    await f.hub.connect(signerOf(f, second.node)).submitResult(second.jobId, OUTPUT);
    await f.court.connect(f.challenger).challenge(second.jobId);
    await mine(2);
    await f.court.draw(second.jobId);
    expect(await f.nodes.isHeld(releaseKey(2, V1))).to.equal(false);
    // The leftover resolves undecided; its late release cannot end anything.
    await f.court.resolve(first.jobId, OUTPUT);
    await expectNothingLost(f);
  });

  it("a TEE excuse is decided by what the node had when the job was requested: a later recovery keeps it, giving up its own usable enclave loses it", async function () {
    const f = await loadFixture(oneNodeFixture);
    const { jobId } = await requestJob(f, TrustLevel.TEE);
    await f.tee.revokeMeasurement(MEASUREMENT);
    await time.increaseTo((await f.hub.getJob(jobId)).deadline + 1n);
    await admitEnclave(f, f.node, E.id("new-measurement")); // the node recovers after the deadline
    await expect(f.hub.claimTimeout(jobId)).to.emit(f.hub, "JobRefunded").withArgs(jobId, f.requester.address, PRICES[1], RefundReason.TimeoutExcused);

    const g = await loadFixture(oneNodeFixture);
    const spare = await admitEnclave(g, g.node, E.id("spare-measurement"));
    const late = await requestJob(g, TrustLevel.TEE);
    await g.tee.removeEnclave(g.enclave.address); // governance
    await g.tee.connect(g.node).removeEnclave(spare.address); // the node gives up its usable spare itself
    await time.increaseTo((await g.hub.getJob(late.jobId)).deadline + 1n);
    await expect(g.hub.claimTimeout(late.jobId)).to.emit(g.hub, "NodePenalized");
  });

  it("6c. a dead enclave does not take away a TEE excuse, and one alive at the deadline still does", async function () {
    const beat = async (g: Awaited<ReturnType<typeof oneNodeFixture>>, enclave: E.BaseWallet) => {
      const t = BigInt(await time.latest());
      await g.tee.heartbeat(enclave.address, t, await signHeartbeat(enclave, teeDomain(g.chainId, await g.tee.getAddress()), t));
    };
    const age = await (await loadFixture(oneNodeFixture)).tee.maxHeartbeatAge();

    // A spare enclave under another approved measurement died long before the job; the live one's
    // measurement is revoked while the job is open. The node could sign with neither: excused.
    const f = await loadFixture(oneNodeFixture);
    await admitEnclave(f, f.node, E.id("spare-measurement"));
    await time.increase(age + 1n);
    await beat(f, f.enclave);
    const { jobId } = await requestJob(f, TrustLevel.TEE);
    await f.tee.revokeMeasurement(MEASUREMENT);
    await time.increaseTo((await f.hub.getJob(jobId)).deadline + 1n);
    const stake = (await f.nodes.getNode(f.node.address)).stake;
    await expect(f.hub.claimTimeout(jobId))
      .to.emit(f.hub, "JobRefunded")
      .withArgs(jobId, f.requester.address, PRICES[1], RefundReason.TimeoutExcused)
      .and.not.to.emit(f.hub, "NodePenalized");
    expect((await f.nodes.getNode(f.node.address)).stake).to.equal(stake);
    await expectNothingLost(f);

    // The spare was alive through the deadline and died only after it: the node could have signed
    // with it, and letting it die before the claim makes no excuse.
    const g = await loadFixture(oneNodeFixture);
    const spare = await admitEnclave(g, g.node, E.id("spare-measurement"));
    const late = await requestJob(g, TrustLevel.TEE);
    await g.tee.revokeMeasurement(MEASUREMENT);
    await time.increaseTo((await g.hub.getJob(late.jobId)).deadline - 5n);
    await beat(g, spare);
    await time.increase(age * 2n);
    await expect(g.hub.claimTimeout(late.jobId)).to.emit(g.hub, "NodePenalized").withArgs(late.jobId, g.node.address, 10n * TOKEN, Penalty.Timeout);
    await expectNothingLost(g);
  });

  it("6d. a cut of the heartbeat age excuses only a node whose enclave could not sign by the deadline: one kept alive to near the deadline and abandoned after it is slashed", async function () {
    const f = await loadFixture(oneNodeFixture);
    const { jobId } = await requestJob(f, TrustLevel.TEE);
    await f.tee.setMaxAges(86_400, 3_599); // governance trims the heartbeat age by a second
    await time.increaseTo((await f.hub.getJob(jobId)).deadline - 10n);
    const t = BigInt(await time.latest());
    await f.tee.heartbeat(f.enclave.address, t, await signHeartbeat(f.enclave, teeDomain(f.chainId, await f.tee.getAddress()), t));
    // The node never answers and stops its heartbeats; the claim comes an hour after the deadline.
    await time.increase(3_600);
    await expect(f.hub.claimTimeout(jobId)).to.emit(f.hub, "NodePenalized").withArgs(jobId, f.node.address, 10n * TOKEN, Penalty.Timeout);
    await expectNothingLost(f);
  });

  it("a restarted runtime still serves the jobs it had queued but not served", async function () {
    const { f, make } = await restartable(artifacts);
    const first = await make();
    await prepareNode(first, { stake: 1_000n * TOKEN });
    await time.increase(Number(await f.nodes.activationDelay()));
    await activateNodes([first]);
    const { jobId } = await request(f, 3, TrustLevel.VANILLA, features("reset my password"));
    // The first process queues the job, then dies before serving it (its submission failed).
    await (first as unknown as { scan(): Promise<void> }).scan();
    const second = await make();
    await second.poll();
    expect((await f.hub.getJob(jobId)).status).to.equal(JobStatus.Submitted);
    await expectNothingLost(f);
  });

  it("a committee member cannot copy a vote, nor vote without committing, nor reveal for another member", async function () {
    const f = await loadFixture(fiveNodeFixture);
    const { jobId, committee } = await drawnCommittee(f, 3);
    const [a, b] = committee.map((x) => signerOf(f, x));
    const salt = E.id("a");
    await f.court.connect(a).commitVote(jobId, voteCommitment(jobId, a.address, hashValues(OUTPUT), salt));
    // b copies a's commitment: it is bound to a's address, so b cannot reveal it.
    const copied = voteCommitment(jobId, a.address, hashValues(OUTPUT), salt);
    await f.court.connect(b).commitVote(jobId, copied);
    await time.increaseTo((await f.court.getDispute(jobId))[0].commitBy + 1n);
    await expect(f.court.connect(b).revealVote(jobId, hashValues(OUTPUT), salt)).to.be.revertedWithCustomError(f.court, "CourtBadReveal");
    await expect(f.court.connect(signerOf(f, committee[2])).revealVote(jobId, hashValues(OUTPUT), salt)).to.be.revertedWithCustomError(f.court, "CourtVoteState");
    await f.court.connect(a).revealVote(jobId, hashValues(OUTPUT), salt);
    await time.increaseTo((await f.court.getDispute(jobId))[0].revealBy + 1n);
    await expect(f.court.resolve(jobId, OUTPUT)).to.emit(f.hub, "NodePenalized").withArgs(jobId, b.address, 5n * TOKEN, Penalty.Absent);
    await expectNothingLost(f);
  });
});

