/**
 * The adversarial suite: one named test per attack (THREATS.md lists them), each showing the attack
 * is blocked and that nothing is lost: after it, the hub holds exactly what it owes and no honest
 * party's balance moved. Circuit-level attacks (a witness with a wrong output or an out-of-range
 * remainder) are in test/pipeline/soundness.test.ts; real-proof replays in test/pipeline/zk.e2e.test.ts.
 */
import { expect } from "chai";
import { ethers as E } from "ethers";
import { DEFAULT_HUB, TOKEN } from "../../deploy/proofgrid.js";
import { hashValues, hubDomain, signResult, TrustLevel, releaseKey } from "../../src/protocol/index.js";
import {
  GasBurningConsumer__factory,
  InferenceHub__factory,
  NodeRegistry__factory,
  NoReturnToken__factory,
  ReentrantConsumer__factory,
  ReentrantToken__factory,
} from "../../types/contracts/index.js";
import {
  hubLiabilities,
  hubParameters,
  INPUT,
  networkHelpers,
  OUTPUT,
  oneNodeFixture,
  claimFor,
  proofFor,
  joinNode,
  requestJob,
  requestJobOf,
  requestViaConsumer,
  requestParams,
  WRONG_OUTPUT,
  type Fixture,
  WEIGHTS,
  V1,
} from "../support/fixture.js";

const { loadFixture, time } = networkHelpers;

async function expectNothingLost(f: Fixture) {
  const accounts = [f.requester, f.challenger, f.treasury, f.modelOwner, f.stranger, f.deployer, ...f.nodeSigners].map((s) => s.address);
  expect(await f.token.balanceOf(f.hubAddress), "the hub holds exactly what it owes").to.equal(await hubLiabilities(f, accounts));
}

async function teeSignature(f: Awaited<ReturnType<typeof oneNodeFixture>>, jobId: bigint, domain = f.domain, output = OUTPUT) {
  const version = (await f.hub.getJob(jobId)).version;
  return signResult(f.enclave, domain, { jobId, node: f.node.address, modelId: 1, version, weightsCommitment: WEIGHTS, inputHash: hashValues(INPUT), outputHash: hashValues(output) });
}

/** A hub (and node registry) paid in `token`, with one active node serving model 1 at VANILLA. */
async function hubWithToken(f: Awaited<ReturnType<typeof oneNodeFixture>>, token: string) {
  const nodes = await new NodeRegistry__factory(f.deployer).deploy(f.deployer.address, await f.token.getAddress(), await f.models.getAddress(), 1n, 0n, 0n, 0n);
  const hub = await new InferenceHub__factory(f.deployer).deploy(f.deployer.address, token, await f.models.getAddress(), await nodes.getAddress(), await f.tee.getAddress(), await hubParameters(f));
  await nodes.setHub(await hub.getAddress());
  await f.token.connect(f.nodeSigners[1]).approve(await nodes.getAddress(), E.MaxUint256);
  await nodes.connect(f.nodeSigners[1]).join(100n * TOKEN, [releaseKey(1, V1)], 1);
  await nodes.connect(f.nodeSigners[1]).activate();
  return { hub, nodes, node: f.nodeSigners[1] };
}

