/**
 * Disputes of VANILLA results: fraud proofs with an answer window (releases with a verifier) and
 * the committee court (releases without one): challenge, draw from a future block, commit,
 * reveal, resolve; every outcome's payouts; terms fixed at request; governance never turning into
 * a slash of an open job; bounded punishment.
 */
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { expect } from "chai";
import { ethers as E } from "ethers";
import { TOKEN } from "../../deploy/proofgrid.js";
import { hashValues, JobStatus, Penalty, RefundReason, signHeartbeat, teeDomain, TrustLevel, Verdict, voteCommitment, releaseKey } from "../../src/protocol/index.js";
import {
  expectHubSolvent,
  fiveNodeFixture,
  signerOf,
  admitEnclave,
  deployFixture,
  hubLiabilities,
  hubParameters,
  INPUT,
  joinNode,
  MEASUREMENT,
  networkHelpers,
  oneNodeFixture,
  OUTPUT,
  PRICES,
  claimFor,
  proofFor,
  requestJob,
  time,
  WRONG_OUTPUT,
  type Fixture,
  V1,
} from "../support/fixture.js";

const { loadFixture, mine } = networkHelpers;
const FEE = PRICES[TrustLevel.VANILLA];
const NODE_SHARE = FEE - FEE / 10n - FEE / 20n; // royalty 10%, protocol 5%
const BOND = 75n * TOKEN;
const SLASH = 100n * TOKEN;

const expectSolvent = expectHubSolvent;



/** A VANILLA job of model 2 (no verifier) with `posted` submitted by its node. */
async function submittedJob(f: Fixture, posted: bigint[], modelId = 2) {
  const { jobId, node } = await requestJob(f, TrustLevel.VANILLA, { modelId });
  const nodeSigner = signerOf(f, node);
  await f.hub.connect(nodeSigner).submitResult(jobId, posted);
  return { jobId, nodeSigner };
}

/** Challenges, mines past the seed block and draws; returns the members' signers and their seats. */
async function drawnDispute(f: Fixture, posted: bigint[], challenger = f.challenger) {
  const { jobId, nodeSigner } = await submittedJob(f, posted);
  await f.court.connect(challenger).challenge(jobId);
  await mine(2);
  await f.court.draw(jobId);
  const [d, committee, seats] = await f.court.getDispute(jobId);
  return { jobId, nodeSigner, d, members: committee.map((a) => signerOf(f, a)), seats: seats.map(Number) };
}

/** Seats are drawn with replacement: disputes again until the committee has the shape a test needs. */
async function drawnDisputeWhere(f: Fixture, posted: bigint[], want: (seats: number[]) => boolean) {
  for (let i = 0; i < 40; i++) {
    const drawn = await drawnDispute(f, posted);
    if (want(drawn.seats)) return drawn;
  }
  throw new Error("no committee of the wanted shape in 40 draws");
}

const salt = (i: number) => E.id(`salt${i}`);

async function commit(f: Fixture, jobId: bigint, member: { address: string }, output: bigint[], i: number) {
  const signer = signerOf(f, member.address);
  await f.court.connect(signer).commitVote(jobId, voteCommitment(jobId, member.address, hashValues(output), salt(i)));
}

async function reveal(f: Fixture, jobId: bigint, member: { address: string }, output: bigint[], i: number) {
  return f.court.connect(signerOf(f, member.address)).revealVote(jobId, hashValues(output), salt(i));
}

