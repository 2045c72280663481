import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { expect } from "chai";
import { ethers as E } from "ethers";
import { DEFAULT_HUB, TOKEN } from "../../deploy/proofgrid.js";
import { hashValues, JobStatus, signResult, TrustLevel, releaseKey } from "../../src/protocol/index.js";
import {
  GasBurningConsumer__factory,
  RecordingConsumer__factory,
  ReentrantConsumer__factory,
  RevertingConsumer__factory,
} from "../../types/contracts/index.js";
import {
  admitEnclave,
  deadlineIn,
  deployFixture,
  hubParameters,
  ethers,
  hubLiabilities,
  INPUT,
  joinNode,
  networkHelpers,
  oneNodeFixture,
  OUTPUT,
  PRICES,
  proofFor,
  requestJob,
  requestViaConsumer,
  requestParams,
  time,
  V1,
  WRONG_OUTPUT,
  type Fixture,
  WEIGHTS,
} from "../support/fixture.js";

const { loadFixture } = networkHelpers;

async function teeSignature(f: Fixture, enclave: E.Wallet | E.HDNodeWallet, jobId: bigint, node: string, output = OUTPUT, modelId = 1) {
  return signResult(enclave, f.domain, {
    jobId,
    node,
    modelId,
    version: V1,
    weightsCommitment: WEIGHTS, inputHash: hashValues(INPUT),
    outputHash: hashValues(output),
  });
}

/** Checks that the hub holds exactly what it owes. */
async function expectSolvent(f: Fixture, extra: string[] = []) {
  const accounts = [f.requester, f.challenger, f.treasury, f.modelOwner, f.stranger, ...f.nodeSigners].map((s) => s.address).concat(extra);
  expect(await f.token.balanceOf(f.hubAddress)).to.equal(await hubLiabilities(f, accounts));
}

