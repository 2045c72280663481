import { expect } from "chai";
import { ethers as E } from "ethers";
import { levelMask, packVersion, TrustLevel } from "../../src/protocol/index.js";
import { deployFixture, networkHelpers, release, V1 } from "../support/fixture.js";

const { loadFixture } = networkHelpers;
const V2 = packVersion(1, 1);

describe("ModelRegistry", function () {
  it("registers a model with its first release and reads it back", async function () {
    const f = await loadFixture(deployFixture);
    await expect(f.models.connect(f.stranger).registerModel("price-forecaster", V1, release()))
      .to.emit(f.models, "ModelRegistered")
      .withArgs(3, f.stranger.address, "price-forecaster")
      .and.to.emit(f.models, "ReleaseAdded");
    const [owner, name, latest, count] = await f.models.getModel(3);
    expect([owner, name, latest, count]).to.deep.equal([f.stranger.address, "price-forecaster", BigInt(V1), 1n]);
    const [version, r] = await f.models.getRelease(3, 0);
    expect(version).to.equal(BigInt(V1));
    expect(r.inputSize).to.equal(4n);
    expect(r.prices).to.deep.equal(release().prices);
    expect(await f.models.modelCount()).to.equal(3n);
    expect(await f.models.ownerOf(3)).to.equal(f.stranger.address);
  });

  it("adds releases with increasing versions only, by the owner only", async function () {
    const f = await loadFixture(deployFixture);
    await expect(f.models.connect(f.stranger).addRelease(2, V2, release()))
      .to.be.revertedWithCustomError(f.models, "ModelNotOwner")
      .withArgs(2, f.stranger.address, f.modelOwner.address);
    await expect(f.models.connect(f.modelOwner).addRelease(2, V1, release()))
      .to.be.revertedWithCustomError(f.models, "ModelVersionNotIncreasing")
      .withArgs(2, V1, V1);
    await f.models.connect(f.modelOwner).addRelease(2, V2, release({ inputSize: 8 }));
    const [version, r] = await f.models.getRelease(2, 0);
    expect(version).to.equal(BigInt(V2));
    expect(r.inputSize).to.equal(8n);
    await expect(f.models.getRelease(2, packVersion(9, 9))).to.be.revertedWithCustomError(f.models, "ModelReleaseUnknown");
    await expect(f.models.getRelease(7, 0)).to.be.revertedWithCustomError(f.models, "ModelUnknown").withArgs(7);
  });

  it("validates every field of a release", async function () {
    const f = await loadFixture(deployFixture);
    const m = f.models.connect(f.modelOwner);
    const cases: [Parameters<typeof release>[0], string][] = [
      [{ contentHash: E.ZeroHash }, "ModelInvalidHash"],
      [{ weightsCommitment: E.ZeroHash }, "ModelInvalidHash"],
      [{ inputSize: 0 }, "ModelInvalidShape"],
      [{ outputSize: 4_097 }, "ModelInvalidShape"],
      [{ levels: 0 }, "ModelInvalidLevels"],
      [{ levels: 8 }, "ModelInvalidLevels"],
      [{ levels: levelMask(TrustLevel.ZK) }, "ModelVerifierMismatch"],
      [{ verifier: f.stranger.address }, "ModelVerifierMismatch"],
      [{ royaltyBps: 5_001 }, "ModelRoyaltyTooHigh"],
    ];
    for (const [overrides, error] of cases) {
      await expect(m.registerModel("x", V1, release(overrides))).to.be.revertedWithCustomError(f.models, error);
    }
    await expect(m.registerModel("", V1, release())).to.be.revertedWithCustomError(f.models, "ModelInvalidName").withArgs(0);
    await expect(m.registerModel("x".repeat(65), V1, release())).to.be.revertedWithCustomError(f.models, "ModelInvalidName").withArgs(65);
    await expect(m.registerModel("x", 0, release())).to.be.revertedWithCustomError(f.models, "ModelVersionNotIncreasing");
  });

  it("deprecates a release once; a deprecated release is not servable", async function () {
    const f = await loadFixture(deployFixture);
    await expect(f.models.connect(f.stranger).deprecateRelease(2, V1)).to.be.revertedWithCustomError(f.models, "ModelNotOwner");
    await expect(f.models.connect(f.modelOwner).deprecateRelease(2, V2)).to.be.revertedWithCustomError(f.models, "ModelReleaseUnknown");
    await expect(f.models.connect(f.modelOwner).deprecateRelease(2, V1)).to.emit(f.models, "ReleaseDeprecated").withArgs(2, V1);
    await expect(f.models.connect(f.modelOwner).deprecateRelease(2, V1)).to.be.revertedWithCustomError(f.models, "ModelReleaseDeprecated");
    await expect(f.models.requireServable(2, V1, TrustLevel.VANILLA)).to.be.revertedWithCustomError(f.models, "ModelReleaseDeprecated");
    const [, owner] = await f.models.requireServable(1, 0, TrustLevel.ZK);
    expect(owner).to.equal(f.modelOwner.address);
  });

  it("transfers a model in two steps", async function () {
    const f = await loadFixture(deployFixture);
    await expect(f.models.connect(f.modelOwner).transferModel(1, f.stranger.address))
      .to.emit(f.models, "ModelTransferStarted")
      .withArgs(1, f.modelOwner.address, f.stranger.address);
    await expect(f.models.connect(f.requester).acceptModel(1))
      .to.be.revertedWithCustomError(f.models, "ModelNotPendingOwner")
      .withArgs(1, f.requester.address, f.stranger.address);
    await expect(f.models.connect(f.stranger).acceptModel(1)).to.emit(f.models, "ModelTransferred").withArgs(1, f.modelOwner.address, f.stranger.address);
    expect(await f.models.ownerOf(1)).to.equal(f.stranger.address);
    await expect(f.models.connect(f.stranger).acceptModel(1)).to.be.revertedWithCustomError(f.models, "ModelNotPendingOwner");
  });
});

