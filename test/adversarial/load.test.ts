/**
 * Honest nodes under load: request floods, outages and many lies on one stake. Each test is a
 * finding of the fourth outside review (issue 21), ending with the check that the hub holds exactly
 * what it owes.
 */
import { expect } from "chai";
import { ethers as E } from "ethers";
import { TOKEN } from "../../deploy/proofgrid.js";
import { hashValues, JobStatus, levelMask, Penalty, RefundReason, TrustLevel, voteCommitment } from "../../src/protocol/index.js";
import {
  claimFor,
  deployFixture,
  expectHubSolvent,
  INPUT,
  joinNode,
  networkHelpers,
  OUTPUT,
  requestJob,
  signerOf,
  WRONG_OUTPUT,
} from "../support/fixture.js";

const { loadFixture, time } = networkHelpers;

describe("adversarial: honest nodes survive floods and outages", function () {
  it("2. a flood of minimum-deadline jobs is refused beyond the node's capacity (NodePoolBusy), never assigned to be missed", async function () {
    const f = await loadFixture(deployFixture);
    const node = f.nodeSigners[0];
    await joinNode(f, node, 1_000n * TOKEN, [1], levelMask(TrustLevel.VANILLA, TrustLevel.ZK));
    await f.nodes.connect(node).setCapacity(5);
    const shortest = (await f.hub.parameters()).minVanillaTime;
    const served: bigint[] = [];
    let refused = 0;
    for (let i = 0; i < 20; i++) {
      try {
        const { jobId } = await requestJob(f, TrustLevel.VANILLA, { deadline: BigInt(await time.latest()) + shortest + 5n });
        served.push(jobId);
      } catch (e) {
        expect(String(e)).to.include("NodePoolBusy");
        refused++;
      }
    }
    expect(served).to.have.length(5);
    expect(refused).to.equal(15);
    expect((await f.nodes.getNode(node.address)).busy).to.equal(5n);
    // A served job frees a place at once; its stake still answers for the result.
    await f.hub.connect(node).submitResult(served[0], OUTPUT);
    expect((await f.nodes.getNode(node.address)).busy).to.equal(4n);
    expect((await f.nodes.getNode(node.address)).exposed).to.equal(5n);
    await requestJob(f, TrustLevel.VANILLA);
    await expect(requestJob(f, TrustLevel.VANILLA)).to.be.revertedWithCustomError(f.nodes, "NodePoolBusy").withArgs(1, 65_536, TrustLevel.VANILLA);
    // Another level shares the same capacity.
    await expect(requestJob(f, TrustLevel.ZK)).to.be.revertedWithCustomError(f.nodes, "NodePoolBusy");
    for (const id of served.slice(1)) await f.hub.connect(node).submitResult(id, OUTPUT);
    await time.increase(601);
    for (const id of served) await f.hub.finalize(id, OUTPUT);
    expect((await f.nodes.getNode(node.address)).stake).to.equal(1_000n * TOKEN);
    await expectHubSolvent(f);
  });

  it("2b. an outage costs one timeout slash, not one per missed job: the first claim jails, the others are refunded without a slash", async function () {
    const f = await loadFixture(deployFixture);
    const node = f.nodeSigners[0];
    await joinNode(f, node, 1_000n * TOKEN, [1], levelMask(TrustLevel.VANILLA, TrustLevel.TEE, TrustLevel.ZK));
    const jobs = [];
    for (let i = 0; i < 8; i++) jobs.push((await requestJob(f, i % 2 ? TrustLevel.ZK : TrustLevel.VANILLA)).jobId);
    await expect(requestJob(f, TrustLevel.VANILLA)).to.be.revertedWithCustomError(f.nodes, "NodePoolBusy"); // the default capacity, 8
    // The node goes offline; every deadline passes.
    await time.increase(86_401);
    const slash = (await f.hub.parameters()).timeoutSlash;
    await expect(f.hub.claimTimeout(jobs[0])).to.emit(f.hub, "NodePenalized").withArgs(jobs[0], node.address, slash, Penalty.Timeout);
    for (const id of jobs.slice(1)) {
      await expect(f.hub.claimTimeout(id))
        .to.emit(f.hub, "NodePenalized")
        .withArgs(id, node.address, 0n, Penalty.Timeout)
        .and.to.emit(f.hub, "JobRefunded")
        .withArgs(id, f.requester.address, anyFee, RefundReason.Timeout);
    }
    const info = await f.nodes.getNode(node.address);
    expect(info.stake).to.equal(1_000n * TOKEN - slash);
    expect(info.busy).to.equal(0n);
    expect(info.exposed).to.equal(0n);
    // Once it unjails, a new miss is slashed again.
    await time.increase(Number(await f.nodes.jailPeriod()));
    await f.nodes.connect(node).unjail();
    const { jobId } = await requestJob(f, TrustLevel.VANILLA);
    await time.increase(3_601);
    await expect(f.hub.claimTimeout(jobId)).to.emit(f.hub, "NodePenalized").withArgs(jobId, node.address, slash, Penalty.Timeout);
    await expectHubSolvent(f);
  });

  it("9. one stake, many lies: a node holds only as many open VANILLA results as its stake covers with a whole fraud slash, so every lie is paid for in full", async function () {
    const f = await loadFixture(deployFixture);
    const node = f.nodeSigners[0];
    const fraudSlash = (await f.hub.parameters()).fraudSlash;
    await joinNode(f, node, 3n * fraudSlash, [1], levelMask(TrustLevel.VANILLA, TrustLevel.ZK));
    await f.nodes.connect(node).setCapacity(255);
    const lies = [];
    for (let i = 0; i < 3; i++) {
      const { jobId } = await requestJob(f, TrustLevel.VANILLA);
      await f.hub.connect(node).submitResult(jobId, WRONG_OUTPUT);
      lies.push(jobId);
    }
    // A fourth VANILLA result would not be covered; a ZK job (which cannot lie) still is taken.
    await expect(requestJob(f, TrustLevel.VANILLA)).to.be.revertedWithCustomError(f.nodes, "NodePoolBusy");
    await requestJob(f, TrustLevel.ZK);
    for (const id of lies) await f.court.connect(f.challenger).proveFraud(id, INPUT, OUTPUT, claimFor(f, id, f.challenger.address));
    await time.increase(7_201);
    for (const id of lies) {
      await expect(f.court.resolve(id, WRONG_OUTPUT)).to.emit(f.hub, "NodePenalized").withArgs(id, node.address, fraudSlash, Penalty.Fraud);
      expect((await f.hub.getJob(id)).status).to.equal(JobStatus.Refunded);
    }
    expect((await f.nodes.getNode(node.address)).stake).to.equal(0n);
    await expectHubSolvent(f);
  });
});