describe("adversarial: attacks are blocked and nothing is lost", function () {
  it("re-entrancy through a consumer callback: the guard refuses it, settlement stands", async function () {
    const f = await loadFixture(oneNodeFixture);
    const consumer = await new ReentrantConsumer__factory(f.deployer).deploy(f.hubAddress);
    const { jobId } = await requestViaConsumer(f, consumer, TrustLevel.TEE, { callbackGasLimit: 500_000 });
    await f.hub.connect(f.node).submitTeeResult(jobId, OUTPUT, await teeSignature(f, jobId));
    expect(await consumer.blocked()).to.be.greaterThan(0n);
    expect(Number((await f.hub.getJob(jobId)).status)).to.equal(4); // Settled, once
    await expectNothingLost(f);
  });

  it("3. nobody can feed results to a consumer: a request naming another contract as its consumer is refused (HubConsumerNotRequester), whatever model or level", async function () {
    const f = await loadFixture(oneNodeFixture);
    const victim = await new ReentrantConsumer__factory(f.deployer).deploy(f.hubAddress);
    const address = await victim.getAddress();
    for (const level of [TrustLevel.VANILLA, TrustLevel.TEE, TrustLevel.ZK]) {
      await expect(requestJob(f, level, { consumer: address, callbackGasLimit: 100_000 }, f.stranger))
        .to.be.revertedWithCustomError(f.hub, "HubConsumerNotRequester")
        .withArgs(address, f.stranger.address);
    }
    await expectNothingLost(f);
  });

  it("re-entrancy through a malicious token: a withdraw re-entered from transferFrom is refused", async function () {
    const f = await loadFixture(oneNodeFixture);
    const evil = await new ReentrantToken__factory(f.deployer).deploy();
    const { hub } = await hubWithToken(f, await evil.getAddress());
    await evil.mint(f.requester.address, 100n * TOKEN);
    await evil.connect(f.requester).approve(await hub.getAddress(), E.MaxUint256);
    await evil.arm(await hub.getAddress(), hub.interface.encodeFunctionData("withdraw"));
    await hub.connect(f.requester).request(await requestParams(TrustLevel.VANILLA));
    expect(await evil.attempted()).to.equal(true);
    expect(await evil.reentered()).to.equal(false);
    expect(hub.interface.parseError(await evil.lastRevert())!.name).to.equal("ReentrancyGuardReentrantCall");
    expect(await evil.balanceOf(await hub.getAddress())).to.equal((await requestParams(TrustLevel.VANILLA)).fee);
  });

  it("a callback that burns all its gas: settlement stands and the node is paid", async function () {
    const f = await loadFixture(oneNodeFixture);
    const burner = await new GasBurningConsumer__factory(f.deployer).deploy();
    const { jobId } = await requestViaConsumer(f, burner, TrustLevel.TEE, { callbackGasLimit: 1_000_000 });
    await expect(f.hub.connect(f.node).submitTeeResult(jobId, OUTPUT, await teeSignature(f, jobId))).to.emit(f.hub, "CallbackDelivered").withArgs(jobId, await burner.getAddress(), false, f.node.address, 1_000_000n * DEFAULT_HUB.callbackGasPrice);
    expect(await f.hub.balanceOf(f.node.address)).to.be.greaterThan(0n);
    await expectNothingLost(f);
  });

  it("a proof replayed for another job, another node or another chain is refused", async function () {
    const f = await loadFixture(oneNodeFixture);
    const a = await requestJob(f, TrustLevel.ZK);
    const b = await requestJob(f, TrustLevel.ZK);
    const forA = proofFor(f, a.jobId, f.node.address);
    await expect(f.hub.connect(f.node).submitZkResult(b.jobId, INPUT, OUTPUT, forA)).to.be.revertedWithCustomError(f.hub, "HubInvalidProof");
    const otherNode = proofFor(f, b.jobId, f.stranger.address);
    await expect(f.hub.connect(f.node).submitZkResult(b.jobId, INPUT, OUTPUT, otherNode)).to.be.revertedWithCustomError(f.hub, "HubInvalidProof");
    const { mockProof } = await import("../support/mockProof.js");
    const otherChain = mockProof({ chainId: 1n, hub: f.hubAddress, jobId: b.jobId, prover: f.node.address, weightsCommitment: E.id("weights"), input: INPUT, output: OUTPUT });
    await expect(f.hub.connect(f.node).submitZkResult(b.jobId, INPUT, OUTPUT, otherChain)).to.be.revertedWithCustomError(f.hub, "HubInvalidProof");
    await expectNothingLost(f);
  });

  it("a proof copied from the mempool and sent by another node or the challenger's front-runner is refused", async function () {
    const f = await loadFixture(oneNodeFixture);
    const { jobId } = await requestJob(f, TrustLevel.ZK);
    const proof = proofFor(f, jobId, f.node.address);
    await expect(f.hub.connect(f.stranger).submitZkResult(jobId, INPUT, OUTPUT, proof)).to.be.revertedWithCustomError(f.hub, "HubNotAssignedNode");
    // A fraud proof binds its prover, so a front-runner cannot take the reward.
    const v = await requestJob(f, TrustLevel.VANILLA);
    await f.hub.connect(f.node).submitResult(v.jobId, WRONG_OUTPUT);
    const challengerProof = claimFor(f, v.jobId, f.challenger.address);
    await expect(f.court.connect(f.stranger).proveFraud(v.jobId, INPUT, OUTPUT, challengerProof)).to.be.revertedWithCustomError(f.court, "CourtInvalidProof");
    await f.court.connect(f.challenger).proveFraud(v.jobId, INPUT, OUTPUT, challengerProof);
    expect(await f.hub.balanceOf(f.stranger.address)).to.equal(0n);
    await expectNothingLost(f);
  });

  it("a TEE signature replayed across jobs or chains is refused", async function () {
    const f = await loadFixture(oneNodeFixture);
    const a = await requestJob(f, TrustLevel.TEE);
    const b = await requestJob(f, TrustLevel.TEE);
    await expect(f.hub.connect(f.node).submitTeeResult(b.jobId, OUTPUT, await teeSignature(f, a.jobId))).to.be.revertedWithCustomError(f.tee, "TEEEnclaveUnknown");
    const otherChain = hubDomain(1n, f.hubAddress);
    await expect(f.hub.connect(f.node).submitTeeResult(b.jobId, OUTPUT, await teeSignature(f, b.jobId, otherChain))).to.be.revertedWithCustomError(f.tee, "TEEEnclaveUnknown");
    await expectNothingLost(f);
  });

  it("an enclave whose measurement was revoked cannot settle; re-approval does not revive it", async function () {
    const f = await loadFixture(oneNodeFixture);
    const { jobId } = await requestJob(f, TrustLevel.TEE);
    const measurement = (await f.tee.getEnclave(f.enclave.address)).measurement;
    await f.tee.revokeMeasurement(measurement);
    await expect(f.hub.connect(f.node).submitTeeResult(jobId, OUTPUT, await teeSignature(f, jobId))).to.be.revertedWithCustomError(f.tee, "TEEMeasurementRevoked");
    await f.tee.approveMeasurement(measurement);
    await expect(f.hub.connect(f.node).submitTeeResult(jobId, OUTPUT, await teeSignature(f, jobId))).to.be.revertedWithCustomError(f.tee, "TEEMeasurementRevoked");
    await expectNothingLost(f);
  });

  it("an enclave with a stale heartbeat cannot settle", async function () {
    const f = await loadFixture(oneNodeFixture);
    const { jobId } = await requestJob(f, TrustLevel.TEE, { deadline: BigInt((await time.latest()) + 86_000) });
    await time.increase(Number(await f.tee.maxHeartbeatAge()) + 1);
    await expect(f.hub.connect(f.node).submitTeeResult(jobId, OUTPUT, await teeSignature(f, jobId))).to.be.revertedWithCustomError(f.tee, "TEEHeartbeatStale");
    await expectNothingLost(f);
  });

  it("a result after the deadline is refused; the requester gets the timeout refund", async function () {
    const f = await loadFixture(oneNodeFixture);
    const { jobId } = await requestJob(f, TrustLevel.VANILLA);
    await time.increaseTo((await f.hub.getJob(jobId)).deadline + 1n);
    await expect(f.hub.connect(f.node).submitResult(jobId, OUTPUT)).to.be.revertedWithCustomError(f.hub, "HubDeadlinePassed");
    await f.hub.connect(f.stranger).claimTimeout(jobId);
    expect(await f.hub.balanceOf(f.requester.address)).to.equal((await requestParams(TrustLevel.VANILLA)).fee);
    await expectNothingLost(f);
  });

  it("a second finalize and a second withdraw are refused", async function () {
    const f = await loadFixture(oneNodeFixture);
    const { jobId } = await requestJob(f, TrustLevel.VANILLA);
    await f.hub.connect(f.node).submitResult(jobId, OUTPUT);
    await time.increase(601);
    await f.hub.finalize(jobId, OUTPUT);
    await expect(f.hub.finalize(jobId, OUTPUT)).to.be.revertedWithCustomError(f.hub, "HubWrongStatus");
    await f.hub.connect(f.node).withdraw();
    await expect(f.hub.connect(f.node).withdraw()).to.be.revertedWithCustomError(f.hub, "HubNothingToWithdraw");
    await expectNothingLost(f);
  });

  it("a dispute by the node itself is refused (a fraud proof or a committee challenge)", async function () {
    const f = await loadFixture(oneNodeFixture);
    const { jobId } = await requestJob(f, TrustLevel.VANILLA);
    await f.hub.connect(f.node).submitResult(jobId, WRONG_OUTPUT);
    await expect(f.court.connect(f.node).proveFraud(jobId, INPUT, OUTPUT, claimFor(f, jobId, f.node.address))).to.be.revertedWithCustomError(f.hub, "HubSelfChallenge");
    await joinNode(f, f.nodeSigners[1]); // model 2's VANILLA jobs need a pool that can judge
    const v = await requestJobOf(f, f.node, TrustLevel.VANILLA, { modelId: 2 });
    await f.hub.connect(f.node).submitResult(v.jobId, OUTPUT);
    await expect(f.court.connect(f.node).challenge(v.jobId)).to.be.revertedWithCustomError(f.hub, "HubSelfChallenge");
    await expectNothingLost(f);
  });

  it("a non-standard token (no return values) is handled by SafeERC20: escrow and withdraw work", async function () {
    const f = await loadFixture(oneNodeFixture);
    const odd = await new NoReturnToken__factory(f.deployer).deploy();
    const { hub, node } = await hubWithToken(f, await odd.getAddress());
    await odd.mint(f.requester.address, 100n * TOKEN);
    await odd.connect(f.requester).approve(await hub.getAddress(), E.MaxUint256);
    const params = await requestParams(TrustLevel.VANILLA);
    const receipt = (await (await hub.connect(f.requester).request(params)).wait())!;
    const jobId = hub.interface.parseLog(receipt.logs.find((l) => hub.interface.parseLog(l)?.name === "JobRequested")!)!.args.jobId;
    await hub.connect(node).submitResult(jobId, OUTPUT);
    await time.increase(601);
    await hub.finalize(jobId, OUTPUT);
    await hub.connect(node).withdraw();
    expect(await odd.balanceOf(node.address)).to.be.greaterThan(0n);
    expect(await odd.balanceOf(await hub.getAddress())).to.equal(await hub.balanceOf(f.modelOwner.address) + (await hub.balanceOf(f.treasury.address)) + (await hub.balanceOf(f.deployer.address)));
  });

  it("the admin cannot take escrowed funds: every owner-only function leaves the hub's tokens owed", async function () {
    const f = await loadFixture(oneNodeFixture);
    await requestJob(f, TrustLevel.VANILLA);
    await requestJob(f, TrustLevel.ZK);
    const held = await f.token.balanceOf(f.hubAddress);
    const params = await hubParameters(f);
    await f.hub.connect(f.deployer).setParameters({ ...params, treasury: f.deployer.address, protocolFeeBps: 2_000n });
    await f.hub.connect(f.deployer).transferOwnership(f.stranger.address);
    await expect(f.hub.connect(f.deployer).withdraw()).to.be.revertedWithCustomError(f.hub, "HubNothingToWithdraw");
    expect(await f.token.balanceOf(f.hubAddress)).to.equal(held);
    await expectNothingLost(f);
  });

  it("a fee-on-transfer token is refused (HubTransferMismatch) and moves nothing", async function () {
    // The full scenario is in test/hub/InferenceHub.test.ts ("refuses a fee-on-transfer token");
    // here: the escrow check itself.
    const f = await loadFixture(oneNodeFixture);
    const { FeeOnTransferToken__factory } = await import("../../types/contracts/index.js");
    const fot = await new FeeOnTransferToken__factory(f.deployer).deploy();
    const { hub } = await hubWithToken(f, await fot.getAddress());
    await fot.mint(f.requester.address, 100n * TOKEN);
    await fot.connect(f.requester).approve(await hub.getAddress(), E.MaxUint256);
    await expect(hub.connect(f.requester).request(await requestParams(TrustLevel.VANILLA))).to.be.revertedWithCustomError(hub, "HubTransferMismatch");
    expect(await fot.balanceOf(f.requester.address)).to.equal(100n * TOKEN);
  });
});