describe("ModelRegistry: the hub's slim views", function () {
  it("servingTerms returns the resolved version, price, sizes and royalty, and reverts like requireServable", async function () {
    const f = await networkHelpers.loadFixture(deployFixture);
    const [version, price, inputSize, outputSize, royalty] = await f.models.servingTerms(1, 0, TrustLevel.TEE);
    expect([version, price, inputSize, outputSize, royalty]).to.deep.equal([BigInt(V1), release().prices[1], BigInt(release().inputSize), BigInt(release().outputSize), BigInt(release().royaltyBps)]);
    await expect(f.models.servingTerms(99, 0, TrustLevel.TEE)).to.be.revertedWithCustomError(f.models, "ModelUnknown");
    await expect(f.models.servingTerms(1, V1 + 1, TrustLevel.TEE)).to.be.revertedWithCustomError(f.models, "ModelReleaseUnknown");
    await expect(f.models.servingTerms(2, 0, TrustLevel.ZK)).to.be.revertedWithCustomError(f.models, "ModelLevelUnsupported");
    await f.models.connect(f.modelOwner).deprecateRelease(2, V1);
    await expect(f.models.servingTerms(2, 0, TrustLevel.VANILLA)).to.be.revertedWithCustomError(f.models, "ModelReleaseDeprecated");
  });

  it("settlementTerms and outputSizeOf read the owner, royalty and output size, and revert for unknown models and releases", async function () {
    const f = await networkHelpers.loadFixture(deployFixture);
    expect(await f.models.settlementTerms(1, V1)).to.deep.equal([f.modelOwner.address, BigInt(release().royaltyBps), BigInt(release().outputSize)]);
    expect(await f.models.outputSizeOf(1, V1)).to.equal(BigInt(release().outputSize));
    await expect(f.models.settlementTerms(99, V1)).to.be.revertedWithCustomError(f.models, "ModelUnknown");
    await expect(f.models.settlementTerms(1, V1 + 1)).to.be.revertedWithCustomError(f.models, "ModelReleaseUnknown");
    await expect(f.models.outputSizeOf(1, V1 + 1)).to.be.revertedWithCustomError(f.models, "ModelReleaseUnknown");
  });

  it("verifierOf returns the verifier and weights commitment, and reverts for an unknown release", async function () {
    const f = await networkHelpers.loadFixture(deployFixture);
    const [verifier, weights] = await f.models.verifierOf(1, V1);
    expect(verifier).to.equal(await f.verifier.getAddress());
    expect(weights).to.equal(release().weightsCommitment);
    await expect(f.models.verifierOf(1, V1 + 1)).to.be.revertedWithCustomError(f.models, "ModelReleaseUnknown");
  });
});

