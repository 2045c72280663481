import { expect } from "chai";
import { ethers as E } from "ethers";
import { TOKEN } from "../../deploy/proofgrid.js";
import { levelMask, releaseKey, TrustLevel } from "../../src/protocol/index.js";
import { deployFixture, joinNode, networkHelpers, requestJob, time, V1 } from "../support/fixture.js";

/** Release 1.0 of a fixture model, as the node registry keys it. */
const R = (modelId: number) => releaseKey(modelId, V1);

const { loadFixture } = networkHelpers;
const ALL = levelMask(TrustLevel.VANILLA, TrustLevel.TEE, TrustLevel.ZK);
enum Status {
  None,
  Pending,
  Active,
  Unbonding,
}

describe("NodeRegistry", function () {
  it("joins in two steps: staked and pending, then drawable after the activation delay", async function () {
    const f = await loadFixture(deployFixture);
    const n = f.nodeSigners[0];
    await expect(f.nodes.connect(n).join(1_000n * TOKEN, [R(1), R(2)], ALL)).to.emit(f.nodes, "NodeJoined");
    expect(await f.token.balanceOf(await f.nodes.getAddress())).to.equal(1_000n * TOKEN);
    let info = await f.nodes.getNode(n.address);
    expect(info.status).to.equal(Status.Pending);
    expect(await f.nodes.weightOf(n.address, R(1), TrustLevel.ZK)).to.equal(0n);
    await expect(f.nodes.connect(n).activate())
      .to.be.revertedWithCustomError(f.nodes, "NodeNotYetActive")
      .withArgs(n.address, info.activatesAt, info.activatesAt - 599n);
    await time.increase(600);
    await expect(f.nodes.connect(n).activate()).to.emit(f.nodes, "NodeActivated").withArgs(n.address);
    info = await f.nodes.getNode(n.address);
    expect(info.status).to.equal(Status.Active);
    expect(info.releases).to.deep.equal([R(1), R(2)]);
    for (const model of [1, 2]) {
      for (const level of [TrustLevel.VANILLA, TrustLevel.TEE, TrustLevel.ZK]) {
        expect(await f.nodes.weightOf(n.address, R(model), level)).to.equal(1_000n * TOKEN);
      }
    }
    expect(await f.nodes.poolOf(R(1), TrustLevel.ZK)).to.deep.equal([1_000n * TOKEN, 1n]);
    await expect(f.nodes.connect(n).join(1_000n * TOKEN, [R(1)], ALL)).to.be.revertedWithCustomError(f.nodes, "NodeWrongStatus").withArgs(n.address, Status.Active, Status.None);
    await expect(f.nodes.connect(n).activate()).to.be.revertedWithCustomError(f.nodes, "NodeWrongStatus");
  });

  it("refuses a join below the minimum stake, with bad releases or bad levels", async function () {
    const f = await loadFixture(deployFixture);
    const n = f.nodes.connect(f.nodeSigners[0]);
    await expect(n.join(99n * TOKEN, [R(1)], 1)).to.be.revertedWithCustomError(f.nodes, "NodeStakeTooLow").withArgs(99n * TOKEN, 100n * TOKEN);
    await expect(n.join(100n * TOKEN, [], 1)).to.be.revertedWithCustomError(f.nodes, "NodeInvalidReleases").withArgs(0, 0, 0);
    await expect(n.join(100n * TOKEN, [R(3)], 1)).to.be.revertedWithCustomError(f.nodes, "NodeInvalidReleases").withArgs(1, 3, V1);
    await expect(n.join(100n * TOKEN, [releaseKey(1, 0)], 1)).to.be.revertedWithCustomError(f.nodes, "NodeInvalidReleases").withArgs(1, 1, 0);
    await expect(n.join(100n * TOKEN, [releaseKey(1, V1 + 1)], 1)).to.be.revertedWithCustomError(f.nodes, "NodeInvalidReleases").withArgs(1, 1, V1 + 1);
    await expect(n.join(100n * TOKEN, [R(1), R(1)], 1)).to.be.revertedWithCustomError(f.nodes, "NodeInvalidReleases").withArgs(2, 1, V1);
    await expect(n.join(100n * TOKEN, Array(17).fill(R(1)), 1)).to.be.revertedWithCustomError(f.nodes, "NodeInvalidReleases");
    await expect(n.join(100n * TOKEN, [R(1)], 0)).to.be.revertedWithCustomError(f.nodes, "NodeInvalidLevels").withArgs(0);
    await expect(n.join(100n * TOKEN, [R(1)], 9)).to.be.revertedWithCustomError(f.nodes, "NodeInvalidLevels").withArgs(9);
  });

  it("adds stake, changes services, and keeps pool weights in step", async function () {
    const f = await loadFixture(deployFixture);
    const n = f.nodeSigners[0];
    await joinNode(f, n, 200n * TOKEN, [1], levelMask(TrustLevel.VANILLA));
    await expect(f.nodes.connect(n).addStake(50n * TOKEN)).to.emit(f.nodes, "StakeAdded").withArgs(n.address, 50n * TOKEN, 250n * TOKEN);
    expect(await f.nodes.weightOf(n.address, R(1), TrustLevel.VANILLA)).to.equal(250n * TOKEN);
    await expect(f.nodes.connect(n).setServices([R(2)], levelMask(TrustLevel.TEE))).to.emit(f.nodes, "NodeServicesChanged");
    expect(await f.nodes.weightOf(n.address, R(1), TrustLevel.VANILLA)).to.equal(0n);
    expect(await f.nodes.weightOf(n.address, R(2), TrustLevel.TEE)).to.equal(250n * TOKEN);
    expect((await f.nodes.poolOf(R(1), TrustLevel.VANILLA))[0]).to.equal(0n);
    await expect(f.nodes.connect(f.stranger).addStake(1n)).to.be.revertedWithCustomError(f.nodes, "NodeWrongStatus");
    await expect(f.nodes.connect(f.stranger).setServices([R(1)], 1)).to.be.revertedWithCustomError(f.nodes, "NodeWrongStatus");
  });

  it("unbonds in two steps; the stake stays locked while an assigned job is open", async function () {
    const f = await loadFixture(deployFixture);
    const n = f.nodeSigners[0];
    await joinNode(f, n);
    const { jobId } = await requestJob(f, TrustLevel.VANILLA);
    const locked = (await f.nodes.getNode(n.address)).lockedUntil;
    await expect(f.nodes.connect(n).withdrawStake()).to.be.revertedWithCustomError(f.nodes, "NodeWrongStatus");
    await expect(f.nodes.connect(n).beginUnbonding()).to.emit(f.nodes, "UnbondingStarted");
    expect(await f.nodes.weightOf(n.address, R(1), TrustLevel.VANILLA)).to.equal(0n);
    await expect(f.nodes.connect(n).beginUnbonding()).to.be.revertedWithCustomError(f.nodes, "NodeWrongStatus");
    const info = await f.nodes.getNode(n.address);
    await expect(f.nodes.connect(n).withdrawStake()).to.be.revertedWithCustomError(f.nodes, "NodeStakeLocked");
    // Unbonding (7 days) outlasts the job lock here; a long job would keep it locked longer.
    expect(info.unbondsAt).to.be.greaterThan(locked);
    await time.increaseTo(info.unbondsAt);
    // Its job never ended: no withdrawal until it does (anyone can end it), so that a record
    // rejoined from this address never starts with counts the old job would lower.
    await expect(f.nodes.connect(n).withdrawStake()).to.be.revertedWithCustomError(f.nodes, "NodeJobsOpen").withArgs(n.address, 1, 1);
    await f.hub.connect(f.stranger).claimTimeout(jobId);
    const before = await f.token.balanceOf(n.address);
    await expect(f.nodes.connect(n).withdrawStake()).to.emit(f.nodes, "StakeWithdrawn").withArgs(n.address, 990n * TOKEN);
    expect(await f.token.balanceOf(n.address)).to.equal(before + 990n * TOKEN); // less the timeout slash
    expect((await f.nodes.getNode(n.address)).status).to.equal(Status.None);
  });

  it("only the hub draws, slashes and jails; a jailed node is undrawable until it unjails", async function () {
    const f = await loadFixture(deployFixture);
    const n = f.nodeSigners[0];
    await joinNode(f, n, 150n * TOKEN);
    for (const call of [
      f.nodes.drawNode(1, 0, 1, 0, false, 0),
      f.nodes.drawCommittee(1, 0, 1, E.ZeroAddress, E.ZeroAddress, 3, 0),
      f.nodes.slash(n.address, 1),
      f.nodes.jail(n.address),
    ]) {
      await expect(call).to.be.revertedWithCustomError(f.nodes, "NodeOnlyHub").withArgs(f.deployer.address);
    }
    // Impersonate the hub to exercise slash and jail directly.
    const hubSigner = await networkHelpersImpersonate(f.hubAddress);
    await expect(f.nodes.connect(hubSigner).slash(n.address, 60n * TOKEN)).to.emit(f.nodes, "NodeSlashed").withArgs(n.address, 60n * TOKEN, 90n * TOKEN);
    // Below the minimum stake: no longer drawable.
    expect(await f.nodes.weightOf(n.address, R(1), TrustLevel.VANILLA)).to.equal(0n);
    await expect(f.nodes.connect(hubSigner).slash(n.address, 1_000n * TOKEN)).to.emit(f.nodes, "NodeSlashed").withArgs(n.address, 90n * TOKEN, 0n);
    await expect(f.nodes.connect(n).unjail()).to.be.revertedWithCustomError(f.nodes, "NodeNotJailed").withArgs(n.address);
    await f.nodes.connect(n).addStake(200n * TOKEN);
    await expect(f.nodes.connect(hubSigner).jail(n.address)).to.emit(f.nodes, "NodeJailed");
    expect(await f.nodes.weightOf(n.address, R(1), TrustLevel.VANILLA)).to.equal(0n);
    await expect(f.nodes.connect(n).unjail()).to.be.revertedWithCustomError(f.nodes, "NodeStillJailed");
    await time.increase(86_400);
    await expect(f.nodes.connect(n).unjail()).to.emit(f.nodes, "NodeUnjailed");
    expect(await f.nodes.weightOf(n.address, R(1), TrustLevel.VANILLA)).to.equal(200n * TOKEN);
    await f.nodes.connect(hubSigner).jail(f.stranger.address); // unknown node: no effect
  });

  it("draws nodes in proportion to stake", async function () {
    const f = await loadFixture(deployFixture);
    const stakes = [100n, 300n, 600n].map((s) => s * TOKEN);
    for (let i = 0; i < 3; i++) await joinNode(f, f.nodeSigners[i], stakes[i], [1], 1);
    const hubSigner = await networkHelpersImpersonate(f.hubAddress);
    const counts = new Map<string, number>();
    const draws = 600;
    for (let i = 0; i < draws; i++) {
      const node = await f.nodes.connect(hubSigner).drawNode.staticCall(R(1), 0, E.toBigInt(E.id(`seed${i}`)), 0, false, 0);
      counts.set(node, (counts.get(node) ?? 0) + 1);
    }
    const shares = f.nodeSigners.slice(0, 3).map((s) => (counts.get(s.address) ?? 0) / draws);
    // Expected 0.1, 0.3, 0.6; 600 draws keep each within about 4 standard deviations of 0.06.
    expect(shares[0]).to.be.within(0.04, 0.17);
    expect(shares[1]).to.be.within(0.22, 0.38);
    expect(shares[2]).to.be.within(0.52, 0.68);
    const committee = await f.nodes.connect(hubSigner).drawCommittee.staticCall(R(1), 0, 7n, f.nodeSigners[2].address, E.ZeroAddress, 5, 0);
    // Five seats, each drawn by stake with replacement from the two other nodes.
    expect(committee.length).to.equal(5);
    expect(committee).to.not.include(f.nodeSigners[2].address);
    for (const m of committee) expect([f.nodeSigners[0].address, f.nodeSigners[1].address]).to.include(m);
    await expect(f.nodes.connect(hubSigner).drawNode(R(2), 0, 1, 0, false, 0)).to.be.revertedWithCustomError(f.nodes, "NodeNoneEligible").withArgs(2, V1, 0);
    // A committee draw never fails: an empty pool gives an empty committee (the court then decides "undecided").
    expect(await f.nodes.connect(hubSigner).drawCommittee.staticCall(R(2), 0, 1, E.ZeroAddress, E.ZeroAddress, 3, 0)).to.deep.equal([]);
  });

  it("governance: the hub is set once, parameters within bounds", async function () {
    const f = await loadFixture(deployFixture);
    await expect(f.nodes.setHub(f.stranger.address)).to.be.revertedWithCustomError(f.nodes, "NodeHubAlreadySet").withArgs(f.hubAddress);
    await expect(f.nodes.connect(f.stranger).setParameters(1, 0, 0, 0)).to.be.revertedWithCustomError(f.nodes, "OwnableUnauthorizedAccount");
    await expect(f.nodes.setParameters(0, 0, 0, 0)).to.be.revertedWithCustomError(f.nodes, "NodeInvalidParameter");
    const tooLong = 91n * 86_400n;
    await expect(f.nodes.setParameters(1, tooLong, 0, 0)).to.be.revertedWithCustomError(f.nodes, "NodeInvalidParameter");
    await expect(f.nodes.setParameters(1, 0, tooLong, 0)).to.be.revertedWithCustomError(f.nodes, "NodeInvalidParameter");
    await expect(f.nodes.setParameters(1, 0, 0, tooLong)).to.be.revertedWithCustomError(f.nodes, "NodeInvalidParameter");
    await expect(f.nodes.setParameters(5n * TOKEN, 1, 2, 3)).to.emit(f.nodes, "ParametersChanged").withArgs(5n * TOKEN, 1, 2, 3);
    const { NodeRegistry__factory } = await import("../../types/contracts/index.js");
    const factory = new NodeRegistry__factory(f.deployer);
    await expect(factory.deploy(f.deployer.address, E.ZeroAddress, await f.models.getAddress(), 1, 0, 0, 0)).to.be.revertedWithCustomError(f.nodes, "NodeZeroAddress");
    const fresh = await factory.deploy(f.deployer.address, await f.token.getAddress(), await f.models.getAddress(), 1, 0, 0, 0);
    await expect(fresh.setHub(E.ZeroAddress)).to.be.revertedWithCustomError(f.nodes, "NodeZeroAddress");
  });
});

async function networkHelpersImpersonate(address: string) {
  await networkHelpers.impersonateAccount(address);
  await networkHelpers.setBalance(address, 10n ** 20n);
  const { ethers } = await import("../support/fixture.js");
  return ethers.getSigner(address);
}
