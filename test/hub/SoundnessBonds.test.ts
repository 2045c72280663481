/**
 * Soundness bonds: a ZK release serves ZK jobs only once its owner has bonded it; two valid proofs
 * of different outputs for one input freeze the release for good and forfeit the bond (to the
 * treasury, the reporter and the requesters of its settled ZK jobs); in-flight jobs are refunded
 * without a slash; a forging owner loses more than it can win. The mock verifier stands for a
 * broken circuit: anyone can "prove" anything with it, as a trapdoor holder could.
 */
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { expect } from "chai";
import { ethers as E } from "ethers";
import { TOKEN } from "../../deploy/proofgrid.js";
import { typed } from "../../src/chain/errors.js";
import { equivocationCommitment } from "../../src/node/disputes.js";
import { JobStatus, RefundReason, TrustLevel, Verdict, hashValues, levelMask } from "../../src/protocol/index.js";
import {
  claimFor,
  deployFixture,
  expectHubSolvent,
  INPUT,
  joinNode,
  oneNodeFixture,
  OUTPUT,
  PRICES,
  proofFor,
  release,
  requestJob,
  signerOf,
  time,
  V1,
  WRONG_OUTPUT,
  type Fixture,
} from "../support/fixture.js";

const MIN_BOND = 1_000n * TOKEN;
const CLAIM_WINDOW = 14 * 86_400;
const WITHDRAWAL_DELAY = 44 * 86_400;

/** A statement of `output` on INPUT for job `jobId`, bound to `boundTo` and `prover` (mock proof). */
function statement(f: Fixture, boundTo: string, jobId: bigint, prover: string, output: bigint[]) {
  return { hub: boundTo, jobId, prover, output, proof: proofFor(f, jobId, prover, output, INPUT, boundTo) };
}

/** Two valid proofs of different outputs for INPUT: the evidence that model 1 is unsound. */
function equivocation(f: Fixture) {
  return [statement(f, f.hubAddress, 1n, f.challenger.address, OUTPUT), statement(f, f.courtAddress, 2n, f.stranger.address, WRONG_OUTPUT)] as const;
}

/** Records `reporter`'s commitment to the evidence (a, b) on model 1's INPUT, in its own block. */
async function commit(f: Fixture, reporter: { address: string } & Parameters<Fixture["bonds"]["connect"]>[0], a: Statement, b: Statement, modelId = 1) {
  const digest = await f.bonds.evidenceDigest(modelId, V1, INPUT, a, b);
  await f.bonds.connect(reporter).commitEquivocation(equivocationCommitment(reporter.address, digest));
  return digest;
}

type Statement = ReturnType<typeof statement>;

/** What the bonds contract owes before any forfeit is settled: bonds held, pools and untaken rewards. */
async function expectBondsSolvent(f: Fixture, releases: [number, number][] = [[1, V1]]) {
  let owed = 0n;
  for (const [modelId, version] of releases) {
    const bond = await f.bonds.bondOf(modelId, version);
    const forfeit = await f.bonds.forfeitOf(modelId, version);
    owed += bond.amount;
    if (forfeit.claimsEnd !== 0n && !forfeit.settled) owed += forfeit.pool + forfeit.reward;
  }
  // Once a forfeit is settled it owes perJob per claim not yet paid: the tests that settle check that by hand.
  expect(await f.token.balanceOf(await f.bonds.getAddress())).to.equal(owed);
}

async function registerZk(f: Fixture, name: string) {
  await f.models.connect(f.modelOwner).registerModel(name, V1, release({ verifier: await f.verifier.getAddress(), levels: levelMask(TrustLevel.VANILLA, TrustLevel.ZK) }));
  return Number(await f.models.modelCount());
}

async function fund(f: Fixture, amount: bigint) {
  await f.token.mint(f.modelOwner.address, amount);
  await f.token.connect(f.modelOwner).approve(await f.bonds.getAddress(), E.MaxUint256);
}

