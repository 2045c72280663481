import { expect } from "chai";
import { ethers as E } from "ethers";
import { attestationDomain, makeAttestation, signHeartbeat, teeDomain } from "../../src/protocol/index.js";
import { RootKeyAttestationVerifier__factory } from "../../types/contracts/index.js";
import { admitEnclave, deployFixture, MEASUREMENT, networkHelpers, time, type Fixture } from "../support/fixture.js";

const { loadFixture } = networkHelpers;

async function attest(f: Fixture, over: Partial<{ measurement: string; enclaveKey: string; operator: string; issuedAt: bigint }> = {}, signer = f.root) {
  return makeAttestation(signer, attestationDomain(f.chainId, await f.attestation.getAddress()), {
    measurement: MEASUREMENT,
    enclaveKey: E.Wallet.createRandom().address,
    operator: f.nodeSigners[0].address,
    issuedAt: BigInt(await time.latest()),
    ...over,
  });
}

describe("TEERegistry", function () {
  it("governance approves and revokes measurements; only governance", async function () {
    const f = await loadFixture(deployFixture);
    await expect(f.tee.connect(f.stranger).approveMeasurement(MEASUREMENT)).to.be.revertedWithCustomError(f.tee, "OwnableUnauthorizedAccount");
    await expect(f.tee.revokeMeasurement(MEASUREMENT)).to.be.revertedWithCustomError(f.tee, "TEEMeasurementStatusUnchanged").withArgs(MEASUREMENT, false);
    await expect(f.tee.approveMeasurement(MEASUREMENT)).to.emit(f.tee, "MeasurementApproved").withArgs(MEASUREMENT, 0);
    await expect(f.tee.approveMeasurement(MEASUREMENT)).to.be.revertedWithCustomError(f.tee, "TEEMeasurementStatusUnchanged").withArgs(MEASUREMENT, true);
    await expect(f.tee.revokeMeasurement(MEASUREMENT)).to.emit(f.tee, "MeasurementRevoked").withArgs(MEASUREMENT, 1);
    expect(await f.tee.isMeasurementApproved(MEASUREMENT)).to.equal(false);
  });

  it("admits an enclave with a valid attestation and checks it", async function () {
    const f = await loadFixture(deployFixture);
    const op = f.nodeSigners[0];
    const enclave = await admitEnclave(f, op);
    const record = await f.tee.getEnclave(enclave.address);
    expect(record.operator).to.equal(op.address);
    expect(record.measurement).to.equal(MEASUREMENT);
    await f.tee.checkEnclave(enclave.address, op.address, 1);
    expect(await f.tee.isEnclaveValid(enclave.address, op.address, 1)).to.equal(true);
    expect(await f.tee.isEnclaveValid(enclave.address, f.stranger.address, 1)).to.equal(false);
    await expect(f.tee.checkEnclave(enclave.address, f.stranger.address, 1))
      .to.be.revertedWithCustomError(f.tee, "TEEEnclaveOfOtherNode")
      .withArgs(enclave.address, op.address, f.stranger.address);
    await expect(f.tee.checkEnclave(f.stranger.address, op.address, 1)).to.be.revertedWithCustomError(f.tee, "TEEEnclaveUnknown");
  });

  it("refuses attestations that are unsigned, for another operator, unapproved, stale, or repeated", async function () {
    const f = await loadFixture(deployFixture);
    const op = f.tee.connect(f.nodeSigners[0]);
    await f.tee.approveMeasurement(MEASUREMENT);
    await expect(op.admitEnclave(await attest(f, {}, f.stranger))).to.be.revertedWithCustomError(f.attestation, "AttestationBadSignature");
    await expect(op.admitEnclave("0x1234")).to.be.revertedWithCustomError(f.attestation, "AttestationMalformed");
    await expect(op.admitEnclave(await attest(f, { enclaveKey: E.ZeroAddress }))).to.be.revertedWithCustomError(f.attestation, "AttestationMalformed");
    await expect(op.admitEnclave(await attest(f, { operator: f.stranger.address })))
      .to.be.revertedWithCustomError(f.tee, "TEEOperatorMismatch")
      .withArgs(f.stranger.address, f.nodeSigners[0].address);
    await expect(op.admitEnclave(await attest(f, { measurement: E.id("other") }))).to.be.revertedWithCustomError(f.tee, "TEEMeasurementNotApproved");
    const old = BigInt(await time.latest()) - 86_401n;
    await expect(op.admitEnclave(await attest(f, { issuedAt: old }))).to.be.revertedWithCustomError(f.tee, "TEEAttestationStale");
    await expect(op.admitEnclave(await attest(f, { issuedAt: BigInt(await time.latest()) + 100n }))).to.be.revertedWithCustomError(f.tee, "TEEAttestationStale");
    const key = E.Wallet.createRandom().address;
    await op.admitEnclave(await attest(f, { enclaveKey: key }));
    await expect(op.admitEnclave(await attest(f, { enclaveKey: key })))
      .to.be.revertedWithCustomError(f.tee, "TEEEnclaveAlreadyAdmitted")
      .withArgs(key, f.nodeSigners[0].address);
  });

  it("keeps an enclave alive with signed heartbeats and refuses bad ones", async function () {
    const f = await loadFixture(deployFixture);
    const op = f.nodeSigners[0];
    const enclave = await admitEnclave(f, op);
    const domain = teeDomain(f.chainId, await f.tee.getAddress());
    await time.increase(3_000);
    const t1 = BigInt(await time.latest());
    await expect(f.tee.connect(f.stranger).heartbeat(enclave.address, t1, await signHeartbeat(enclave, domain, t1)))
      .to.emit(f.tee, "HeartbeatRecorded")
      .withArgs(enclave.address, t1);
    await expect(f.tee.heartbeat(enclave.address, t1, await signHeartbeat(enclave, domain, t1))).to.be.revertedWithCustomError(f.tee, "TEEHeartbeatOutOfOrder");
    await expect(f.tee.heartbeat(enclave.address, t1 + 1000n, await signHeartbeat(enclave, domain, t1 + 1000n))).to.be.revertedWithCustomError(f.tee, "TEEHeartbeatOutOfOrder");
    const impostor = E.Wallet.createRandom();
    await expect(f.tee.heartbeat(enclave.address, t1 + 1n, await signHeartbeat(impostor, domain, t1 + 1n))).to.be.revertedWithCustomError(f.tee, "TEEHeartbeatBadSignature");
    await expect(f.tee.heartbeat(impostor.address, t1 + 1n, "0x")).to.be.revertedWithCustomError(f.tee, "TEEEnclaveUnknown");
    await time.increase(3_000);
    await f.tee.checkEnclave(enclave.address, op.address, 1); // fresh thanks to the heartbeat
    await time.increase(700);
    await expect(f.tee.checkEnclave(enclave.address, op.address, 1)).to.be.revertedWithCustomError(f.tee, "TEEHeartbeatStale");
  });

  it("revoking a measurement disables its enclaves at once, and re-approval does not revive them", async function () {
    const f = await loadFixture(deployFixture);
    const op = f.nodeSigners[0];
    const enclave = await admitEnclave(f, op);
    await f.tee.revokeMeasurement(MEASUREMENT);
    await expect(f.tee.checkEnclave(enclave.address, op.address, 1))
      .to.be.revertedWithCustomError(f.tee, "TEEMeasurementRevoked")
      .withArgs(enclave.address, MEASUREMENT);
    await f.tee.approveMeasurement(MEASUREMENT);
    await expect(f.tee.checkEnclave(enclave.address, op.address, 1)).to.be.revertedWithCustomError(f.tee, "TEEMeasurementRevoked");
    const fresh = await admitEnclave(f, op);
    await f.tee.checkEnclave(fresh.address, op.address, 1);
  });

  it("removes an enclave by its operator or governance only", async function () {
    const f = await loadFixture(deployFixture);
    const op = f.nodeSigners[0];
    const a = await admitEnclave(f, op);
    const b = await admitEnclave(f, op);
    await expect(f.tee.connect(f.stranger).removeEnclave(a.address))
      .to.be.revertedWithCustomError(f.tee, "TEENotOperator")
      .withArgs(a.address, f.stranger.address, op.address);
    await expect(f.tee.connect(op).removeEnclave(a.address)).to.emit(f.tee, "EnclaveRemoved").withArgs(a.address, op.address);
    await f.tee.removeEnclave(b.address);
    await expect(f.tee.removeEnclave(b.address)).to.be.revertedWithCustomError(f.tee, "TEEEnclaveUnknown");
  });

  it("governance replaces the attestation verifier and sets bounded ages", async function () {
    const f = await loadFixture(deployFixture);
    const other = await new RootKeyAttestationVerifier__factory(f.deployer).deploy(f.stranger.address);
    await expect(f.tee.setAttestationVerifier(await other.getAddress())).to.emit(f.tee, "AttestationVerifierSet");
    expect(await f.tee.attestationVerifier()).to.equal(await other.getAddress());
    await expect(f.tee.setAttestationVerifier(E.ZeroAddress)).to.be.revertedWithCustomError(f.tee, "TEEZeroAddress");
    await expect(f.tee.setMaxAges(0, 1)).to.be.revertedWithCustomError(f.tee, "TEEInvalidParameter");
    await expect(f.tee.setMaxAges(1, 31 * 86_400)).to.be.revertedWithCustomError(f.tee, "TEEInvalidParameter");
    await expect(f.tee.setMaxAges(10, 20)).to.emit(f.tee, "MaxAgesChanged").withArgs(10, 20);
    await expect(new RootKeyAttestationVerifier__factory(f.deployer).deploy(E.ZeroAddress)).to.be.revertedWithCustomError(other, "AttestationMalformed");
  });
});