describe("adversarial: a stake minority cannot convict honest nodes at a profit (outside review of issue 21)", function () {
  this.timeout(300_000);

  it("1c. a stake minority wins a dispute only when the draw hands it a majority of the seats, on either side: convicting honest results and shielding its own lies", async function () {
    const f = await loadFixture(deployFixture);
    const all = f.nodeSigners.slice(0, 6);
    for (const s of all) await joinNode(f, s, 1_000n * TOKEN, [2], levelMask(TrustLevel.VANILLA));
    await f.token.mint(f.challenger.address, 10_000n * TOKEN);
    const attackers = new Set([all[4].address, all[5].address]); // 2 of 6 equal nodes: 40% of a juror pool that leaves one honest node out
    const size = Number((await f.hub.parameters()).committeeSize);
    await f.token.mint(f.stranger.address, 10_000n * TOKEN); // the honest watcher
    await f.token.connect(f.stranger).approve(f.hubAddress, E.MaxUint256);
    for (let round = 0; round < 24; round++) {
      const { jobId, node } = await requestJob(f, TrustLevel.VANILLA, { modelId: 2 });
      const liar = attackers.has(node);
      // An attacker's node lies; an honest node posts the truth. The challenger is the attacker
      // against honest nodes, and an honest watcher against the attacker's lies.
      await f.hub.connect(signerOf(f, node)).submitResult(jobId, liar ? WRONG_OUTPUT : OUTPUT);
      await f.court.connect(liar ? f.stranger : f.challenger).challenge(jobId);
      await networkHelpers.mine(2);
      await f.court.draw(jobId);
      const [, members, seats] = await f.court.getDispute(jobId);
      let held = 0;
      members.forEach((m, k) => (held += attackers.has(m) ? Number(seats[k]) : 0));
      // The attacker sees its seats before it commits and votes against the truth only when they
      // could decide; otherwise it votes with the honest members and takes a share.
      const decides = held * 2 > size;
      const vote = (m: string) => (attackers.has(m) && decides ? WRONG_OUTPUT : OUTPUT);
      for (const [k, m] of members.entries()) await f.court.connect(signerOf(f, m)).commitVote(jobId, voteCommitment(jobId, m, hashValues(vote(m)), E.id(`s${k}`)));
      for (const [k, m] of members.entries()) await f.court.connect(signerOf(f, m)).revealVote(jobId, hashValues(vote(m)), E.id(`s${k}`));
      const receipt = (await (await f.court.resolve(jobId, liar ? WRONG_OUTPUT : OUTPUT)).wait())!;
      const penalized = receipt.logs.some((l) => f.hub.interface.parseLog(l)?.name === "NodePenalized");
      const status = Number((await f.hub.getJob(jobId)).status);
      if (liar) {
        // The lie stands exactly when the attacker held a majority of the seats; else it is convicted.
        expect(status === JobStatus.Settled, `lie upheld with ${held} of ${size} seats`).to.equal(decides);
        expect(penalized).to.equal(!decides);
      } else {
        // An honest node is convicted exactly when the attacker held a majority of the seats.
        expect(penalized, `honest node convicted with ${held} of ${size} seats`).to.equal(decides);
      }
      await time.increase(86_401);
      for (const h of all) if ((await f.nodes.getNode(h.address)).jailedUntil !== 0n) await f.nodes.connect(h).unjail();
    }
    await expectHubSolvent(f);
  });
});