describe("soundness bonds", function () {
  describe("posting", function () {
    it("a ZK release serves ZK jobs only once its bond reaches the minimum; other levels need none", async function () {
      const f = await deployFixture();
      const modelId = await registerZk(f, "unbonded");
      await joinNode(f, f.nodeSigners[0], 1_000n * TOKEN, [modelId], levelMask(TrustLevel.VANILLA, TrustLevel.ZK));
      await expect(requestJob(f, TrustLevel.ZK, { modelId })).to.be.revertedWithCustomError(f.models, "ModelReleaseUnbonded").withArgs(modelId, V1);
      await requestJob(f, TrustLevel.VANILLA, { modelId });
      await fund(f, MIN_BOND);
      await expect(f.bonds.connect(f.modelOwner).postBond(modelId, V1, MIN_BOND - 1n))
        .to.emit(f.bonds, "BondPosted")
        .withArgs(modelId, V1, f.modelOwner.address, MIN_BOND - 1n, MIN_BOND - 1n)
        .and.not.to.emit(f.models, "ReleaseBonded");
      await expect(requestJob(f, TrustLevel.ZK, { modelId })).to.be.revertedWithCustomError(f.models, "ModelReleaseUnbonded");
      await expect(f.bonds.connect(f.modelOwner).postBond(modelId, V1, 1n)).to.emit(f.models, "ReleaseBonded").withArgs(modelId, V1, true);
      expect(await f.models.soundnessOf(modelId, V1)).to.deep.equal([true, false]);
      await requestJob(f, TrustLevel.ZK, { modelId });
      expect(await f.token.balanceOf(await f.bonds.getAddress())).to.equal(2n * MIN_BOND); // model 1's and this one's
    });

    it("refuses a zero amount, a release without a verifier or unknown, an amount past 2^128, and a frozen release", async function () {
      const f = await deployFixture();
      await fund(f, 10n ** 40n);
      await expect(f.bonds.connect(f.modelOwner).postBond(1, V1, 0)).to.be.revertedWithCustomError(f.bonds, "BondInvalidAmount").withArgs(0);
      await expect(f.bonds.connect(f.modelOwner).postBond(2, V1, MIN_BOND)).to.be.revertedWithCustomError(f.bonds, "BondNoVerifier").withArgs(2, V1);
      await expect(f.bonds.connect(f.modelOwner).postBond(9, V1, MIN_BOND)).to.be.revertedWithCustomError(f.models, "ModelReleaseUnknown");
      await expect(f.bonds.connect(f.modelOwner).postBond(1, V1, 2n ** 128n)).to.be.revertedWithCustomError(f.bonds, "BondInvalidAmount");
      const [a, b] = equivocation(f);
      await f.bonds.connect(f.stranger).proveEquivocation(1, V1, INPUT, a, b, E.ZeroAddress);
      await expect(f.bonds.connect(f.modelOwner).postBond(1, V1, MIN_BOND)).to.be.revertedWithCustomError(f.bonds, "BondReleaseFrozen").withArgs(1, V1);
      await expectBondsSolvent(f);
    });

    it("only the deployer sets the bonds contract, once; only the bonds contract marks or freezes a release", async function () {
      const f = await deployFixture();
      await expect(f.models.connect(f.deployer).setSoundnessBonds(f.stranger.address)).to.be.revertedWithCustomError(f.models, "ModelOnlySoundnessBonds");
      await expect(f.models.connect(f.stranger).setSoundnessBonds(f.stranger.address)).to.be.revertedWithCustomError(f.models, "ModelOnlySoundnessBonds");
      await expect(f.models.connect(f.modelOwner).setBonded(1, V1, true)).to.be.revertedWithCustomError(f.models, "ModelOnlySoundnessBonds").withArgs(f.modelOwner.address, await f.bonds.getAddress());
      await expect(f.models.connect(f.modelOwner).freezeRelease(1, V1)).to.be.revertedWithCustomError(f.models, "ModelOnlySoundnessBonds");
      expect(await f.models.soundnessBonds()).to.equal(await f.bonds.getAddress());
    });
  });

  it("its errors reach SDK and CLI users by name, with their arguments", async function () {
    const f = await deployFixture();
    await expect(typed("claim", async () => (await f.bonds.claim(1n)).wait())).to.be.rejectedWith(/BondNotFrozen\(0, 0\)/);
    await expect(typed("payClaim", async () => (await f.bonds.payClaim(1n)).wait())).to.be.rejectedWith(/ClaimIneligible/);
  });

  describe("withdrawal", function () {
    it("only the owner, only once the release is deprecated, only after the delay, once; a top-up never re-bonds it", async function () {
      const f = await deployFixture();
      await expect(f.bonds.connect(f.stranger).requestWithdrawal(1, V1)).to.be.revertedWithCustomError(f.bonds, "BondNotOwner").withArgs(1, f.stranger.address, f.modelOwner.address);
      await expect(f.bonds.connect(f.modelOwner).requestWithdrawal(1, V1)).to.be.revertedWithCustomError(f.bonds, "BondReleaseActive").withArgs(1, V1);
      await expect(f.bonds.connect(f.modelOwner).withdrawBond(1, V1)).to.be.revertedWithCustomError(f.bonds, "BondWithdrawalNotDue").withArgs(1, V1, 0, anyValue);
      await f.models.connect(f.modelOwner).deprecateRelease(1, V1);
      await expect(f.bonds.connect(f.modelOwner).requestWithdrawal(1, V1))
        .to.emit(f.bonds, "BondWithdrawalRequested")
        .and.to.emit(f.models, "ReleaseBonded")
        .withArgs(1, V1, false);
      const due = (await f.bonds.bondOf(1, V1)).withdrawableAt;
      expect(due).to.equal(BigInt(await time.latest()) + BigInt(WITHDRAWAL_DELAY));
      await expect(f.bonds.connect(f.modelOwner).requestWithdrawal(1, V1)).to.be.revertedWithCustomError(f.bonds, "BondWithdrawalNotDue");
      await fund(f, 5n);
      await expect(f.bonds.connect(f.modelOwner).postBond(1, V1, 5n)).not.to.emit(f.models, "ReleaseBonded");
      await expect(f.bonds.connect(f.modelOwner).withdrawBond(1, V1)).to.be.revertedWithCustomError(f.bonds, "BondWithdrawalNotDue").withArgs(1, V1, due, anyValue);
      await time.increaseTo(due);
      await expect(f.bonds.connect(f.stranger).withdrawBond(1, V1)).to.be.revertedWithCustomError(f.bonds, "BondNotOwner");
      const before = await f.token.balanceOf(f.modelOwner.address);
      await expect(f.bonds.connect(f.modelOwner).withdrawBond(1, V1)).to.emit(f.bonds, "BondWithdrawn").withArgs(1, V1, f.modelOwner.address, MIN_BOND + 5n);
      expect(await f.token.balanceOf(f.modelOwner.address)).to.equal(before + MIN_BOND + 5n);
      await expect(f.bonds.connect(f.modelOwner).withdrawBond(1, V1)).to.be.revertedWithCustomError(f.bonds, "BondEmpty");
      await expectBondsSolvent(f);
    });

    it("a bond on its way out is still forfeit by an equivocation shown during the delay (44 days: the longest job, then the claim window)", async function () {
      const f = await deployFixture();
      await f.models.connect(f.modelOwner).deprecateRelease(1, V1);
      await f.bonds.connect(f.modelOwner).requestWithdrawal(1, V1);
      await time.increase(30 * 86_400 + 100); // a job requested just before could have settled a lie by now
      const [a, b] = equivocation(f);
      await commit(f, f.stranger, a, b);
      await f.bonds.connect(f.stranger).proveEquivocation(1, V1, INPUT, a, b, f.stranger.address);
      await time.increase(WITHDRAWAL_DELAY);
      await expect(f.bonds.connect(f.modelOwner).withdrawBond(1, V1)).to.be.revertedWithCustomError(f.bonds, "BondReleaseFrozen");
      expect(await f.token.balanceOf(f.stranger.address)).to.equal(10_000n * TOKEN + MIN_BOND / 10n);
    });
  });

  describe("equivocation", function () {
    it("refuses one output twice, a proof that does not verify (each side), a release without a verifier, and a second freeze", async function () {
      const f = await deployFixture();
      const [a, b] = equivocation(f);
      const same = statement(f, f.courtAddress, 2n, f.stranger.address, OUTPUT);
      await expect(f.bonds.proveEquivocation(1, V1, INPUT, a, same, E.ZeroAddress)).to.be.revertedWithCustomError(f.bonds, "EquivocationSameOutput").withArgs(hashValues(OUTPUT));
      await expect(f.bonds.proveEquivocation(1, V1, INPUT, { ...a, prover: f.stranger.address }, b, E.ZeroAddress)).to.be.revertedWithCustomError(f.bonds, "EquivocationInvalidProof").withArgs(0);
      await expect(f.bonds.proveEquivocation(1, V1, INPUT, a, { ...b, jobId: 3n }, E.ZeroAddress)).to.be.revertedWithCustomError(f.bonds, "EquivocationInvalidProof").withArgs(1);
      await expect(f.bonds.proveEquivocation(1, V1, [1n, 2n, 3n, 4n], a, b, E.ZeroAddress)).to.be.revertedWithCustomError(f.bonds, "EquivocationInvalidProof").withArgs(0);
      await expect(f.bonds.proveEquivocation(2, V1, INPUT, a, b, E.ZeroAddress)).to.be.revertedWithCustomError(f.bonds, "BondNoVerifier").withArgs(2, V1);
      await f.bonds.proveEquivocation(1, V1, INPUT, a, b, E.ZeroAddress);
      await expect(f.bonds.proveEquivocation(1, V1, INPUT, a, b, E.ZeroAddress)).to.be.revertedWithCustomError(f.bonds, "BondReleaseFrozen");
      await expectBondsSolvent(f);
    });

    it("freezes the release for good and splits the bond: half to the treasury, a tenth to the reporter, the rest for the harmed", async function () {
      const f = await deployFixture();
      const [a, b] = equivocation(f);
      const treasury = await f.token.balanceOf(f.treasury.address);
      await commit(f, f.challenger, a, b); // mined: the next block shows the evidence
      await expect(f.bonds.connect(f.stranger).proveEquivocation(1, V1, INPUT, a, b, f.challenger.address))
        .to.emit(f.bonds, "EquivocationProven")
        .withArgs(1, V1, f.challenger.address, hashValues(INPUT), hashValues(OUTPUT), hashValues(WRONG_OUTPUT), MIN_BOND / 10n, (MIN_BOND * 4n) / 10n)
        .and.to.emit(f.models, "ReleaseFrozen")
        .withArgs(1, V1);
      expect(await f.token.balanceOf(f.treasury.address)).to.equal(treasury + MIN_BOND / 2n);
      expect(await f.token.balanceOf(f.challenger.address)).to.equal(10_000n * TOKEN + MIN_BOND / 10n);
      expect(await f.models.soundnessOf(1, V1)).to.deep.equal([false, true]);
      expect((await f.models.verifierOf(1, V1)).verifier).to.equal(E.ZeroAddress);
      expect((await f.bonds.forfeitOf(1, V1)).reward).to.equal(0n);
      for (const level of [TrustLevel.VANILLA, TrustLevel.TEE, TrustLevel.ZK]) {
        await expect(requestJob(f, level)).to.be.revertedWithCustomError(f.models, "ModelReleaseFrozen").withArgs(1, V1);
      }
      await expectBondsSolvent(f);
    });

    it("the reporter's share cannot be taken from the mempool: a copy naming another reporter freezes the release but pays only a reporter that committed earlier", async function () {
      const f = await deployFixture();
      const [a, b] = equivocation(f);
      const digest = await commit(f, f.challenger, a, b);
      // A bot copies the evidence and names itself: no commitment, so the share is held back.
      await expect(f.bonds.connect(f.stranger).proveEquivocation(1, V1, INPUT, a, b, f.stranger.address))
        .to.emit(f.bonds, "EquivocationProven")
        .withArgs(1, V1, E.ZeroAddress, anyValue, anyValue, anyValue, MIN_BOND / 10n, (MIN_BOND * 4n) / 10n)
        .and.not.to.emit(f.bonds, "ReporterRewarded");
      expect(await f.token.balanceOf(f.stranger.address)).to.equal(10_000n * TOKEN);
      expect((await f.bonds.forfeitOf(1, V1)).reward).to.equal(MIN_BOND / 10n);
      await expectBondsSolvent(f);
      // A commitment made now is too late; the bot has none; wrong evidence does not verify.
      await commit(f, f.stranger, a, b);
      await expect(f.bonds.claimReporterReward(1, V1, INPUT, a, b, f.stranger.address)).to.be.revertedWithCustomError(f.bonds, "ReporterNotCommitted");
      await expect(f.bonds.claimReporterReward(1, V1, INPUT, a, { ...b, output: OUTPUT }, f.challenger.address)).to.be.revertedWithCustomError(f.bonds, "ReporterNotCommitted");
      // The reporter that committed first takes it, once.
      await expect(f.bonds.connect(f.stranger).claimReporterReward(1, V1, INPUT, a, b, f.challenger.address))
        .to.emit(f.bonds, "ReporterRewarded")
        .withArgs(1, V1, f.challenger.address, MIN_BOND / 10n);
      expect(await f.token.balanceOf(f.challenger.address)).to.equal(10_000n * TOKEN + MIN_BOND / 10n);
      await expect(f.bonds.claimReporterReward(1, V1, INPUT, a, b, f.challenger.address)).to.be.revertedWithCustomError(f.bonds, "ReporterNotCommitted").withArgs(f.challenger.address, digest);
      await expectBondsSolvent(f);
    });

    it("a committed reporter's evidence must still verify, and a share nobody takes in the window goes to the harmed", async function () {
      const f = await deployFixture();
      const [a, b] = equivocation(f);
      const forged = { ...b, proof: E.id("not a proof") };
      await commit(f, f.challenger, a, forged); // committed to evidence that does not verify
      await f.bonds.connect(f.stranger).proveEquivocation(1, V1, INPUT, a, b, f.stranger.address);
      await expect(f.bonds.claimReporterReward(1, V1, INPUT, a, forged, f.challenger.address)).to.be.revertedWithCustomError(f.bonds, "EquivocationInvalidProof").withArgs(1);
      await time.increase(CLAIM_WINDOW + 1);
      await expect(f.bonds.claimReporterReward(1, V1, INPUT, a, b, f.challenger.address)).to.be.revertedWithCustomError(f.bonds, "ClaimWindow");
      await expect(f.bonds.settleForfeit(1, V1)).to.emit(f.bonds, "ForfeitSettled").withArgs(1, V1, 0, 0, MIN_BOND / 2n);
      expect(await f.token.balanceOf(await f.bonds.getAddress())).to.equal(0n);
    });

    it("in-flight jobs: a ZK job cannot settle and its timeout is excused; a VANILLA result goes to a committee; a waiting fraud proof ends Unsound", async function () {
      const f = await oneNodeFixture();
      const zk = await requestJob(f, TrustLevel.ZK);
      const vanilla = await requestJob(f, TrustLevel.VANILLA);
      const claimed = await requestJob(f, TrustLevel.VANILLA);
      await f.hub.connect(f.node).submitResult(vanilla.jobId, WRONG_OUTPUT);
      await f.hub.connect(f.node).submitResult(claimed.jobId, WRONG_OUTPUT);
      await f.court.connect(f.challenger).proveFraud(claimed.jobId, INPUT, OUTPUT, claimFor(f, claimed.jobId, f.challenger.address));
      const stake = (await f.nodes.getNode(f.node.address)).stake;
      const [a, b] = equivocation(f);
      await f.bonds.proveEquivocation(1, V1, INPUT, a, b, E.ZeroAddress);

      await expect(f.hub.connect(f.node).submitZkResult(zk.jobId, INPUT, OUTPUT, proofFor(f, zk.jobId, f.node.address)))
        .to.be.revertedWithCustomError(f.hub, "HubWrongDisputeKind")
        .withArgs(zk.jobId, false);
      await time.increase(3_601);
      await expect(f.hub.claimTimeout(zk.jobId)).to.emit(f.hub, "JobRefunded").withArgs(zk.jobId, f.requester.address, PRICES[TrustLevel.ZK], RefundReason.TimeoutExcused);
      // An undisputed VANILLA result still finalizes: freezing judges proofs, not results.
      await expect(f.hub.finalize(vanilla.jobId, WRONG_OUTPUT)).to.emit(f.hub, "JobSettled");

      // The fraud proof waiting for its answer decides nothing: refund, no slash, the bond back.
      await expect(f.court.resolve(claimed.jobId, WRONG_OUTPUT))
        .to.emit(f.hub, "DisputeClosed")
        .withArgs(claimed.jobId, Verdict.Unsound, 75n * TOKEN, 0)
        .and.not.to.emit(f.hub, "NodePenalized");
      expect((await f.nodes.getNode(f.node.address)).stake).to.equal(stake);
      expect(await f.hub.balanceOf(f.challenger.address)).to.equal(75n * TOKEN);
      await expectHubSolvent(f);
    });

    it("a VANILLA result of a frozen release inside its window is disputed before a committee, no longer by proof", async function () {
      const f = await oneNodeFixture();
      for (const s of f.nodeSigners.slice(1, 4)) await joinNode(f, s);
      const { jobId, node } = await requestJob(f, TrustLevel.VANILLA);
      await f.hub.connect(signerOf(f, node)).submitResult(jobId, WRONG_OUTPUT);
      const [a, b] = equivocation(f);
      await f.bonds.proveEquivocation(1, V1, INPUT, a, b, E.ZeroAddress);
      await expect(f.court.connect(f.challenger).proveFraud(jobId, INPUT, OUTPUT, claimFor(f, jobId, f.challenger.address))).to.be.revertedWithCustomError(f.court, "CourtNoVerifier");
      await expect(f.court.connect(f.challenger).challenge(jobId)).to.emit(f.court, "ChallengeOpened");
      await expectHubSolvent(f);
    });
  });

  describe("claims", function () {
    /** Model 1 with `n` settled ZK jobs (requested by the requester), then frozen. */
    async function frozenWithSettledJobs(n: number) {
      const f = await oneNodeFixture();
      const jobs: bigint[] = [];
      for (let i = 0; i < n; i++) {
        const { jobId } = await requestJob(f, TrustLevel.ZK);
        await f.hub.connect(f.node).submitZkResult(jobId, INPUT, OUTPUT, proofFor(f, jobId, f.node.address));
        jobs.push(jobId);
      }
      const vanilla = await requestJob(f, TrustLevel.VANILLA);
      const open = await requestJob(f, TrustLevel.ZK);
      const [a, b] = equivocation(f);
      await f.bonds.proveEquivocation(1, V1, INPUT, a, b, E.ZeroAddress);
      return { ...f, jobs, vanilla: vanilla.jobId, open: open.jobId };
    }

    it("each settled ZK job of the release claims its price once, paid to its requester after the window; the rest goes to the treasury", async function () {
      const f = await frozenWithSettledJobs(3);
      const pool = (MIN_BOND * 4n) / 10n;
      for (const jobId of f.jobs) {
        await expect(f.bonds.connect(f.stranger).claim(jobId)).to.emit(f.bonds, "ClaimRegistered").withArgs(1, V1, jobId, f.requester.address);
      }
      await expect(f.bonds.claim(f.jobs[0])).to.be.revertedWithCustomError(f.bonds, "ClaimIneligible").withArgs(f.jobs[0], E.encodeBytes32String("already claimed"));
      await expect(f.bonds.claim(f.vanilla)).to.be.revertedWithCustomError(f.bonds, "ClaimIneligible").withArgs(f.vanilla, E.encodeBytes32String("not a ZK job"));
      await expect(f.bonds.claim(f.open)).to.be.revertedWithCustomError(f.bonds, "ClaimIneligible").withArgs(f.open, E.encodeBytes32String("not settled"));
      await expect(f.bonds.payClaim(f.jobs[0])).to.be.revertedWithCustomError(f.bonds, "ClaimWindow");
      await expect(f.bonds.settleForfeit(1, V1)).to.be.revertedWithCustomError(f.bonds, "ClaimWindow");
      await time.increase(CLAIM_WINDOW + 1);
      await expect(f.bonds.claim(f.jobs[0])).to.be.revertedWithCustomError(f.bonds, "ClaimWindow");
      const requester = await f.token.balanceOf(f.requester.address);
      const treasury = await f.token.balanceOf(f.treasury.address);
      const price = PRICES[TrustLevel.ZK];
      // Nobody committed before the freeze, so the reporter's share joined the pool.
      const shared = pool + MIN_BOND / 10n;
      await expect(f.bonds.connect(f.stranger).payClaim(f.jobs[0]))
        .to.emit(f.bonds, "ForfeitSettled")
        .withArgs(1, V1, 3, price, shared - 3n * price)
        .and.to.emit(f.bonds, "ClaimPaid")
        .withArgs(f.jobs[0], f.requester.address, price);
      await expect(f.bonds.payClaim(f.jobs[0])).to.be.revertedWithCustomError(f.bonds, "ClaimIneligible").withArgs(f.jobs[0], E.encodeBytes32String("already paid"));
      await expect(f.bonds.payClaim(f.vanilla)).to.be.revertedWithCustomError(f.bonds, "ClaimIneligible").withArgs(f.vanilla, E.encodeBytes32String("not claimed"));
      for (const jobId of f.jobs.slice(1)) await f.bonds.payClaim(jobId);
      expect(await f.token.balanceOf(f.requester.address)).to.equal(requester + 3n * price);
      expect(await f.token.balanceOf(f.treasury.address)).to.equal(treasury + shared - 3n * price);
      expect(await f.token.balanceOf(await f.bonds.getAddress()), "the bonds contract holds exactly what it owes: nothing").to.equal(0n);
    });

    it("with no claim the pool all goes to the treasury; settling twice changes nothing", async function () {
      const g = await deployFixture();
      const [a, b] = equivocation(g);
      await g.bonds.proveEquivocation(1, V1, INPUT, a, b, E.ZeroAddress);
      await time.increase(CLAIM_WINDOW + 1);
      const treasury = await g.token.balanceOf(g.treasury.address);
      await expect(g.bonds.settleForfeit(1, V1)).to.emit(g.bonds, "ForfeitSettled").withArgs(1, V1, 0, 0, MIN_BOND / 2n);
      expect(await g.token.balanceOf(g.treasury.address)).to.equal(treasury + MIN_BOND / 2n);
      expect(await g.token.balanceOf(await g.bonds.getAddress())).to.equal(0n);
      await expect(g.bonds.settleForfeit(1, V1)).not.to.emit(g.bonds, "ForfeitSettled"); // once only
      expect(await g.token.balanceOf(g.treasury.address)).to.equal(treasury + MIN_BOND / 2n);
    });

    it("an expensive release's pool is shared equally among its claims", async function () {
      const f = await oneNodeFixture();
      // Model 3: ZK priced at 300 tokens, so two claims (600) exceed the pool (400).
      await f.models.connect(f.modelOwner).registerModel("dear", V1, release({ verifier: await f.verifier.getAddress(), levels: levelMask(TrustLevel.ZK), prices: [0n, 0n, 300n * TOKEN] }));
      await fund(f, MIN_BOND);
      await f.bonds.connect(f.modelOwner).postBond(3, V1, MIN_BOND);
      await joinNode(f, f.nodeSigners[1], 1_000n * TOKEN, [3], levelMask(TrustLevel.ZK));
      await f.token.mint(f.requester.address, 1_000n * TOKEN);
      const jobs: bigint[] = [];
      for (let i = 0; i < 2; i++) {
        const { jobId, node } = await requestJob(f, TrustLevel.ZK, { modelId: 3, fee: 300n * TOKEN });
        await f.hub.connect(signerOf(f, node)).submitZkResult(jobId, INPUT, OUTPUT, proofFor(f, jobId, node));
        jobs.push(jobId);
      }
      const [a, b] = equivocation(f);
      await f.bonds.proveEquivocation(3, V1, INPUT, a, b, E.ZeroAddress);
      for (const jobId of jobs) await f.bonds.claim(jobId);
      await time.increase(CLAIM_WINDOW + 1);
      const before = await f.token.balanceOf(f.requester.address);
      for (const jobId of jobs) await f.bonds.payClaim(jobId);
      expect(await f.token.balanceOf(f.requester.address)).to.equal(before + MIN_BOND / 2n); // the pool and the untaken reporter's share
      expect(await f.token.balanceOf(await f.bonds.getAddress())).to.equal(MIN_BOND); // model 1's bond only
      await expect(f.bonds.claim(jobs[0])).to.be.revertedWithCustomError(f.bonds, "ClaimWindow");
      const other = await requestJob(f, TrustLevel.VANILLA); // model 1, not frozen
      await expect(f.bonds.claim(other.jobId)).to.be.revertedWithCustomError(f.bonds, "BondNotFrozen").withArgs(1, V1);
    });
  });

  describe("a forging owner loses more than it gains", function () {
    it("forged fraud proofs against an honest node are answered: the node keeps its stake and earns a tenth of the bond, the owner loses all of it", async function () {
      const f = await oneNodeFixture();
      // The owner's second address holds the trapdoor (here: the mock's) and forges a claim that
      // the honest node's right result is wrong.
      const forger = f.stranger;
      // The owner's wealth: its two addresses' tokens and hub balances, and the bond it posted.
      const wealth = async () =>
        (await f.token.balanceOf(f.modelOwner.address)) +
        (await f.hub.balanceOf(f.modelOwner.address)) +
        (await f.token.balanceOf(forger.address)) +
        (await f.hub.balanceOf(forger.address)) +
        (await f.bonds.bondOf(1, V1)).amount;
      const before = await wealth();
      const stake = (await f.nodes.getNode(f.node.address)).stake;
      const { jobId } = await requestJob(f, TrustLevel.VANILLA);
      await f.hub.connect(f.node).submitResult(jobId, OUTPUT);
      const forged = claimFor(f, jobId, forger.address, WRONG_OUTPUT);
      await f.court.connect(forger).proveFraud(jobId, INPUT, WRONG_OUTPUT, forged);
      // The node answers with a proof of its posted output (bound to the bonds contract).
      const bondsAddress = await f.bonds.getAddress();
      const claimed = { hub: f.courtAddress, jobId, prover: forger.address, output: WRONG_OUTPUT, proof: forged };
      const answer = statement(f, bondsAddress, jobId, f.node.address, OUTPUT);
      await commit(f, f.node, claimed, answer);
      await f.bonds.connect(f.node).proveEquivocation(1, V1, INPUT, claimed, answer, f.node.address);
      await f.court.resolve(jobId, OUTPUT);
      expect((await f.hub.getJob(jobId)).status).to.equal(JobStatus.Refunded);
      expect((await f.nodes.getNode(f.node.address)).stake).to.equal(stake);
      // The forger's challenge bond came back; the whole soundness bond is gone (half to the
      // treasury, a tenth to the node that answered, the rest for the requesters of ZK jobs).
      const lost = before - (await wealth());
      expect(lost).to.equal(MIN_BOND);
      // What the owner could have won had nobody answered: the catcher's half of the slash.
      const unansweredGain = (await f.hub.termsOf(jobId)).fraudSlash / 2n;
      expect(MIN_BOND / 2n, "the part of the bond lost for sure outweighs the best unanswered gain").to.be.greaterThan(unansweredGain);
      // The node, which reported, earns a tenth of the bond (it staked 1,000 of its 10,000).
      expect(await f.token.balanceOf(f.node.address)).to.equal(9_000n * TOKEN + MIN_BOND / 10n);
      await expectHubSolvent(f);
    });
  });
});
