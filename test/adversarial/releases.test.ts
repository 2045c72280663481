/**
 * The release-binding review: every stake, job and result is bound to the exact release. Each
 * attack is mounted and shown to fail, ending with "the hub holds exactly what it owes" where money
 * moves. The node runtime, its release checks and the simulated enclave run for real on the demo
 * model (real artifacts, real enclave keys).
 */
import { expect } from "chai";
import { ethers as E } from "ethers";
import path from "node:path";
import { attachProofgrid, describeDeployment, TOKEN } from "../../deploy/proofgrid.js";
import { quantizeInput } from "../../src/engine/fixed.js";
import { intentFeaturizer } from "../support/intents.js";
import { EnclaveModelError, SimulatedEnclave } from "../../src/node/enclave.js";
import { ReleaseMismatchError } from "../../src/node/release.js";
import { NodeRuntime } from "../../src/node/runtime.js";
import { DEV_KEYS } from "../support/fixture.js";
import { activateNodes, prepareNode } from "../../src/node/bootstrap.js";
import { PACKAGE_ROOT } from "../../src/package.js";
import { loadArtifacts, type ModelArtifacts } from "../../src/pipeline/prove.js";
import { hashValues, hubDomain, levelMask, packVersion, releaseKey, signResult, TrustLevel } from "../../src/protocol/index.js";
import { deployVerifier, releaseOf } from "../../src/sdk/index.js";
import {
  deployFixture,
  expectHubSolvent,
  hubParameters,
  INPUT,
  joinNode,
  requestJobOf,
  MEASUREMENT,
  networkHelpers,
  oneNodeFixture,
  OUTPUT,
  PRICES,
  release,
  requestJob,
  requestParams,
  time,
  V1,
  WEIGHTS,
  WRONG_OUTPUT,
} from "../support/fixture.js";
import { timeTravel } from "../../src/devnet/time.js";

const { loadFixture } = networkHelpers;
const V2 = packVersion(2, 0);