describe("adversarial: counts and capacity hold across incarnations and stake (outside review of issue 21)", function () {
  it("2c. a node cannot withdraw while jobs drawn to it are open (NodeJobsOpen), so a rejoined record never starts with counts its old jobs would lower", async function () {
    const f = await loadFixture(deployFixture);
    const node = f.nodeSigners[0];
    await joinNode(f, node, 100n * TOKEN, [1], levelMask(TrustLevel.VANILLA));
    const stale = await requestJob(f, TrustLevel.VANILLA);
    await f.hub.connect(node).submitResult(stale.jobId, OUTPUT); // never finalized by the node
    await f.nodes.connect(node).beginUnbonding();
    await time.increase(8 * 86_400);
    await expect(f.nodes.connect(node).withdrawStake()).to.be.revertedWithCustomError(f.nodes, "NodeJobsOpen").withArgs(node.address, 0, 1);
    // Anyone ends it; then the stake comes back.
    await f.hub.connect(f.stranger).finalize(stale.jobId, OUTPUT);
    await f.nodes.connect(node).withdrawStake();
    await joinNode(f, node, 100n * TOKEN, [1], levelMask(TrustLevel.VANILLA));
    const info = await f.nodes.getNode(node.address);
    expect([info.busy, info.exposed]).to.deep.equal([0n, 0n]);
    await expectHubSolvent(f);
  });

  it("3b. a declared capacity beyond DEFAULT_CAPACITY jobs per minimum stake is not drawn: abandoning jobs (one timeout slash per jail) reaches only as many as the stake answers for", async function () {
    const f = await loadFixture(deployFixture);
    const node = f.nodeSigners[0];
    const minStake = await f.nodes.minStake();
    await joinNode(f, node, minStake, [1], levelMask(TrustLevel.TEE, TrustLevel.ZK));
    await f.nodes.connect(node).setCapacity(255);
    const perMinStake = Number(await f.nodes.DEFAULT_CAPACITY());
    for (let i = 0; i < perMinStake; i++) await requestJob(f, TrustLevel.ZK);
    await expect(requestJob(f, TrustLevel.ZK)).to.be.revertedWithCustomError(f.nodes, "NodePoolBusy");
    // More stake, more room.
    await f.nodes.connect(node).addStake(minStake);
    await requestJob(f, TrustLevel.ZK);
    expect((await f.nodes.getNode(node.address)).busy).to.equal(BigInt(perMinStake + 1));
    await expectHubSolvent(f);
  });
});

const anyFee = (v: bigint) => v > 0n;