describe("disputes", function () {
  describe("fraud proofs (the release has a verifier)", function () {
    /** The answer window of a fraud proof opened now: draw + commit + reveal windows. */
    const ANSWER = 3_600 + 1_800 + 1_800;

    it("a proof of another output is a claim with an answer window; unanswered, it refunds, slashes and jails, the bond back and half the slash to the prover", async function () {
      const f = await loadFixture(oneNodeFixture);
      const { jobId } = await requestJob(f, TrustLevel.VANILLA);
      await f.hub.connect(f.node).submitResult(jobId, WRONG_OUTPUT);
      const stake = (await f.nodes.getNode(f.node.address)).stake;
      const claim = claimFor(f, jobId, f.challenger.address);
      await expect(f.court.connect(f.challenger).proveFraud(jobId, INPUT, OUTPUT, claim))
        .to.emit(f.court, "FraudClaimed")
        .withArgs(jobId, f.challenger.address, BOND, BigInt(await time.latest()) + 1n + BigInt(ANSWER), OUTPUT, claim)
        .and.to.emit(f.hub, "DisputeOpened")
        .withArgs(jobId, f.challenger.address, BOND);
      expect((await f.hub.getJob(jobId)).status).to.equal(JobStatus.Challenged);
      await expectSolvent(f); // the bond is held
      const [d] = await f.court.getDispute(jobId);
      expect(d.byProof).to.equal(true);
      await expect(f.court.resolve(jobId, WRONG_OUTPUT)).to.be.revertedWithCustomError(f.court, "CourtNotDue").withArgs(jobId, d.drawBy, anyValue);
      await expect(f.court.draw(jobId)).to.be.revertedWithCustomError(f.court, "CourtNoVerifier").withArgs(jobId);
      await time.increaseTo(d.drawBy + 1n);
      await expect(f.court.connect(f.stranger).resolve(jobId, WRONG_OUTPUT))
        .to.emit(f.court, "DisputeResolved")
        .withArgs(jobId, Verdict.Fraud, E.ZeroHash, 0)
        .and.to.emit(f.hub, "NodePenalized")
        .withArgs(jobId, f.node.address, SLASH, Penalty.Fraud)
        .and.to.emit(f.hub, "JobRefunded")
        .withArgs(jobId, f.requester.address, FEE, RefundReason.Fraud);
      expect(await f.hub.balanceOf(f.requester.address)).to.equal(FEE);
      expect(await f.hub.balanceOf(f.challenger.address)).to.equal(BOND + SLASH / 2n);
      expect(await f.hub.balanceOf(f.treasury.address)).to.equal(SLASH / 2n);
      const info = await f.nodes.getNode(f.node.address);
      expect(info.stake).to.equal(stake - SLASH);
      expect(info.jailedUntil).to.be.greaterThan(0n);
      expect(await f.nodes.weightOf(f.node.address, releaseKey(1, V1), TrustLevel.VANILLA)).to.equal(0n);
      await expect(f.court.resolve(jobId, WRONG_OUTPUT)).to.be.revertedWithCustomError(f.court, "CourtResolved");
      await expectSolvent(f);
    });

    it("refuses a proof of the posted output (CourtNotFraud): an honest node is never penalised", async function () {
      const f = await loadFixture(oneNodeFixture);
      const { jobId } = await requestJob(f, TrustLevel.VANILLA);
      await f.hub.connect(f.node).submitResult(jobId, OUTPUT);
      await expect(f.court.connect(f.challenger).proveFraud(jobId, INPUT, OUTPUT, claimFor(f, jobId, f.challenger.address)))
        .to.be.revertedWithCustomError(f.court, "CourtNotFraud")
        .withArgs(jobId, hashValues(OUTPUT));
      await time.increase(601);
      await f.hub.finalize(jobId, OUTPUT);
      expect(await f.hub.balanceOf(f.node.address)).to.equal(NODE_SHARE);
      await expectSolvent(f);
    });

    it("refuses a proof for another prover, bound to the hub, another input, the wrong length, after the window, by the node, or on a job not submitted", async function () {
      const f = await loadFixture(oneNodeFixture);
      const pending = await requestJob(f, TrustLevel.VANILLA);
      await expect(f.court.connect(f.challenger).proveFraud(pending.jobId, INPUT, OUTPUT, claimFor(f, pending.jobId, f.challenger.address)))
        .to.be.revertedWithCustomError(f.hub, "HubWrongStatus")
        .withArgs(pending.jobId, JobStatus.Requested, JobStatus.Submitted);
      const { jobId } = await requestJob(f, TrustLevel.VANILLA);
      await f.hub.connect(f.node).submitResult(jobId, WRONG_OUTPUT);
      await expect(f.court.connect(f.stranger).proveFraud(jobId, INPUT, OUTPUT, claimFor(f, jobId, f.challenger.address)))
        .to.be.revertedWithCustomError(f.court, "CourtInvalidProof")
        .withArgs(jobId, f.stranger.address);
      await expect(f.court.connect(f.challenger).proveFraud(jobId, INPUT, OUTPUT, proofFor(f, jobId, f.challenger.address)))
        .to.be.revertedWithCustomError(f.court, "CourtInvalidProof")
        .withArgs(jobId, f.challenger.address);
      await expect(f.court.connect(f.challenger).proveFraud(jobId, [1n, 2n, 3n, 4n], OUTPUT, claimFor(f, jobId, f.challenger.address, OUTPUT, [1n, 2n, 3n, 4n])))
        .to.be.revertedWithCustomError(f.court, "CourtInputMismatch");
      await expect(f.court.connect(f.challenger).proveFraud(jobId, INPUT, [1n], claimFor(f, jobId, f.challenger.address, [1n])))
        .to.be.revertedWithCustomError(f.court, "CourtOutputLength")
        .withArgs(jobId, 3, 1);
      await expect(f.court.connect(f.node).proveFraud(jobId, INPUT, OUTPUT, claimFor(f, jobId, f.node.address)))
        .to.be.revertedWithCustomError(f.hub, "HubSelfChallenge")
        .withArgs(jobId, f.node.address);
      const job = await f.hub.getJob(jobId);
      await time.increaseTo(job.deadline + 1n);
      await expect(f.court.connect(f.challenger).proveFraud(jobId, INPUT, OUTPUT, claimFor(f, jobId, f.challenger.address)))
        .to.be.revertedWithCustomError(f.hub, "HubChallengeWindowClosed")
        .withArgs(jobId, job.deadline, anyValue);
      await expect(f.court.connect(f.challenger).proveFraud(99n, INPUT, OUTPUT, claimFor(f, 99n, f.challenger.address)))
        .to.be.revertedWithCustomError(f.models, "ModelReleaseUnknown");
      await expectSolvent(f);
    });

    it("a release with a verifier is disputed by proof only, one without by a committee only", async function () {
      const f = await loadFixture(oneNodeFixture);
      const { jobId } = await requestJob(f, TrustLevel.VANILLA);
      await f.hub.connect(f.node).submitResult(jobId, WRONG_OUTPUT);
      await expect(f.court.connect(f.challenger).challenge(jobId)).to.be.revertedWithCustomError(f.hub, "HubWrongDisputeKind").withArgs(jobId, true);
      await joinNode(f, f.nodeSigners[1]); // a committee release's VANILLA jobs need a pool that can judge
      const other = await submittedJob(f, WRONG_OUTPUT);
      await expect(f.court.connect(f.challenger).proveFraud(other.jobId, INPUT, OUTPUT, claimFor(f, other.jobId, f.challenger.address)))
        .to.be.revertedWithCustomError(f.court, "CourtNoVerifier")
        .withArgs(other.jobId);
      await expectSolvent(f);
    });

    it("a forged claim against a right result is answered: the release freezes as unsound, nobody is slashed, the bond comes back", async function () {
      const f = await loadFixture(oneNodeFixture);
      const { jobId } = await requestJob(f, TrustLevel.VANILLA);
      await f.hub.connect(f.node).submitResult(jobId, OUTPUT);
      // The mock verifier is unsound by design: anyone proves anything, as a trapdoor holder could.
      const forged = claimFor(f, jobId, f.challenger.address, WRONG_OUTPUT);
      await f.court.connect(f.challenger).proveFraud(jobId, INPUT, WRONG_OUTPUT, forged);
      const stake = (await f.nodes.getNode(f.node.address)).stake;
      const claimed = { hub: f.courtAddress, jobId, prover: f.challenger.address, output: WRONG_OUTPUT, proof: forged };
      const answer = { hub: await f.bonds.getAddress(), jobId, prover: f.node.address, output: OUTPUT, proof: proofFor(f, jobId, f.node.address, OUTPUT, INPUT, await f.bonds.getAddress()) };
      await expect(f.bonds.connect(f.node).proveEquivocation(1, V1, INPUT, claimed, answer, E.ZeroAddress)).to.emit(f.bonds, "EquivocationProven");
      await expect(f.court.connect(f.stranger).resolve(jobId, OUTPUT))
        .to.emit(f.court, "DisputeResolved")
        .withArgs(jobId, Verdict.Unsound, E.ZeroHash, 0)
        .and.to.emit(f.hub, "JobRefunded")
        .withArgs(jobId, f.requester.address, FEE, RefundReason.Unsound)
        .and.not.to.emit(f.hub, "NodePenalized");
      expect(await f.hub.balanceOf(f.challenger.address)).to.equal(BOND);
      expect((await f.nodes.getNode(f.node.address)).stake).to.equal(stake);
      expect((await f.nodes.getNode(f.node.address)).jailedUntil).to.equal(0n);
      await expectSolvent(f);
    });
  });

  describe("the committee court (the release has no verifier)", function () {
    it("fraud: every seat against the posted output refunds the requester, slashes the liar and pays challenger, majority and treasury", async function () {
      const f = await loadFixture(fiveNodeFixture);
      const first = await submittedJob(f, WRONG_OUTPUT);
      await expect(f.court.connect(f.challenger).challenge(first.jobId)).to.emit(f.court, "ChallengeOpened").withArgs(first.jobId, f.challenger.address, BOND, anyValue, anyValue);
      expect((await f.hub.getJob(first.jobId)).status).to.equal(JobStatus.Challenged);
      await expect(f.court.connect(f.stranger).challenge(first.jobId)).to.be.revertedWithCustomError(f.hub, "HubWrongStatus");
      // The seed block is not mined yet: nobody can see the committee in the challenge's block.
      await expect(f.court.draw(first.jobId)).to.be.revertedWithCustomError(f.court, "CourtDrawTooEarly");
      await mine(2);
      await expect(f.court.connect(f.stranger).draw(first.jobId)).to.emit(f.court, "CommitteeDrawn");
      await expect(f.court.draw(first.jobId)).to.be.revertedWithCustomError(f.court, "CourtDrawn").withArgs(first.jobId, true);
      const [firstDispute, firstCommittee, firstSeats] = await f.court.getDispute(first.jobId);
      // Three seats, drawn with replacement: one to three distinct members, never the node or the challenger.
      expect(firstSeats.reduce((a, b) => a + b, 0n)).to.equal(3n);
      expect(firstCommittee.length).to.equal(Number(firstDispute.members));
      expect(firstCommittee).to.not.include(first.nodeSigner.address);
      expect(firstCommittee).to.not.include(f.challenger.address);

      // The votes, on a committee of three distinct members (a conviction needs more than two thirds of the seats).
      const { jobId, nodeSigner, d, members } = await drawnDisputeWhere(f, WRONG_OUTPUT, (seats) => seats.length === 3);
      await expect(f.court.connect(f.stranger).commitVote(jobId, E.id("x"))).to.be.revertedWithCustomError(f.court, "CourtNotMember").withArgs(jobId, f.stranger.address);
      await commit(f, jobId, members[0], OUTPUT, 0);
      await expect(commit(f, jobId, members[0], OUTPUT, 0)).to.be.revertedWithCustomError(f.court, "CourtVoteState");
      // Reveals open only when every seat committed or the commit window closed: nobody copies a vote.
      await expect(reveal(f, jobId, members[0], OUTPUT, 0)).to.be.revertedWithCustomError(f.court, "CourtRevealWindow");
      await commit(f, jobId, members[1], OUTPUT, 1);
      await commit(f, jobId, members[2], OUTPUT, 2);
      await expect(reveal(f, jobId, members[0], OUTPUT, 1)).to.be.revertedWithCustomError(f.court, "CourtBadReveal").withArgs(jobId, members[0].address);
      await expect(reveal(f, jobId, members[0], WRONG_OUTPUT, 0)).to.be.revertedWithCustomError(f.court, "CourtBadReveal");
      await expect(f.court.resolve(jobId, WRONG_OUTPUT)).to.be.revertedWithCustomError(f.court, "CourtNotDue").withArgs(jobId, d.revealBy, anyValue);
      await expect(reveal(f, jobId, members[0], OUTPUT, 0)).to.emit(f.court, "VoteRevealed").withArgs(jobId, members[0].address, hashValues(OUTPUT));
      await expect(reveal(f, jobId, members[0], OUTPUT, 0)).to.be.revertedWithCustomError(f.court, "CourtVoteState");
      await reveal(f, jobId, members[1], OUTPUT, 1);
      await reveal(f, jobId, members[2], OUTPUT, 2);
      // Every seat revealed: due at once.
      const stake = (await f.nodes.getNode(nodeSigner.address)).stake;
      const each = SLASH / 4n / 3n;
      await expect(f.court.connect(f.stranger).resolve(jobId, WRONG_OUTPUT))
        .to.emit(f.court, "DisputeResolved")
        .withArgs(jobId, Verdict.Fraud, hashValues(OUTPUT), 3)
        .and.to.emit(f.hub, "DisputeClosed")
        .withArgs(jobId, Verdict.Fraud, BOND + SLASH / 2n, each * 3n);
      await expect(f.court.resolve(jobId, WRONG_OUTPUT)).to.be.revertedWithCustomError(f.court, "CourtResolved");
      expect((await f.hub.getJob(jobId)).status).to.equal(JobStatus.Refunded);
      expect(await f.hub.balanceOf(f.requester.address)).to.equal(FEE);
      expect(await f.hub.balanceOf(f.challenger.address)).to.equal(BOND + SLASH / 2n);
      for (const m of members) expect(await f.hub.balanceOf(m.address)).to.equal(each);
      expect(await f.hub.balanceOf(f.treasury.address)).to.equal(SLASH / 4n + (SLASH / 4n - each * 3n));
      expect((await f.nodes.getNode(nodeSigner.address)).stake).to.equal(stake - SLASH);
      await expectSolvent(f);
    });

    it("a strict majority of the seats decides either way: two of three against a result convict; one each for three outputs is undecided (refund, no slash) and the challenger forfeits a quarter of its bond", async function () {
      let f = await loadFixture(fiveNodeFixture);
      let { jobId, nodeSigner, members } = await drawnDisputeWhere(f, OUTPUT, (seats) => seats.length === 3);
      const stake = (await f.nodes.getNode(nodeSigner.address)).stake;
      const votes = async (outputs: bigint[][]) => {
        for (const [i, m] of members.entries()) await commit(f, jobId, m, outputs[i], i);
        for (const [i, m] of members.entries()) await reveal(f, jobId, m, outputs[i], i);
      };
      await votes([WRONG_OUTPUT, WRONG_OUTPUT, OUTPUT]);
      await expect(f.court.resolve(jobId, OUTPUT))
        .to.emit(f.court, "DisputeResolved")
        .withArgs(jobId, Verdict.Fraud, hashValues(WRONG_OUTPUT), 2)
        .and.to.emit(f.hub, "NodePenalized");
      await expectSolvent(f);

      f = await loadFixture(fiveNodeFixture);
      ({ jobId, nodeSigner, members } = await drawnDisputeWhere(f, OUTPUT, (seats) => seats.length === 3));
      await votes([WRONG_OUTPUT, [10n, -3n, 702n], OUTPUT]);
      await expect(f.court.resolve(jobId, OUTPUT))
        .to.emit(f.court, "DisputeResolved")
        .withArgs(jobId, Verdict.Undecided, E.ZeroHash, 1)
        .and.to.emit(f.hub, "JobRefunded")
        .withArgs(jobId, f.requester.address, FEE, RefundReason.Undecided)
        .and.not.to.emit(f.hub, "NodePenalized");
      expect((await f.nodes.getNode(nodeSigner.address)).stake).to.equal(stake);
      expect(await f.hub.balanceOf(f.challenger.address)).to.equal(BOND - BOND / 4n);
      await expectSolvent(f);
    });

    it("node right: the node is paid its fee and half the bond, the majority the other half", async function () {
      const f = await loadFixture(fiveNodeFixture);
      const { jobId, nodeSigner, members, seats } = await drawnDispute(f, OUTPUT);
      for (const [i, m] of members.entries()) await commit(f, jobId, m, OUTPUT, i);
      for (const [i, m] of members.entries()) await reveal(f, jobId, m, OUTPUT, i);
      await expect(f.court.resolve(jobId, WRONG_OUTPUT)).to.be.revertedWithCustomError(f.hub, "HubOutputMismatch");
      await expect(f.court.connect(f.stranger).resolve(jobId, OUTPUT)).to.emit(f.hub, "JobSettled").withArgs(jobId, nodeSigner.address, hashValues(OUTPUT), NODE_SHARE, anyValue, anyValue);
      expect(await f.hub.balanceOf(nodeSigner.address)).to.equal(NODE_SHARE + BOND / 2n);
      // 25 tokens split three ways; the division's remainder goes to the treasury.
      // 25 tokens split by seat: a member holding two seats is paid twice.
      for (const [i, m] of members.entries()) expect(await f.hub.balanceOf(m.address)).to.equal((BOND / 2n / 3n) * BigInt(seats[i]));
      expect(await f.hub.balanceOf(f.challenger.address)).to.equal(0n);
      await expectSolvent(f);
    });

    it("undecided (split votes and an absent member): refund, no slash for the output, the absent member slashed, the challenger forfeits a quarter of its bond", async function () {
      const f = await loadFixture(fiveNodeFixture);
      const { jobId, nodeSigner, d, members } = await drawnDisputeWhere(f, OUTPUT, (seats) => seats.length === 3);
      await commit(f, jobId, members[0], OUTPUT, 0);
      await commit(f, jobId, members[1], WRONG_OUTPUT, 1);
      await time.increaseTo(d.commitBy + 1n);
      await expect(commit(f, jobId, members[2], OUTPUT, 2)).to.be.revertedWithCustomError(f.court, "CourtCommitClosed");
      await reveal(f, jobId, members[0], OUTPUT, 0);
      await reveal(f, jobId, members[1], WRONG_OUTPUT, 1);
      await time.increaseTo(d.revealBy + 1n);
      await expect(reveal(f, jobId, members[0], OUTPUT, 0)).to.be.revertedWithCustomError(f.court, "CourtRevealWindow");
      const nodeStake = (await f.nodes.getNode(nodeSigner.address)).stake;
      const absentStake = (await f.nodes.getNode(members[2].address)).stake;
      await expect(f.court.resolve(jobId, OUTPUT))
        .to.emit(f.hub, "NodePenalized")
        .withArgs(jobId, members[2].address, 5n * TOKEN, Penalty.Absent)
        .and.to.emit(f.hub, "JobRefunded")
        .withArgs(jobId, f.requester.address, FEE, RefundReason.Undecided);
      expect((await f.nodes.getNode(nodeSigner.address)).stake).to.equal(nodeStake);
      expect((await f.nodes.getNode(members[2].address)).stake).to.equal(absentStake - 5n * TOKEN);
      expect((await f.nodes.getNode(members[2].address)).jailedUntil).to.be.greaterThan(0n);
      const forfeit = BOND / 4n;
      expect(await f.hub.balanceOf(f.challenger.address)).to.equal(BOND - forfeit);
      expect(await f.hub.balanceOf(members[0].address)).to.equal(forfeit / 4n);
      expect(await f.hub.balanceOf(members[1].address)).to.equal(forfeit / 4n);
      expect(await f.hub.balanceOf(f.treasury.address)).to.equal(forfeit / 2n + 5n * TOKEN);
      expect(await f.hub.balanceOf(nodeSigner.address)).to.equal(0n);
      await expectSolvent(f);
    });

    it("votes weigh by seat: a member drawn for three of five seats votes once and keeps a right result alone", async function () {
      const f = await loadFixture(deployFixture);
      const p = await hubParameters(f);
      await f.hub.setParameters({ ...p, committeeSize: 5 });
      for (const s of f.nodeSigners.slice(0, 3)) await joinNode(f, s);
      // Two other nodes of equal stake share five seats: one of them holds at least three.
      const { jobId, nodeSigner, d, members, seats } = await drawnDispute(f, OUTPUT);
      expect(d.size).to.equal(5n);
      expect(seats.reduce((a, b) => a + b, 0)).to.equal(5);
      const major = seats.findIndex((n) => n >= 3);
      const majority = members[major];
      await commit(f, jobId, majority, OUTPUT, 0);
      // The same member cannot commit twice for its other seats.
      await expect(commit(f, jobId, majority, OUTPUT, 0)).to.be.revertedWithCustomError(f.court, "CourtVoteState");
      for (const [i, m] of members.entries()) if (i !== major) await commit(f, jobId, m, WRONG_OUTPUT, 1);
      await reveal(f, jobId, majority, OUTPUT, 0);
      for (const [i, m] of members.entries()) if (i !== major) await reveal(f, jobId, m, WRONG_OUTPUT, 1);
      await expect(f.court.resolve(jobId, OUTPUT))
        .to.emit(f.court, "DisputeResolved")
        .withArgs(jobId, Verdict.NodeRight, hashValues(OUTPUT), seats[major]);
      // The majority's half of the bond, split by seat, all to the one member behind it; the minority gets nothing.
      const n = BigInt(seats[major]);
      expect(await f.hub.balanceOf(majority.address)).to.equal((BOND / 2n / n) * n);
      for (const [i, m] of members.entries()) if (i !== major) expect(await f.hub.balanceOf(m.address)).to.equal(0n);
      expect(await f.hub.balanceOf(nodeSigner.address)).to.equal(NODE_SHARE + BOND / 2n);
      await expectSolvent(f);
    });

    it("nobody but the parties could judge: a VANILLA job is refused from a pool of one, a challenge by the only other node is refused, and the result stands", async function () {
      const f = await loadFixture(oneNodeFixture);
      await expect(requestJob(f, TrustLevel.VANILLA, { modelId: 2 })).to.be.revertedWithCustomError(f.nodes, "NodeNoJurors").withArgs(2, V1);
      // A release with a verifier needs no jurors: its disputes are fraud proofs.
      await requestJob(f, TrustLevel.VANILLA, { modelId: 1 });
      const other = f.nodeSigners[1];
      await joinNode(f, other);
      let job;
      do job = await submittedJob(f, WRONG_OUTPUT);
      while (job.nodeSigner.address !== f.node.address);
      await expect(f.court.connect(other).challenge(job.jobId)).to.be.revertedWithCustomError(f.nodes, "NodeNoJurors").withArgs(2, V1);
      // Anyone else may challenge, and the other node judges it alone.
      await f.court.connect(f.challenger).challenge(job.jobId);
      await mine(2);
      await f.court.draw(job.jobId);
      const [, members, seats] = await f.court.getDispute(job.jobId);
      expect(members).to.deep.equal([other.address]);
      expect(seats).to.deep.equal([3n]);
      await expectSolvent(f);
    });

    it("a seed block older than 256 blocks moves the draw to a new future block; a draw window that closes makes it undecided", async function () {
      const f = await loadFixture(fiveNodeFixture);
      const { jobId } = await submittedJob(f, OUTPUT);
      await f.court.connect(f.challenger).challenge(jobId);
      await mine(300);
      await expect(f.court.draw(jobId)).to.emit(f.court, "DrawDeferred");
      const [d] = await f.court.getDispute(jobId);
      expect(d.commitBy).to.equal(0n);
      await expect(f.court.draw(jobId)).to.be.revertedWithCustomError(f.court, "CourtDrawTooEarly");
      await mine(2);
      await expect(f.court.draw(jobId)).to.emit(f.court, "CommitteeDrawn");

      const second = await submittedJob(f, OUTPUT);
      await f.court.connect(f.challenger).challenge(second.jobId);
      const [d2] = await f.court.getDispute(second.jobId);
      await expect(f.court.resolve(second.jobId, OUTPUT)).to.be.revertedWithCustomError(f.court, "CourtNotDue").withArgs(second.jobId, d2.drawBy, anyValue);
      await time.increaseTo(d2.drawBy + 1n);
      await expect(f.court.draw(second.jobId)).to.be.revertedWithCustomError(f.court, "CourtDrawWindowClosed");
      await expect(f.court.resolve(second.jobId, OUTPUT)).to.emit(f.hub, "JobRefunded").withArgs(second.jobId, f.requester.address, FEE, RefundReason.Undecided);
      await expectSolvent(f);
    });

    it("only the court opens, draws and closes disputes in the hub; the court is set once", async function () {
      const f = await loadFixture(oneNodeFixture);
      const court = await f.court.getAddress();
      await expect(f.hub.connect(f.stranger).openDispute(1, f.stranger.address, 0)).to.be.revertedWithCustomError(f.hub, "HubOnlyCourt").withArgs(f.stranger.address, court);
      await expect(f.hub.connect(f.stranger).drawCommittee(1, f.stranger.address, 1, 0)).to.be.revertedWithCustomError(f.hub, "HubOnlyCourt");
      await expect(f.hub.connect(f.stranger).closeDispute(1, Verdict.Fraud, f.stranger.address, f.stranger.address, [], [], [])).to.be.revertedWithCustomError(f.hub, "HubOnlyCourt");
      await expect(f.hub.setCourt(f.stranger.address)).to.be.revertedWithCustomError(f.hub, "HubOnlyCourt");
      await expect(f.hub.connect(f.stranger).setCourt(f.stranger.address)).to.be.revertedWithCustomError(f.hub, "OwnableUnauthorizedAccount");
      await expect(f.court.draw(99)).to.be.revertedWithCustomError(f.court, "CourtUnknownDispute").withArgs(99);
      await expect(f.court.commitVote(99, E.id("x"))).to.be.revertedWithCustomError(f.court, "CourtUnknownDispute");
      await expect(f.court.challenge(99)).to.be.revertedWithCustomError(f.hub, "HubUnknownJob").withArgs(99);
    });
  });

  describe("terms fixed at request", function () {
    it("a parameter change applies to later jobs only: an open job keeps its bond, slashes, windows and fee split", async function () {
      const f = await loadFixture(oneNodeFixture);
      const { jobId } = await requestJob(f, TrustLevel.VANILLA);
      const before = await f.hub.termsOf(jobId);
      const p = await hubParameters(f);
      await f.hub.setParameters({ ...p, fraudSlash: 1_000n * TOKEN, protocolFeeBps: 2_000, challengeWindow: 30 * 86_400, treasury: f.stranger.address });
      await f.hub.setParameters({ ...p, timeoutSlash: 100n * TOKEN, protocolFeeBps: 1_000 });
      const later = await requestJob(f, TrustLevel.VANILLA);
      expect((await f.hub.termsOf(jobId)).toString()).to.equal(before.toString());
      expect((await f.hub.termsOf(later.jobId)).protocolFeeBps).to.equal(1_000n);
      await f.hub.connect(f.node).submitResult(jobId, WRONG_OUTPUT);
      expect((await f.hub.getJob(jobId)).deadline).to.equal(BigInt(await time.latest()) + 600n); // the old window
      await f.court.connect(f.challenger).proveFraud(jobId, INPUT, OUTPUT, claimFor(f, jobId, f.challenger.address));
      await time.increase(7_201);
      await expect(f.court.resolve(jobId, WRONG_OUTPUT))
        .to.emit(f.hub, "NodePenalized")
        .withArgs(jobId, f.node.address, SLASH, Penalty.Fraud); // the old slash, to the old treasury
      expect(await f.hub.balanceOf(f.treasury.address)).to.equal(SLASH / 2n);
      expect(await f.hub.balanceOf(f.stranger.address)).to.equal(0n);
      await expect(f.hub.termsOf(99)).to.be.revertedWithCustomError(f.hub, "HubUnknownJob");
      await expectSolvent(f);
    });
  });

  describe("governance never turns into a slash of an open job", function () {
    for (const action of ["removes the node's enclave", "revokes its measurement", "shortens the heartbeat age"] as const) {
      it(`a TEE timeout after governance ${action} refunds the requester without slashing (TimeoutExcused)`, async function () {
        const f = await loadFixture(oneNodeFixture);
        const { jobId } = await requestJob(f, TrustLevel.TEE);
        if (action === "removes the node's enclave") await f.tee.removeEnclave(f.enclave.address);
        else if (action === "revokes its measurement") await f.tee.revokeMeasurement((await f.tee.getEnclave(f.enclave.address)).measurement);
        else await f.tee.setMaxAges(86_400, 60);
        const stake = (await f.nodes.getNode(f.node.address)).stake;
        await time.increaseTo((await f.hub.getJob(jobId)).deadline + 1n);
        await expect(f.hub.claimTimeout(jobId))
          .to.emit(f.hub, "JobRefunded")
          .withArgs(jobId, f.requester.address, PRICES[1], RefundReason.TimeoutExcused)
          .and.not.to.emit(f.hub, "NodePenalized");
        expect((await f.nodes.getNode(f.node.address)).stake).to.equal(stake);
        await expectSolvent(f);
      });
    }

    it("no excuse for an operator that removed its own enclave, for a job requested after the action, for a node with another valid enclave, or for a cut it survives", async function () {
      const slashed = async (f: Awaited<ReturnType<typeof oneNodeFixture>>, jobId: bigint) => {
        await time.increaseTo((await f.hub.getJob(jobId)).deadline + 1n);
        await expect(f.hub.claimTimeout(jobId)).to.emit(f.hub, "NodePenalized").withArgs(jobId, f.node.address, 10n * TOKEN, Penalty.Timeout);
        await expectSolvent(f);
      };
      // The operator's own removal.
      let f = await loadFixture(oneNodeFixture);
      let job = await requestJob(f, TrustLevel.TEE);
      await f.tee.connect(f.node).removeEnclave(f.enclave.address);
      await slashed(f, job.jobId);
      // Governance removed the enclave before the job was requested (even moments before, with a
      // short deadline): the node could not have served it, and knew.
      f = await loadFixture(oneNodeFixture);
      await f.tee.removeEnclave(f.enclave.address);
      await mine(1); // after a fixture reload the clock may have moved on: read it from a fresh block
      job = await requestJob(f, TrustLevel.TEE, { deadline: BigInt(await time.latest()) + 120n });
      await slashed(f, job.jobId);
      // Another enclave, under another measurement, is still valid (alive through the deadline):
      // the node could have signed.
      f = await loadFixture(oneNodeFixture);
      const other = await admitEnclave(f, f.node, E.id("other-measurement"));
      job = await requestJob(f, TrustLevel.TEE);
      await f.tee.revokeMeasurement(MEASUREMENT);
      await time.increaseTo((await f.hub.getJob(job.jobId)).deadline - 10n);
      const beat = BigInt(await time.latest());
      await f.tee.heartbeat(other.address, beat, await signHeartbeat(other, teeDomain(f.chainId, await f.tee.getAddress()), beat));
      await slashed(f, job.jobId);
      // A heartbeat cut of one second that leaves the enclave fresh.
      f = await loadFixture(oneNodeFixture);
      await mine(1); // after a fixture reload the clock may have moved on: read it from a fresh block
      job = await requestJob(f, TrustLevel.TEE, { deadline: BigInt(await time.latest()) + 120n });
      await f.tee.setMaxAges(86_400, 3_599);
      await slashed(f, job.jobId);
    });
  });

  describe("bounded punishment", function () {
    it("a slash and a jail cost the same gas whether the node serves 1 pool or 48; draws skip the jailed node", async function () {
      const f = await loadFixture(deployFixture);
      // 14 more models so that one node serves 16 models at 3 levels: 48 pools.
      const { release } = await import("../support/fixture.js");
      for (let i = 0; i < 14; i++) await f.models.connect(f.modelOwner).registerModel(`m${i}`, 65_536, release());
      const all = Array.from({ length: 16 }, (_, i) => i + 1);
      const [small, big, other, warm, juror] = f.nodeSigners;
      await joinNode(f, juror, 1_000n * TOKEN, [2], 1);
      await joinNode(f, small, 1_000n * TOKEN, [2], 1);
      await joinNode(f, big, 1_000n * TOKEN, all, 7);
      await joinNode(f, other, 1_000n * TOKEN, [2], 1);
      await joinNode(f, warm, 1_000n * TOKEN, [2], 1);
      // The jobs drawn to the others are left open: room for them (capacity, and stake for each
      // open VANILLA result).
      for (const s of [small, big, other, warm, juror]) {
        await f.nodes.connect(s).setCapacity(255);
        await f.nodes.connect(s).addStake(8_000n * TOKEN);
      }
      const gasFor = async (node: typeof small) => {
        for (;;) {
          const { jobId, node: drawn } = await requestJob(f, TrustLevel.VANILLA, { modelId: 2 });
          if (drawn !== node.address) continue;
          await time.increaseTo((await f.hub.getJob(jobId)).deadline + 1n);
          return (await (await f.hub.claimTimeout(jobId)).wait())!.gasUsed;
        }
      };
      await gasFor(warm); // first writes of the requester's and the treasury's balances
      const a = await gasFor(small);
      const b = await gasFor(big);
      expect(b > a ? b - a : a - b).to.be.lessThan(2_000n);
      // Both are jailed; their pools are out of date until a draw lands on them or anyone syncs them.
      for (let i = 0; i < 10; i++) expect([other.address, juror.address]).to.include((await requestJob(f, TrustLevel.VANILLA, { modelId: 2 })).node);
      await f.nodes.sync(big.address);
      expect(await f.nodes.weightOf(big.address, releaseKey(16, V1), TrustLevel.ZK)).to.equal(0n);
    });
  });
});