describe("adversarial: results, stakes and jobs are bound to the exact release", function () {
  this.timeout(120_000);
  let artifacts: ModelArtifacts;

  before(async () => {
    artifacts = await loadArtifacts(path.join(PACKAGE_ROOT, "build/support-intents"));
  });

  it("1. a deadline the node cannot meet is refused at every level (HubDeadlineTooSoon); at the minimum it is accepted", async function () {
    const f = await loadFixture(oneNodeFixture);
    const p = await hubParameters(f);
    for (const [level, min] of [[TrustLevel.VANILLA, p.minVanillaTime], [TrustLevel.TEE, p.minTeeTime], [TrustLevel.ZK, p.minZkTime]] as const) {
      const at = BigInt(await time.latest()) + 10n;
      const tooSoon = await requestParams(level, { deadline: at + 1n }); // one second away: the old attack
      await time.setNextBlockTimestamp(at);
      await expect(f.hub.connect(f.requester).request(tooSoon)).to.be.revertedWithCustomError(f.hub, "HubDeadlineTooSoon").withArgs(at + 1n, at + min);
      const short = await requestParams(level, { deadline: at + 1n + min - 1n });
      await time.setNextBlockTimestamp(at + 1n);
      await expect(f.hub.connect(f.requester).request(short)).to.be.revertedWithCustomError(f.hub, "HubDeadlineTooSoon");
      const exact = await requestParams(level, { deadline: at + 2n + min });
      await time.setNextBlockTimestamp(at + 2n);
      await expect(f.hub.connect(f.requester).request(exact)).to.emit(f.hub, "JobRequested");
    }
    await expect(f.hub.setParameters({ ...p, minZkTime: p.maxJobDuration + 1n })).to.be.revertedWithCustomError(f.hub, "HubInvalidParameter");
    await expectHubSolvent(f);
  });

  it("2. a model owner's new release cannot reach stakes that never opted into it: no draw, no fraud proof through its verifier, and the runtime refuses a verifier that is not its build's code", async function () {
    const f = await loadFixture(oneNodeFixture);
    // Release 2.0 of model 1 with a verifier the owner controls (the mock accepts keccak "proofs").
    const { MockProofVerifier__factory } = await import("../../types/contracts/index.js");
    const rogue = await (await new MockProofVerifier__factory(f.modelOwner).deploy()).waitForDeployment();
    await f.models.connect(f.modelOwner).addRelease(1, V2, release({ verifier: await rogue.getAddress(), levels: 7 }));
    // The node serves release 1.0 only: 2.0 has nobody to draw, so nobody's stake answers for it.
    await expect(f.hub.connect(f.requester).request(await requestParams(TrustLevel.VANILLA, { version: 0 })))
      .to.be.revertedWithCustomError(f.nodes, "NodeNoneEligible")
      .withArgs(1, V2, TrustLevel.VANILLA);
    // A job names its release; the node's stake answers only for the release it opted into.
    const { jobId } = await requestJob(f, TrustLevel.VANILLA, { version: V1 });
    expect((await f.hub.getJob(jobId)).version).to.equal(BigInt(V1));
    expect(await f.nodes.weightOf(f.node.address, releaseKey(1, V2), TrustLevel.VANILLA)).to.equal(0n);
    await expectHubSolvent(f);

    // A real runtime holding the demo model refuses a release whose verifier is not its build's code.
    const g = await loadFixture(deployFixture);
    await g.models.connect(g.modelOwner).registerModel("support-intents", V1, releaseOf(artifacts, { verifier: await rogue.getAddress(), levels: [TrustLevel.VANILLA, TrustLevel.ZK], prices: PRICES }));
    const contracts = attachProofgrid(await describeDeployment(g, g.deployer), g.nodeSigners[0]);
    const runtime = new NodeRuntime({ setupTrust: DEV_KEYS, signer: g.nodeSigners[0], contracts, models: new Map([[3, artifacts]]), levels: [TrustLevel.VANILLA], log: () => {} });
    await expect(prepareNode(runtime, { stake: 1_000n * TOKEN })).to.be.rejectedWith(ReleaseMismatchError, /is not the code/);
    expect((await g.nodes.getNode(g.nodeSigners[0].address)).stake).to.equal(0n);
    // With the build's own verifier, the same runtime checks it and opts into exactly that release.
    await g.models.connect(g.modelOwner).addRelease(3, V2, releaseOf(artifacts, { verifier: await deployVerifier(artifacts, g.deployer), levels: [TrustLevel.VANILLA, TrustLevel.ZK], prices: PRICES }));
    const checked = new NodeRuntime({ setupTrust: DEV_KEYS, signer: g.nodeSigners[1], contracts: attachProofgrid(await describeDeployment(g, g.deployer), g.nodeSigners[1]), models: new Map([[3, artifacts]]), versions: new Map([[3, V2]]), levels: [TrustLevel.VANILLA], log: () => {} });
    await prepareNode(checked, { stake: 1_000n * TOKEN });
    expect((await g.nodes.getNode(g.nodeSigners[1].address)).releases).to.deep.equal([releaseKey(3, V2)]);
  });

  it("2b. a weights upgrade is never served with old artifacts: the runtime does not opt into a release of other weights", async function () {
    const g = await loadFixture(deployFixture);
    await g.models.connect(g.modelOwner).registerModel("support-intents", V1, { ...releaseOf(artifacts, { verifier: E.ZeroAddress, levels: [TrustLevel.VANILLA], prices: PRICES }), weightsCommitment: E.id("retrained") });
    const contracts = attachProofgrid(await describeDeployment(g, g.deployer), g.nodeSigners[0]);
    const runtime = new NodeRuntime({ setupTrust: DEV_KEYS, signer: g.nodeSigners[0], contracts, models: new Map([[3, artifacts]]), versions: new Map([[3, V1]]), levels: [TrustLevel.VANILLA], log: () => {} });
    await expect(prepareNode(runtime, { stake: 1_000n * TOKEN })).to.be.rejectedWith(ReleaseMismatchError, /other weights/);
  });

  it("3. a TEE result is bound to the release's weights: a signature over another model's weights fails, the enclave refuses a model that is not the job's, and a measurement approved for one model cannot sign another's", async function () {
    const f = await loadFixture(oneNodeFixture);
    const { jobId } = await requestJob(f, TrustLevel.TEE);
    const message = { jobId, node: f.node.address, modelId: 1, version: V1, inputHash: hashValues(INPUT), outputHash: hashValues(OUTPUT) };
    const otherWeights = await signResult(f.enclave, f.domain, { ...message, weightsCommitment: E.id("another model") });
    await expect(f.hub.connect(f.node).submitTeeResult(jobId, OUTPUT, otherWeights)).to.be.revertedWithCustomError(f.tee, "TEEEnclaveUnknown");
    // The simulated enclave hashes the model it is given and refuses a mismatch.
    const enclave = new SimulatedEnclave(MEASUREMENT);
    await expect(enclave.infer(artifacts.model, quantizeInput(artifacts.model, (await intentFeaturizer())("refund please")), {
      domain: hubDomain(f.chainId, f.hubAddress), jobId, node: f.node.address, modelId: 1, version: V1, weightsCommitment: WEIGHTS,
    })).to.be.rejectedWith(EnclaveModelError, /refusing to sign/);
    // Per-model measurements: an enclave approved for model 2 only cannot sign model 1's results.
    const scoped = E.id("model-2-enclave");
    const g = await loadFixture(deployFixture);
    await joinNode(g, g.nodeSigners[0], 1_000n * TOKEN, [1, 2], levelMask(TrustLevel.TEE));
    await g.tee.approveMeasurementFor(scoped, 2);
    expect(await g.tee.isMeasurementApprovedFor(scoped, 2)).to.equal(true);
    expect(await g.tee.isMeasurementApprovedFor(scoped, 1)).to.equal(false);
    const key = E.Wallet.createRandom();
    const { makeAttestation, attestationDomain } = await import("../../src/protocol/index.js");
    await g.tee.connect(g.nodeSigners[0]).admitEnclave(await makeAttestation(g.root, attestationDomain(g.chainId, await g.attestation.getAddress()), {
      measurement: scoped, enclaveKey: key.address, operator: g.nodeSigners[0].address, issuedAt: BigInt(await time.latest()),
    }));
    const job1 = await requestJob(g, TrustLevel.TEE, { modelId: 1 });
    const sig1 = await signResult(key, g.domain, { ...message, jobId: job1.jobId, node: g.nodeSigners[0].address, weightsCommitment: WEIGHTS });
    await expect(g.hub.connect(g.nodeSigners[0]).submitTeeResult(job1.jobId, OUTPUT, sig1))
      .to.be.revertedWithCustomError(g.tee, "TEEMeasurementNotApprovedFor")
      .withArgs(key.address, scoped, 1);
    const job2 = await requestJob(g, TrustLevel.TEE, { modelId: 2 });
    const sig2 = await signResult(key, g.domain, { ...message, jobId: job2.jobId, modelId: 2, node: g.nodeSigners[0].address, weightsCommitment: WEIGHTS });
    await expect(g.hub.connect(g.nodeSigners[0]).submitTeeResult(job2.jobId, OUTPUT, sig2)).to.emit(g.hub, "JobSettled");
    await expectHubSolvent(g);
  });

  it("4. no impostor can take a model's name: the registry reserves it for its first owner", async function () {
    const f = await loadFixture(deployFixture);
    await expect(f.models.connect(f.stranger).registerModel("intent-classifier", V1, release({ prices: [900n * TOKEN, 900n * TOKEN, 900n * TOKEN] })))
      .to.be.revertedWithCustomError(f.models, "ModelNameTaken")
      .withArgs("intent-classifier", 1, f.modelOwner.address);
    await expect(f.models.connect(f.modelOwner).registerModel("intent-classifier", V1, release())).to.be.revertedWithCustomError(f.models, "ModelNameTaken");
    expect(await f.models.modelIdOf("intent-classifier")).to.equal(1n);
    expect(await f.models.modelIdOf("nobody")).to.equal(0n);
  });

  it("5. a removed enclave cannot come back, with an old attestation or a new one", async function () {
    const f = await loadFixture(oneNodeFixture);
    const { makeAttestation, attestationDomain } = await import("../../src/protocol/index.js");
    const attest = async () => makeAttestation(f.root, attestationDomain(f.chainId, await f.attestation.getAddress()), {
      measurement: MEASUREMENT, enclaveKey: f.enclave.address, operator: f.node.address, issuedAt: BigInt(await time.latest()),
    });
    const old = await attest();
    await f.tee.removeEnclave(f.enclave.address);
    await expect(f.tee.connect(f.node).admitEnclave(old)).to.be.revertedWithCustomError(f.tee, "TEEEnclaveRemoved").withArgs(f.enclave.address);
    await time.increase(60);
    await expect(f.tee.connect(f.node).admitEnclave(await attest())).to.be.revertedWithCustomError(f.tee, "TEEEnclaveRemoved");
    // Revoking and re-approving the measurement does not revive it either (generations).
    const g = await loadFixture(oneNodeFixture);
    await g.tee.revokeMeasurement(MEASUREMENT);
    await g.tee.approveMeasurement(MEASUREMENT);
    expect(await g.tee.isEnclaveValid(g.enclave.address, g.node.address, 1)).to.equal(false);
  });

  it("6. no 'ok' when nothing was checked: a lie that finalizes unchallenged comes back unchecked, not verified, to a client without the release's artifacts", async function () {
    const f = await loadFixture(oneNodeFixture);
    const { ProofgridClient } = await import("../../src/sdk/index.js");
    const client = await ProofgridClient.connect({ signer: f.requester, deployment: f, onWait: timeTravel({ pollMs: 50 }), pollMs: 50 });
    await joinNode(f, f.nodeSigners[1]); // model 2's VANILLA jobs need a pool that can judge
    const { jobId } = await requestJobOf(f, f.node, TrustLevel.VANILLA, { modelId: 2 });
    await f.hub.connect(f.node).submitResult(jobId, WRONG_OUTPUT); // nobody disputes it
    const r = await client.waitFor(jobId, { onWait: timeTravel({ challengeGraceMs: 0, pollMs: 50 }) });
    expect(r.verification).to.include({ method: "none", ok: false, checked: false });
    await expectHubSolvent(f);
  });

  it("7. a TEE result still verifies an hour later: the enclave is checked as it stood at the settling block", async function () {
    const f = await loadFixture(oneNodeFixture);
    const { ProofgridClient } = await import("../../src/sdk/index.js");
    const client = await ProofgridClient.connect({ signer: f.requester, deployment: f, pollMs: 50 });
    const { jobId } = await requestJob(f, TrustLevel.TEE);
    const message = { jobId, node: f.node.address, modelId: 1, version: V1, weightsCommitment: WEIGHTS, inputHash: hashValues(INPUT), outputHash: hashValues(OUTPUT) };
    await f.hub.connect(f.node).submitTeeResult(jobId, OUTPUT, await signResult(f.enclave, f.domain, message));
    await time.increase(Number(await f.tee.maxHeartbeatAge()) + 1); // the heartbeat is stale now
    expect(await f.tee.isEnclaveValid(f.enclave.address, f.node.address, 1)).to.equal(false);
    const r = await client.waitFor(jobId);
    expect(r.verification).to.include({ method: "enclave-signature", ok: true, checked: true });
    await expectHubSolvent(f);
  });

  it("8. parameter drift: a wider challenge window later never lets a node withdraw before its open job's window and dispute could end", async function () {
    const f = await loadFixture(oneNodeFixture);
    const { jobId } = await requestJob(f, TrustLevel.VANILLA);
    const lock = (await f.nodes.getNode(f.node.address)).lockedUntil;
    const p = await hubParameters(f);
    await f.hub.setParameters({ ...p, challengeWindow: 30 * 86_400 });
    await f.hub.connect(f.node).submitResult(jobId, WRONG_OUTPUT);
    const job = await f.hub.getJob(jobId);
    expect(job.deadline).to.equal(BigInt(await time.latest()) + p.challengeWindow); // the job's own window
    expect(lock).to.be.greaterThan(job.deadline); // the stake outlives the window and a dispute
    await f.nodes.connect(f.node).beginUnbonding();
    await time.increase(Number(await f.nodes.unbondingDelay()));
    if (BigInt(await time.latest()) < lock) await expect(f.nodes.connect(f.node).withdrawStake()).to.be.revertedWithCustomError(f.nodes, "NodeStakeLocked");
    await expectHubSolvent(f);
  });
});