describe("ModelRegistry: phase-2 ceremonies", function () {
  const H = (s: string) => E.id(s);
  const Phase = { None: 0, Open: 1, Closed: 2, Sealed: 3, Final: 4 };

  async function opened() {
    const f = await loadFixture(deployFixture);
    await expect(f.models.connect(f.modelOwner).openCeremony(H("weights"), H("r1cs"), H("ptau"), H("z0")))
      .to.emit(f.models, "CeremonyOpened")
      .withArgs(1, f.modelOwner.address, H("weights"), H("r1cs"), H("ptau"), H("z0"));
    return f;
  }

  it("runs open -> contribute -> close -> seal (the beacon block's hash) -> finalize, each step in its phase only", async function () {
    const f = await opened();
    const [a, b] = f.nodeSigners;
    expect((await f.models.getCeremony(1))[1]).to.equal(BigInt(Phase.Open));
    await expect(f.models.connect(a).contribute(1, H("z0"), H("z1"), H("c1"))).to.emit(f.models, "CeremonyContributed").withArgs(1, 0, a.address, H("c1"), H("z0"), H("z1"));
    await expect(f.models.connect(b).contribute(1, H("z1"), H("z2"), H("c2"))).to.emit(f.models, "CeremonyContributed").withArgs(1, 1, b.address, H("c2"), H("z1"), H("z2"));
    expect(await f.models.contributorOf(1, H("c1"))).to.equal(a.address);
    expect(await f.models.contributorOf(1, H("nobody"))).to.equal(E.ZeroAddress);
    // Sealing and finalizing before their phase.
    await expect(f.models.sealCeremony(1)).to.be.revertedWithCustomError(f.models, "CeremonyWrongPhase").withArgs(1, Phase.Open, Phase.Closed);
    await expect(f.models.connect(f.modelOwner).finalizeCeremony(1, H("final"))).to.be.revertedWithCustomError(f.models, "CeremonyWrongPhase").withArgs(1, Phase.Open, Phase.Sealed);
    // Only the coordinator closes; the beacon block is BEACON_DELAY ahead.
    await expect(f.models.connect(a).closeCeremony(1)).to.be.revertedWithCustomError(f.models, "CeremonyNotCoordinator").withArgs(1, a.address, f.modelOwner.address);
    const tx = await f.models.connect(f.modelOwner).closeCeremony(1);
    const closedAt = (await tx.wait())!.blockNumber;
    const beaconBlock = BigInt(closedAt) + (await f.models.BEACON_DELAY());
    await expect(tx).to.emit(f.models, "CeremonyClosed").withArgs(1, beaconBlock);
    // No contribution after the close: the beacon is unknown to every contributor.
    await expect(f.models.connect(a).contribute(1, H("z2"), H("z3"), H("c3"))).to.be.revertedWithCustomError(f.models, "CeremonyWrongPhase").withArgs(1, Phase.Closed, Phase.Open);
    // The beacon block must be mined (and its hash readable) before sealing.
    await expect(f.models.sealCeremony(1)).to.be.revertedWithCustomError(f.models, "CeremonyBeaconPending");
    await networkHelpers.mine(3);
    await expect(f.models.connect(f.stranger).sealCeremony(1)).to.emit(f.models, "CeremonySealed");
    const [c, phase] = await f.models.getCeremony(1);
    expect(phase).to.equal(BigInt(Phase.Sealed));
    expect(c.beacon).to.equal((await f.models.runner!.provider!.getBlock(Number(beaconBlock)))!.hash);
    await expect(f.models.connect(a).finalizeCeremony(1, H("final"))).to.be.revertedWithCustomError(f.models, "CeremonyNotCoordinator");
    await expect(f.models.connect(f.modelOwner).finalizeCeremony(1, E.ZeroHash)).to.be.revertedWithCustomError(f.models, "CeremonyInvalidHash");
    await expect(f.models.connect(f.modelOwner).finalizeCeremony(1, H("final"))).to.emit(f.models, "CeremonyFinalized").withArgs(1, H("final"));
    expect((await f.models.getCeremony(1))[1]).to.equal(BigInt(Phase.Final));
    await expect(f.models.connect(f.modelOwner).finalizeCeremony(1, H("other"))).to.be.revertedWithCustomError(f.models, "CeremonyWrongPhase").withArgs(1, Phase.Final, Phase.Sealed);
  });

  it("refuses zero hashes, a replayed contribution hash, a close with no contribution and unknown ceremonies", async function () {
    const f = await opened();
    const [a, b] = f.nodeSigners;
    await expect(f.models.openCeremony(E.ZeroHash, H("r1cs"), H("ptau"), H("z0"))).to.be.revertedWithCustomError(f.models, "CeremonyInvalidHash");
    await expect(f.models.openCeremony(H("w"), H("r1cs"), H("ptau"), E.ZeroHash)).to.be.revertedWithCustomError(f.models, "CeremonyInvalidHash");
    await expect(f.models.connect(f.modelOwner).closeCeremony(1)).to.be.revertedWithCustomError(f.models, "CeremonyNoContributions").withArgs(1);
    await expect(f.models.connect(a).contribute(1, H("z0"), H("z1"), E.ZeroHash)).to.be.revertedWithCustomError(f.models, "CeremonyContributionInvalid");
    await expect(f.models.connect(a).contribute(1, E.ZeroHash, H("z1"), H("c1"))).to.be.revertedWithCustomError(f.models, "CeremonyInvalidHash");
    await f.models.connect(a).contribute(1, H("z0"), H("z1"), H("c1"));
    // Another address replaying a's contribution hash (to be recorded as its contributor) is refused.
    await expect(f.models.connect(b).contribute(1, H("z0"), H("z1"), H("c1"))).to.be.revertedWithCustomError(f.models, "CeremonyContributionInvalid").withArgs(1, H("c1"));
    expect(await f.models.contributorOf(1, H("c1"))).to.equal(a.address);
    await expect(f.models.contribute(9, H("z0"), H("z1"), H("c9"))).to.be.revertedWithCustomError(f.models, "CeremonyUnknown").withArgs(9);
    expect((await f.models.getCeremony(9))[1]).to.equal(BigInt(Phase.None));
  });

  it("renews a beacon block left unread for 256 blocks to a new future block (never one the caller picks)", async function () {
    const f = await opened();
    await f.models.connect(f.nodeSigners[0]).contribute(1, H("z0"), H("z1"), H("c1"));
    await f.models.connect(f.modelOwner).closeCeremony(1);
    await networkHelpers.mine(300);
    const tx = await f.models.connect(f.stranger).sealCeremony(1);
    const at = BigInt((await tx.wait())!.blockNumber);
    await expect(tx).to.emit(f.models, "CeremonyClosed").withArgs(1, at + (await f.models.BEACON_DELAY()));
    expect((await f.models.getCeremony(1))[1]).to.equal(BigInt(Phase.Closed));
    await networkHelpers.mine(4);
    await f.models.sealCeremony(1);
    expect((await f.models.getCeremony(1))[1]).to.equal(BigInt(Phase.Sealed));
  });

  it("lets a release name only a final ceremony its owner coordinated, for its weights, with a verifier", async function () {
    const f = await opened();
    const [a] = f.nodeSigners;
    const zk = { verifier: f.nodeSigners[5].address, levels: levelMask(TrustLevel.ZK), weightsCommitment: H("weights"), ceremony: 1 };
    // Not final yet.
    await expect(f.models.connect(f.modelOwner).addRelease(1, V2, release(zk))).to.be.revertedWithCustomError(f.models, "ModelCeremonyMismatch");
    await f.models.connect(a).contribute(1, H("z0"), H("z1"), H("c1"));
    await f.models.connect(f.modelOwner).closeCeremony(1);
    await networkHelpers.mine(4);
    await f.models.sealCeremony(1);
    await f.models.connect(f.modelOwner).finalizeCeremony(1, H("final"));
    await expect(f.models.connect(f.stranger).registerModel("impostor", V1, release(zk)))
      .to.be.revertedWithCustomError(f.models, "ModelCeremonyMismatch")
      .withArgs(1, H("weights"), H("weights"), f.modelOwner.address);
    await expect(f.models.connect(f.modelOwner).addRelease(1, V2, release({ ...zk, weightsCommitment: H("other") }))).to.be.revertedWithCustomError(f.models, "ModelCeremonyMismatch");
    await expect(f.models.connect(f.modelOwner).addRelease(2, V2, release({ ...zk, verifier: E.ZeroAddress, levels: levelMask(TrustLevel.VANILLA) }))).to.be.revertedWithCustomError(f.models, "ModelCeremonyMismatch");
    await f.models.connect(f.modelOwner).addRelease(1, V2, release(zk));
    expect((await f.models.getRelease(1, V2))[1].ceremony).to.equal(1n);
    // A development release (no ceremony) records zero.
    expect((await f.models.getRelease(1, V1))[1].ceremony).to.equal(0n);
  });
});
