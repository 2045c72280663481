/**
 * Honest nodes under load: request floods, outages and many lies on one stake. Each test is a
 * finding of the fourth outside review (issue 21), ending with the check that the hub holds exactly
 * what it owes.
 */
import { expect } from "chai";
import { TOKEN } from "../../deploy/proofgrid.js";
import { JobStatus, levelMask, Penalty, RefundReason, TrustLevel } from "../../src/protocol/index.js";
import {
  claimFor,
  deployFixture,
  expectHubSolvent,
  INPUT,
  joinNode,
  networkHelpers,
  OUTPUT,
  requestJob,
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

const anyFee = (v: bigint) => v > 0n;