describe("InferenceHub", function () {
  describe("request", function () {
    it("escrows the fee, assigns a staked node and emits JobRequested with the input", async function () {
      const f = await loadFixture(oneNodeFixture);
      const params = await requestParams(TrustLevel.ZK, { fee: PRICES[2] + 7n });
      await expect(f.hub.connect(f.requester).request(params))
        .to.emit(f.hub, "JobRequested")
        .withArgs(1n, f.requester.address, f.node.address, 1, V1, TrustLevel.ZK, PRICES[2] + 7n, params.deadline, E.ZeroAddress, INPUT);
      expect(await f.token.balanceOf(f.hubAddress)).to.equal(PRICES[2] + 7n);
      const job = await f.hub.getJob(1n);
      expect(job.status).to.equal(JobStatus.Requested);
      expect(job.node).to.equal(f.node.address);
      expect(job.inputHash).to.equal(hashValues(INPUT));
      expect(await f.hub.callbackOf(1n)).to.deep.equal([E.ZeroAddress, 0n]);
      expect(await f.hub.jobCount()).to.equal(1n);
      // The node's stake is locked until a dispute opened at the end of the challenge window could
      // be closed: window + draw, commit and reveal windows + a day's grace, all from the job's terms.
      const info = await f.nodes.getNode(f.node.address);
      expect(info.lockedUntil).to.equal(params.deadline + 600n + 3_600n + 1_800n + 1_800n + 86_400n);
    });

    it("reverts with ModelUnknown for an unknown model and moves no funds", async function () {
      const f = await loadFixture(oneNodeFixture);
      await expect(f.hub.connect(f.requester).request(await requestParams(TrustLevel.VANILLA, { modelId: 9 })))
        .to.be.revertedWithCustomError(f.models, "ModelUnknown")
        .withArgs(9);
      expect(await f.token.balanceOf(f.hubAddress)).to.equal(0n);
    });

    it("reverts with ModelReleaseDeprecated for a deprecated release", async function () {
      const f = await loadFixture(oneNodeFixture);
      await f.models.connect(f.modelOwner).deprecateRelease(1, V1);
      await expect(f.hub.connect(f.requester).request(await requestParams(TrustLevel.VANILLA)))
        .to.be.revertedWithCustomError(f.models, "ModelReleaseDeprecated")
        .withArgs(1, V1);
    });

    it("reverts with ModelLevelUnsupported when the model lacks the level", async function () {
      const f = await loadFixture(oneNodeFixture);
      await expect(f.hub.connect(f.requester).request(await requestParams(TrustLevel.ZK, { modelId: 2 })))
        .to.be.revertedWithCustomError(f.models, "ModelLevelUnsupported")
        .withArgs(2, V1, TrustLevel.ZK);
    });

    it("reverts with HubFeeTooLow when the fee is below the model price", async function () {
      const f = await loadFixture(oneNodeFixture);
      await expect(f.hub.connect(f.requester).request(await requestParams(TrustLevel.TEE, { fee: PRICES[1] - 1n })))
        .to.be.revertedWithCustomError(f.hub, "HubFeeTooLow")
        .withArgs(1, V1, TrustLevel.TEE, PRICES[1] - 1n, PRICES[1]);
    });

    it("reverts with HubFeeTooHigh for a fee above the job's 80-bit field", async function () {
      const f = await loadFixture(oneNodeFixture);
      const fee = 2n ** 80n;
      await expect(f.hub.connect(f.requester).request(await requestParams(TrustLevel.VANILLA, { fee })))
        .to.be.revertedWithCustomError(f.hub, "HubFeeTooHigh")
        .withArgs(fee, fee - 1n);
    });

    it("reverts with HubDeadlineInPast and HubDeadlineTooFar", async function () {
      const f = await loadFixture(oneNodeFixture);
      const now = BigInt(await time.latest());
      await expect(f.hub.connect(f.requester).request(await requestParams(TrustLevel.VANILLA, { deadline: now })))
        .to.be.revertedWithCustomError(f.hub, "HubDeadlineInPast")
        // The block's timestamp follows the wall clock on a slow machine: any time after `now`.
        .withArgs(now, (t: bigint) => t > now);
      await expect(f.hub.connect(f.requester).request(await requestParams(TrustLevel.VANILLA, { deadline: now + 90_000n })))
        .to.be.revertedWithCustomError(f.hub, "HubDeadlineTooFar")
        .withArgs(now + 90_000n, (latest: bigint) => latest > now + 86_400n && latest < now + 90_000n);
    });

    it("reverts with HubInputLength when the input has the wrong length", async function () {
      const f = await loadFixture(oneNodeFixture);
      await expect(f.hub.connect(f.requester).request(await requestParams(TrustLevel.VANILLA, { input: [1n, 2n] })))
        .to.be.revertedWithCustomError(f.hub, "HubInputLength")
        .withArgs(1, V1, 4, 2);
    });

    it("reverts with HubInputOutOfRange naming the index, value and range; accepts values at the bounds", async function () {
      const f = await loadFixture(oneNodeFixture);
      const before = await f.token.balanceOf(f.requester.address);
      await expect(f.hub.connect(f.requester).request(await requestParams(TrustLevel.VANILLA, { input: [0n, 1_001n, 0n, 0n] })))
        .to.be.revertedWithCustomError(f.hub, "HubInputOutOfRange")
        .withArgs(1, 1_001n, -1_000n, 1_000n);
      await expect(f.hub.connect(f.requester).request(await requestParams(TrustLevel.ZK, { input: [0n, 0n, 0n, -1_001n] })))
        .to.be.revertedWithCustomError(f.hub, "HubInputOutOfRange")
        .withArgs(3, -1_001n, -1_000n, 1_000n);
      expect(await f.token.balanceOf(f.requester.address)).to.equal(before);
      await expect(f.hub.connect(f.requester).request(await requestParams(TrustLevel.VANILLA, { input: [-1_000n, 1_000n, 0n, 0n] }))).to.emit(f.hub, "JobRequested");
      await expectSolvent(f);
    });

    it("reverts with HubFeeTooLow when the fee does not cover the callback's gas at the callback gas price", async function () {
      const f = await loadFixture(oneNodeFixture);
      // The requester is its own consumer (an account with no code takes the call as a no-op).
      const params = await requestParams(TrustLevel.TEE, { consumer: f.requester.address, callbackGasLimit: 300_000 });
      const required = PRICES[1] + 300_000n * DEFAULT_HUB.callbackGasPrice;
      expect(params.fee).to.equal(required);
      await expect(f.hub.connect(f.requester).request({ ...params, fee: required - 1n }))
        .to.be.revertedWithCustomError(f.hub, "HubFeeTooLow")
        .withArgs(1, V1, TrustLevel.TEE, required - 1n, required);
      await expect(f.hub.connect(f.requester).request(params)).to.emit(f.hub, "JobRequested");
    });

    it("reverts with HubCallbackGas above the cap or without a consumer", async function () {
      const f = await loadFixture(oneNodeFixture);
      await expect(f.hub.connect(f.requester).request(await requestParams(TrustLevel.VANILLA, { consumer: f.requester.address, callbackGasLimit: 2_000_001 })))
        .to.be.revertedWithCustomError(f.hub, "HubCallbackGas")
        .withArgs(2_000_001, 2_000_000);
      await expect(f.hub.connect(f.requester).request(await requestParams(TrustLevel.VANILLA, { callbackGasLimit: 1 })))
        .to.be.revertedWithCustomError(f.hub, "HubCallbackGas")
        .withArgs(1, 0);
    });

    it("reverts with NodeNoneEligible when no node serves the model at the level", async function () {
      const f = await loadFixture(deployFixture);
      await expect(f.hub.connect(f.requester).request(await requestParams(TrustLevel.VANILLA)))
        .to.be.revertedWithCustomError(f.nodes, "NodeNoneEligible")
        .withArgs(1, V1, TrustLevel.VANILLA);
    });

    it("requestWithPermit escrows with a permit instead of an allowance", async function () {
      const f = await loadFixture(oneNodeFixture);
      const wallet = E.Wallet.createRandom().connect(ethers.provider);
      await f.deployer.sendTransaction({ to: wallet.address, value: E.parseEther("1") });
      await f.token.mint(wallet.address, 100n * TOKEN);
      const params = await requestParams(TrustLevel.VANILLA);
      const permitDeadline = await deadlineIn(600);
      const sig = E.Signature.from(
        await wallet.signTypedData(
          { name: "proofgrid Network Token", version: "1", chainId: f.chainId, verifyingContract: await f.token.getAddress() },
          { Permit: [{ name: "owner", type: "address" }, { name: "spender", type: "address" }, { name: "value", type: "uint256" }, { name: "nonce", type: "uint256" }, { name: "deadline", type: "uint256" }] },
          { owner: wallet.address, spender: f.hubAddress, value: params.fee, nonce: 0n, deadline: permitDeadline },
        ),
      );
      await expect(f.hub.connect(wallet).requestWithPermit(params, permitDeadline, sig.v, sig.r, sig.s)).to.emit(f.hub, "JobRequested");
      expect(await f.token.balanceOf(wallet.address)).to.equal(100n * TOKEN - params.fee);
      // A front-run permit (already used) does not block a request that has the allowance.
      await f.token.connect(wallet).approve(f.hubAddress, params.fee);
      await expect(f.hub.connect(wallet).requestWithPermit(await requestParams(TrustLevel.VANILLA), permitDeadline, sig.v, sig.r, sig.s)).to.emit(
        f.hub,
        "JobRequested",
      );
    });
  });

  describe("ZK level", function () {
    it("settles at once with a valid proof and splits the fee between node, owner and protocol", async function () {
      const f = await loadFixture(oneNodeFixture);
      const { jobId } = await requestJob(f, TrustLevel.ZK);
      const fee = PRICES[2];
      const royalty = (fee * 1_000n) / 10_000n;
      const protocol = (fee * 500n) / 10_000n;
      await expect(f.hub.connect(f.node).submitZkResult(jobId, INPUT, OUTPUT, proofFor(f, jobId, f.node.address)))
        .to.emit(f.hub, "JobSettled")
        .withArgs(jobId, f.node.address, hashValues(OUTPUT), fee - royalty - protocol, royalty, protocol);
      expect((await f.hub.getJob(jobId)).status).to.equal(JobStatus.Settled);
      expect(await f.hub.balanceOf(f.node.address)).to.equal(fee - royalty - protocol);
      expect(await f.hub.balanceOf(f.modelOwner.address)).to.equal(royalty);
      expect(await f.hub.balanceOf(f.treasury.address)).to.equal(protocol);
      await expectSolvent(f);
    });

    it("rejects a proof made for another job, node, input or output with HubInvalidProof", async function () {
      const f = await loadFixture(oneNodeFixture);
      const { jobId } = await requestJob(f, TrustLevel.ZK);
      const { jobId: other } = await requestJob(f, TrustLevel.ZK);
      const cases = [
        proofFor(f, other, f.node.address), // another job
        proofFor(f, jobId, f.stranger.address), // another prover (copied from the mempool)
        proofFor(f, jobId, f.node.address, WRONG_OUTPUT), // another output
        proofFor(f, jobId, f.node.address, OUTPUT, [1n, 1n, 1n, 1n]), // another input
        "0x1234",
      ];
      for (const proof of cases) {
        await expect(f.hub.connect(f.node).submitZkResult(jobId, INPUT, OUTPUT, proof))
          .to.be.revertedWithCustomError(f.hub, "HubInvalidProof")
          .withArgs(jobId, f.node.address);
      }
    });

    it("rejects a proof from another chain (the statement binds block.chainid)", async function () {
      const f = await loadFixture(oneNodeFixture);
      const { jobId } = await requestJob(f, TrustLevel.ZK);
      const { mockProof } = await import("../support/mockProof.js");
      const proof = mockProof({ chainId: f.chainId + 1n, hub: f.hubAddress, jobId, prover: f.node.address, weightsCommitment: E.id("weights"), input: INPUT, output: OUTPUT });
      await expect(f.hub.connect(f.node).submitZkResult(jobId, INPUT, OUTPUT, proof)).to.be.revertedWithCustomError(f.hub, "HubInvalidProof");
    });

    it("rejects an input other than the job's with HubInputMismatch", async function () {
      const f = await loadFixture(oneNodeFixture);
      const { jobId } = await requestJob(f, TrustLevel.ZK);
      const other = [1n, 2n, 3n, 4n];
      await expect(f.hub.connect(f.node).submitZkResult(jobId, other, OUTPUT, proofFor(f, jobId, f.node.address, OUTPUT, other)))
        .to.be.revertedWithCustomError(f.hub, "HubInputMismatch")
        .withArgs(jobId, hashValues(INPUT), hashValues(other));
    });

    it("rejects a result from a node that was not assigned, at the wrong level, with the wrong length, or late", async function () {
      const f = await loadFixture(oneNodeFixture);
      const { jobId } = await requestJob(f, TrustLevel.ZK);
      await expect(f.hub.connect(f.stranger).submitZkResult(jobId, INPUT, OUTPUT, proofFor(f, jobId, f.stranger.address)))
        .to.be.revertedWithCustomError(f.hub, "HubNotAssignedNode")
        .withArgs(jobId, f.stranger.address, f.node.address);
      await expect(f.hub.connect(f.node).submitResult(jobId, OUTPUT))
        .to.be.revertedWithCustomError(f.hub, "HubWrongLevel")
        .withArgs(jobId, TrustLevel.VANILLA, TrustLevel.ZK);
      await expect(f.hub.connect(f.node).submitZkResult(jobId, INPUT, [1n], proofFor(f, jobId, f.node.address, [1n])))
        .to.be.revertedWithCustomError(f.hub, "HubOutputLength")
        .withArgs(jobId, 3, 1);
      const job = await f.hub.getJob(jobId);
      await time.increaseTo(job.deadline);
      await expect(f.hub.connect(f.node).submitZkResult(jobId, INPUT, OUTPUT, proofFor(f, jobId, f.node.address)))
        .to.be.revertedWithCustomError(f.hub, "HubDeadlinePassed")
        .withArgs(jobId, job.deadline, job.deadline + 1n);
    });

    it("rejects a second result for the same job with HubWrongStatus, and an unknown job with HubUnknownJob", async function () {
      const f = await loadFixture(oneNodeFixture);
      const { jobId } = await requestJob(f, TrustLevel.ZK);
      await f.hub.connect(f.node).submitZkResult(jobId, INPUT, OUTPUT, proofFor(f, jobId, f.node.address));
      await expect(f.hub.connect(f.node).submitZkResult(jobId, INPUT, OUTPUT, proofFor(f, jobId, f.node.address)))
        .to.be.revertedWithCustomError(f.hub, "HubWrongStatus")
        .withArgs(jobId, JobStatus.Settled, JobStatus.Requested);
      await expect(f.hub.connect(f.node).submitResult(99n, OUTPUT)).to.be.revertedWithCustomError(f.hub, "HubUnknownJob").withArgs(99n);
    });
  });

  describe("TEE level", function () {
    it("settles at once with a signature of the node's admitted enclave", async function () {
      const f = await loadFixture(oneNodeFixture);
      const { jobId } = await requestJob(f, TrustLevel.TEE);
      const sig = await teeSignature(f, f.enclave, jobId, f.node.address);
      expect(await f.hub.resultDigest(jobId, OUTPUT)).to.equal(E.TypedDataEncoder.hash(f.domain, { InferenceResult: [
        { name: "jobId", type: "uint256" }, { name: "node", type: "address" }, { name: "modelId", type: "uint32" },
        { name: "version", type: "uint32" }, { name: "weightsCommitment", type: "bytes32" }, { name: "inputHash", type: "bytes32" },
        { name: "outputHash", type: "bytes32" },
      ] }, { jobId, node: f.node.address, modelId: 1, version: V1, weightsCommitment: WEIGHTS, inputHash: hashValues(INPUT), outputHash: hashValues(OUTPUT) }));
      await expect(f.hub.connect(f.node).submitTeeResult(jobId, OUTPUT, sig))
        .to.emit(f.hub, "JobSettled")
        .withArgs(jobId, f.node.address, hashValues(OUTPUT), anyValue, anyValue, anyValue);
      await expectSolvent(f);
    });

    it("rejects a signature over another output, another job or another chain", async function () {
      const f = await loadFixture(oneNodeFixture);
      const { jobId } = await requestJob(f, TrustLevel.TEE);
      const { jobId: other } = await requestJob(f, TrustLevel.TEE);
      // Recovered signers differ from the enclave, so the registry does not know them.
      const wrong = [
        await teeSignature(f, f.enclave, jobId, f.node.address, WRONG_OUTPUT),
        await teeSignature(f, f.enclave, other, f.node.address),
        await signResult(f.enclave, { ...f.domain, chainId: f.chainId + 1n }, { jobId, node: f.node.address, modelId: 1, version: V1, weightsCommitment: WEIGHTS, inputHash: hashValues(INPUT), outputHash: hashValues(OUTPUT) }),
      ];
      for (const sig of wrong) {
        await expect(f.hub.connect(f.node).submitTeeResult(jobId, OUTPUT, sig)).to.be.revertedWithCustomError(f.tee, "TEEEnclaveUnknown");
      }
      await expect(f.hub.connect(f.node).submitTeeResult(jobId, OUTPUT, "0x1234"))
        .to.be.revertedWithCustomError(f.hub, "HubInvalidSignature")
        .withArgs(jobId);
    });

    it("rejects an enclave of another node, a revoked measurement and a stale heartbeat", async function () {
      const f = await loadFixture(oneNodeFixture);
      const otherNode = f.nodeSigners[1];
      await joinNode(f, otherNode, 10n * TOKEN * 100n);
      const foreign = await admitEnclave(f, otherNode);
      const { jobId, node } = await requestJob(f, TrustLevel.TEE, { deadline: await deadlineIn(80_000) });
      const assigned = node === f.node.address ? f.node : otherNode;
      const ownEnclave = assigned === f.node ? f.enclave : foreign;
      const otherEnclave = assigned === f.node ? foreign : f.enclave;
      await expect(f.hub.connect(assigned).submitTeeResult(jobId, OUTPUT, await teeSignature(f, otherEnclave, jobId, assigned.address)))
        .to.be.revertedWithCustomError(f.tee, "TEEEnclaveOfOtherNode");

      await time.increase(3_601);
      await expect(f.hub.connect(assigned).submitTeeResult(jobId, OUTPUT, await teeSignature(f, ownEnclave, jobId, assigned.address)))
        .to.be.revertedWithCustomError(f.tee, "TEEHeartbeatStale");

      const { jobId: job2, node: node2 } = await requestJob(f, TrustLevel.TEE);
      const a2 = node2 === f.node.address ? f.node : otherNode;
      const e2 = a2 === f.node ? f.enclave : foreign;
      await f.tee.revokeMeasurement((await f.tee.getEnclave(e2.address)).measurement);
      await expect(f.hub.connect(a2).submitTeeResult(job2, OUTPUT, await teeSignature(f, e2, job2, a2.address)))
        .to.be.revertedWithCustomError(f.tee, "TEEMeasurementRevoked");
    });
  });

  describe("VANILLA level", function () {
    it("posts a result, settles after the challenge window, and calls the consumer", async function () {
      const f = await loadFixture(oneNodeFixture);
      const consumer = await new RecordingConsumer__factory(f.deployer).deploy(f.hubAddress);
      const { jobId } = await requestViaConsumer(f, consumer, TrustLevel.VANILLA, { callbackGasLimit: 200_000 });
      await expect(f.hub.connect(f.node).submitResult(jobId, OUTPUT)).to.emit(f.hub, "ResultSubmitted").withArgs(jobId, f.node.address, TrustLevel.VANILLA, OUTPUT);
      const job = await f.hub.getJob(jobId);
      expect(job.status).to.equal(JobStatus.Submitted);
      await expect(f.hub.finalize(jobId, OUTPUT))
        .to.be.revertedWithCustomError(f.hub, "HubChallengeWindowOpen")
        .withArgs(jobId, job.deadline, anyValue);
      await time.increaseTo(job.deadline + 1n);
      await expect(f.hub.finalize(jobId, WRONG_OUTPUT))
        .to.be.revertedWithCustomError(f.hub, "HubOutputMismatch")
        .withArgs(jobId, hashValues(OUTPUT), hashValues(WRONG_OUTPUT));
      await expect(f.hub.connect(f.stranger).finalize(jobId, OUTPUT))
        .to.emit(f.hub, "CallbackDelivered")
        .withArgs(jobId, await consumer.getAddress(), true, f.stranger.address, 200_000n * DEFAULT_HUB.callbackGasPrice);
      // Whoever runs the callback is paid for its gas out of the requester's fee.
      expect(await f.hub.balanceOf(f.stranger.address)).to.equal(200_000n * DEFAULT_HUB.callbackGasPrice);
      expect(await consumer.lastJobId()).to.equal(jobId);
      expect(await consumer.lastOutput()).to.deep.equal(OUTPUT);
      await expect(f.court.challenge(jobId)).to.be.revertedWithCustomError(f.hub, "HubWrongStatus");
      await expectSolvent(f);
    });

    // Disputes (fraud proofs and the committee court): test/hub/Disputes.test.ts.
  });

  describe("timeouts", function () {
    it("refunds the requester, slashes and jails the node; the slash goes to the treasury", async function () {
      const f = await loadFixture(oneNodeFixture);
      const { jobId } = await requestJob(f, TrustLevel.TEE);
      const job = await f.hub.getJob(jobId);
      await expect(f.hub.claimTimeout(jobId))
        .to.be.revertedWithCustomError(f.hub, "HubDeadlineNotPassed")
        .withArgs(jobId, job.deadline, anyValue);
      await time.increaseTo(job.deadline + 1n);
      await expect(f.hub.connect(f.stranger).claimTimeout(jobId))
        .to.emit(f.hub, "JobRefunded")
        .withArgs(jobId, f.requester.address, PRICES[1], 0)
        .and.to.emit(f.nodes, "NodeSlashed")
        .withArgs(f.node.address, 10n * TOKEN, 990n * TOKEN);
      expect(await f.hub.balanceOf(f.requester.address)).to.equal(PRICES[1]);
      expect(await f.hub.balanceOf(f.treasury.address)).to.equal(10n * TOKEN);
      await expect(f.hub.claimTimeout(jobId)).to.be.revertedWithCustomError(f.hub, "HubWrongStatus");
      await expectSolvent(f);
      // Withdraw pays out; a second withdraw has nothing left.
      await expect(f.hub.connect(f.requester).withdraw()).to.emit(f.hub, "Withdrawn").withArgs(f.requester.address, f.requester.address, PRICES[1]);
      await expect(f.hub.connect(f.requester).withdraw()).to.be.revertedWithCustomError(f.hub, "HubNothingToWithdraw").withArgs(f.requester.address);
      // withdrawTo pays another address.
      const before = await f.token.balanceOf(f.stranger.address);
      await expect(f.hub.connect(f.treasury).withdrawTo(f.stranger.address)).to.emit(f.hub, "Withdrawn").withArgs(f.treasury.address, f.stranger.address, 10n * TOKEN);
      expect(await f.token.balanceOf(f.stranger.address)).to.equal(before + 10n * TOKEN);
      await expect(f.hub.resultDigest(99n, OUTPUT)).to.be.revertedWithCustomError(f.hub, "HubUnknownJob").withArgs(99n);
      await expectSolvent(f);
    });
  });

  describe("consumer callbacks", function () {
    async function settleZkWithConsumer(f: Fixture, consumer: Parameters<typeof requestViaConsumer>[1], gas = 100_000) {
      const { jobId } = await requestViaConsumer(f, consumer, TrustLevel.ZK, { callbackGasLimit: gas });
      return { jobId, tx: f.hub.connect(f.nodeSigners[0]).submitZkResult(jobId, INPUT, OUTPUT, proofFor(f, jobId, f.nodeSigners[0].address)) };
    }

    it("a reverting callback does not block settlement", async function () {
      const f = await loadFixture(oneNodeFixture);
      const consumer = await new RevertingConsumer__factory(f.deployer).deploy();
      const { jobId, tx } = await settleZkWithConsumer(f, consumer);
      await expect(tx).to.emit(f.hub, "CallbackDelivered").withArgs(jobId, await consumer.getAddress(), false, f.nodeSigners[0].address, 100_000n * DEFAULT_HUB.callbackGasPrice);
      expect((await f.hub.getJob(jobId)).status).to.equal(JobStatus.Settled);
    });

    it("a callback that burns all its gas does not block settlement", async function () {
      const f = await loadFixture(oneNodeFixture);
      const consumer = await new GasBurningConsumer__factory(f.deployer).deploy();
      const { jobId, tx } = await settleZkWithConsumer(f, consumer, 500_000);
      const receipt = await (await tx).wait();
      expect(receipt!.gasUsed).to.be.lessThan(800_000n);
      expect((await f.hub.getJob(jobId)).status).to.equal(JobStatus.Settled);
    });

    it("a callback that re-enters the hub is refused by the guard and settlement stands", async function () {
      const f = await loadFixture(oneNodeFixture);
      const consumer = await new ReentrantConsumer__factory(f.deployer).deploy(f.hubAddress);
      const { jobId, tx } = await settleZkWithConsumer(f, consumer, 300_000);
      await expect(tx).to.emit(f.hub, "CallbackDelivered").withArgs(jobId, await consumer.getAddress(), true, anyValue, anyValue);
      expect(await consumer.blocked()).to.equal(3n);
      expect(await consumer.reentered()).to.equal(0n);
      await expectSolvent(f);
    });

    it("refuses to settle with too little gas for the callback's cap (HubCallbackGasShort)", async function () {
      const f = await loadFixture(oneNodeFixture);
      const consumer = await new RecordingConsumer__factory(f.deployer).deploy(f.hubAddress);
      const { jobId } = await requestViaConsumer(f, consumer, TrustLevel.ZK, { callbackGasLimit: 1_000_000 });
      await expect(
        f.hub.connect(f.node).submitZkResult(jobId, INPUT, OUTPUT, proofFor(f, jobId, f.node.address), { gasLimit: 600_000 }),
      ).to.be.revertedWithCustomError(f.hub, "HubCallbackGasShort");
      expect((await f.hub.getJob(jobId)).status).to.equal(JobStatus.Requested);
    });

    it("a consumer is called back only for its own requests: naming another contract (or account) reverts with HubConsumerNotRequester", async function () {
      const f = await loadFixture(oneNodeFixture);
      const consumer = await new RecordingConsumer__factory(f.deployer).deploy(f.hubAddress);
      const address = await consumer.getAddress();
      await expect(requestJob(f, TrustLevel.ZK, { consumer: address, callbackGasLimit: 150_000 }))
        .to.be.revertedWithCustomError(f.hub, "HubConsumerNotRequester")
        .withArgs(address, f.requester.address);
      await f.token.mint(address, 100n * TOKEN);
      const params = await requestParams(TrustLevel.ZK, { consumer: address, callbackGasLimit: 150_000 });
      await consumer.requestFromHub(f.hubAddress, await f.token.getAddress(), params);
      await f.hub.connect(f.node).submitZkResult(1n, INPUT, OUTPUT, proofFor(f, 1n, f.node.address));
      expect(await consumer.calls()).to.equal(1n);
      await expectSolvent(f, [address]);
    });
  });

  describe("governance and accounting", function () {
    it("only the owner sets parameters, within bounds", async function () {
      const f = await loadFixture(deployFixture);
      const p = await hubParameters(f);
      await expect(f.hub.connect(f.stranger).setParameters(p)).to.be.revertedWithCustomError(f.hub, "OwnableUnauthorizedAccount");
      const bad: [string, unknown][] = [
        ["treasury", E.ZeroAddress],
        ["protocolFeeBps", 2_001],
        ["challengeWindow", 0],
        ["challengeWindow", 30 * 86_400 + 1],
        ["drawWindow", 59],
        ["commitWindow", 59],
        ["revealWindow", 59],
        ["maxJobDuration", 0],
        ["challengeBond", 0],
        ["challengeBond", 1_000n * TOKEN + 1n],
        ["timeoutSlash", 100n * TOKEN + 1n],
        ["fraudSlash", 0],
        ["fraudSlash", 1_000n * TOKEN + 1n],
        ["absentSlash", 100n * TOKEN + 1n],
        ["committeeSize", 0],
        ["committeeSize", 16],
        ["maxCallbackGas", 10_000_001],
        ["callbackGasPrice", 10n ** 15n + 1n],
        ["callbackGasPrice", 0],
      ];
      for (const [key, value] of bad) {
        const err = key === "treasury" ? "HubZeroAddress" : "HubInvalidParameter";
        await expect(f.hub.setParameters({ ...p, [key]: value })).to.be.revertedWithCustomError(f.hub, err);
      }
      // At each bound exactly, the parameters are accepted.
      await f.hub.setParameters({ ...p, challengeBond: 1_000n * TOKEN, timeoutSlash: 100n * TOKEN, fraudSlash: 1_000n * TOKEN, absentSlash: 100n * TOKEN, committeeSize: 15, drawWindow: 60, commitWindow: 60, revealWindow: 60, callbackGasPrice: 10n ** 15n });
      await f.hub.setParameters({ ...p, callbackGasPrice: 1 });
      await expect(f.hub.setParameters({ ...p, protocolFeeBps: 100 })).to.emit(f.hub, "ParametersChanged");
      expect((await f.hub.parameters()).protocolFeeBps).to.equal(100n);
      await expect(f.hub.withdrawTo(E.ZeroAddress)).to.be.revertedWithCustomError(f.hub, "HubZeroAddress");
    });

    it("refuses a fee-on-transfer token (HubTransferMismatch) and moves nothing", async function () {
      const { FeeOnTransferToken__factory, NodeRegistry__factory, InferenceHub__factory } = await import("../../types/contracts/index.js");
      const f = await loadFixture(oneNodeFixture);
      const fot = await new FeeOnTransferToken__factory(f.deployer).deploy();
      const nodes = await new NodeRegistry__factory(f.deployer).deploy(f.deployer.address, await fot.getAddress(), await f.models.getAddress(), 1n, 0n, 0n, 0n);
      const hub = await new InferenceHub__factory(f.deployer).deploy(
        f.deployer.address, await fot.getAddress(), await f.models.getAddress(), await nodes.getAddress(), await f.tee.getAddress(), await hubParameters(f),
      );
      await nodes.setHub(await hub.getAddress());
      await fot.mint(f.requester.address, 1_000n * TOKEN);
      await fot.connect(f.requester).approve(await nodes.getAddress(), E.MaxUint256);
      await expect(nodes.connect(f.requester).join(100n * TOKEN, [releaseKey(1, V1)], 1)).to.be.revertedWithCustomError(nodes, "NodeTransferMismatch").withArgs(100n * TOKEN, 99n * TOKEN);
      expect(await fot.balanceOf(await nodes.getAddress())).to.equal(0n);

      // The hub refuses it too: a registry staked in the network token, a hub paid in the FOT token.
      const staked = await new NodeRegistry__factory(f.deployer).deploy(f.deployer.address, await f.token.getAddress(), await f.models.getAddress(), 1n, 0n, 0n, 0n);
      const fotHub = await new InferenceHub__factory(f.deployer).deploy(
        f.deployer.address, await fot.getAddress(), await f.models.getAddress(), await staked.getAddress(), await f.tee.getAddress(), await hubParameters(f),
      );
      await staked.setHub(await fotHub.getAddress());
      await f.token.connect(f.nodeSigners[1]).approve(await staked.getAddress(), E.MaxUint256);
      await staked.connect(f.nodeSigners[1]).join(100n * TOKEN, [releaseKey(1, V1)], 1);
      await staked.connect(f.nodeSigners[1]).activate();
      await fot.connect(f.requester).approve(await fotHub.getAddress(), E.MaxUint256);
      const params = await requestParams(TrustLevel.VANILLA);
      await expect(fotHub.connect(f.requester).request(params))
        .to.be.revertedWithCustomError(fotHub, "HubTransferMismatch")
        .withArgs(params.fee, params.fee - params.fee / 100n);
      expect(await fot.balanceOf(await fotHub.getAddress())).to.equal(0n);
      expect(await fot.balanceOf(f.requester.address)).to.equal(1_000n * TOKEN);
    });

    it("rejects a zero address at construction", async function () {
      const { InferenceHub__factory } = await import("../../types/contracts/index.js");
      const f = await loadFixture(deployFixture);
      await expect(
        new InferenceHub__factory(f.deployer).deploy(f.deployer.address, E.ZeroAddress, await f.models.getAddress(), await f.nodes.getAddress(), await f.tee.getAddress(), await hubParameters(f)),
      ).to.be.revertedWithCustomError(f.hub, "HubZeroAddress");
    });
  });
});
