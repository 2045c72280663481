import { expect } from "chai";
import { ethers as E } from "ethers";
import { DEFAULT_HUB } from "../../deploy/proofgrid.js";
import { hashValues, JobStatus, levelMask, releaseKey, signResult, TrustLevel } from "../../src/protocol/index.js";
import { TicketRouter__factory } from "../../types/contracts/index.js";
import { ethers, INPUT, networkHelpers, oneNodeFixture, OUTPUT, PRICES, proofFor, release, V1, WEIGHTS, WRONG_OUTPUT } from "../support/fixture.js";

const QUEUES = ["billing", "refund", "shipping", "account"];
/** The TEE price plus the router's 100,000 callback gas at the default callback gas price. */
const FEE = PRICES[TrustLevel.TEE] + 100_000n * DEFAULT_HUB.callbackGasPrice;

async function routerFixture() {
  const f = await oneNodeFixture();
  const router = await new TicketRouter__factory(f.deployer).deploy(f.hubAddress, await f.token.getAddress(), 1, V1, QUEUES);
  await f.token.connect(f.requester).approve(await router.getAddress(), E.MaxUint256);
  return { ...f, router };
}

async function open(f: Awaited<ReturnType<typeof routerFixture>>) {
  const deadline = BigInt((await networkHelpers.time.latest()) + 600);
  const receipt = (await (await f.router.connect(f.requester).openTicket(INPUT, TrustLevel.TEE, FEE, deadline)).wait())!;
  const opened = receipt.logs.map((l) => f.router.interface.parseLog(l)).find((l) => l?.name === "TicketOpened")!;
  return { ticketId: opened.args.ticketId as bigint, jobId: opened.args.jobId as bigint };
}

async function settle(f: Awaited<ReturnType<typeof routerFixture>>, jobId: bigint, output: bigint[]) {
  const version = (await f.hub.getJob(jobId)).version;
  const signature = await signResult(f.enclave, f.domain, { jobId, node: f.node.address, modelId: 1, version, weightsCommitment: WEIGHTS, inputHash: hashValues(INPUT), outputHash: hashValues(output) });
  return f.hub.connect(f.node).submitTeeResult(jobId, output, signature);
}

describe("TicketRouter (example consumer)", function () {
  it("4. pins its release: a release 1.1 the model's owner publishes later, served by the owner's own node, never answers the router's tickets", async function () {
    const f = await networkHelpers.loadFixture(routerFixture);
    const V1_1 = V1 + 1;
    await f.models.connect(f.modelOwner).addRelease(1, V1_1, release({ weightsCommitment: E.id("the owner's weights"), levels: levelMask(TrustLevel.TEE) }));
    expect((await f.models.getRelease(1, 0))[0]).to.equal(BigInt(V1_1)); // "the latest" moved
    const owners = f.nodeSigners[1];
    await f.nodes.connect(owners).join(1_000n * 10n ** 18n, [releaseKey(1, V1_1)], levelMask(TrustLevel.TEE));
    await networkHelpers.time.increase(Number(await f.nodes.activationDelay()));
    await f.nodes.connect(owners).activate();
    for (let i = 0; i < 5; i++) {
      const { jobId } = await open(f);
      const job = await f.hub.getJob(jobId);
      expect(job.version).to.equal(BigInt(V1));
      expect(job.node).to.equal(f.node.address);
    }
  });

  it("opens a ticket paid by the customer and routes it by the checked intent in the hub's callback", async function () {
    const f = await networkHelpers.loadFixture(routerFixture);
    const before = await f.token.balanceOf(f.requester.address);
    const { ticketId, jobId } = await open(f);
    expect(await f.token.balanceOf(f.requester.address)).to.equal(before - FEE);
    await expect(settle(f, jobId, [2n, 0n, 0n])).to.emit(f.router, "TicketRouted").withArgs(ticketId, 2, "shipping");
    const ticket = await f.router.ticket(ticketId);
    expect(ticket.routed).to.equal(true);
    expect(ticket.customer).to.equal(f.requester.address);
    expect(await f.router.queueLength(2)).to.equal(1n);
    expect(await f.router.queue(2)).to.equal("shipping");
  });

  it("an intent outside the queues makes the callback fail; the job still settles", async function () {
    const f = await networkHelpers.loadFixture(routerFixture);
    const { ticketId, jobId } = await open(f);
    await expect(settle(f, jobId, [10n, 0n, 0n])).to.emit(f.hub, "CallbackDelivered").withArgs(jobId, await f.router.getAddress(), false, f.node.address, 100_000n * DEFAULT_HUB.callbackGasPrice);
    expect((await f.router.ticket(ticketId)).routed).to.equal(false);
    expect(Number((await f.hub.getJob(jobId)).status)).to.equal(4);
  });

  it("passes a refunded ticket's fee back to its customer, once, and only for a refunded job", async function () {
    const f = await networkHelpers.loadFixture(routerFixture);
    const a = await open(f);
    const b = await open(f);
    await expect(f.router.claimRefund(a.ticketId)).to.be.revertedWithCustomError(f.router, "TicketRouterNotRefunded").withArgs(a.ticketId, JobStatus.Requested);
    // The node misses both deadlines: the hub credits both refunds to the router, the requester.
    await networkHelpers.time.increase(601);
    await f.hub.claimTimeout(a.jobId);
    await f.hub.claimTimeout(b.jobId);
    expect(await f.hub.balanceOf(await f.router.getAddress())).to.equal(2n * FEE);
    const before = await f.token.balanceOf(f.requester.address);
    await expect(f.router.connect(f.stranger).claimRefund(a.ticketId)).to.emit(f.router, "TicketRefunded").withArgs(a.ticketId, f.requester.address, FEE);
    expect(await f.token.balanceOf(f.requester.address)).to.equal(before + FEE);
    await expect(f.router.claimRefund(a.ticketId)).to.be.revertedWithCustomError(f.router, "TicketRouterAlreadyRefunded").withArgs(a.ticketId);
    // The other refund waits in the router for its own ticket.
    expect(await f.token.balanceOf(await f.router.getAddress())).to.equal(FEE);
    await f.router.claimRefund(b.ticketId);
    expect(await f.token.balanceOf(f.requester.address)).to.equal(before + 2n * FEE);
    expect(await f.token.balanceOf(await f.router.getAddress())).to.equal(0n);
    expect(await f.hub.balanceOf(await f.router.getAddress())).to.equal(0n);
  });

  it("passes the soundness bond's compensation for a ZK ticket of a release proven unsound to its customer, once", async function () {
    const f = await networkHelpers.loadFixture(routerFixture);
    const zkFee = PRICES[TrustLevel.ZK] + 100_000n * DEFAULT_HUB.callbackGasPrice;
    const deadline = BigInt((await networkHelpers.time.latest()) + 600);
    const receipt = (await (await f.router.connect(f.requester).openTicket(INPUT, TrustLevel.ZK, zkFee, deadline)).wait())!;
    const opened = receipt.logs.map((l) => f.router.interface.parseLog(l)).find((l) => l?.name === "TicketOpened")!;
    const { ticketId, jobId } = opened.args as unknown as { ticketId: bigint; jobId: bigint };
    // The node settles a (forged: the mock proves anything) output; later the release is proven unsound.
    await f.hub.connect(f.node).submitZkResult(jobId, INPUT, [1n, 0n, 0n], proofFor(f, jobId, f.node.address, [1n, 0n, 0n]));
    await expect(f.router.claimCompensation(ticketId)).to.be.revertedWithCustomError(f.router, "TicketRouterNoCompensation").withArgs(ticketId, 0);
    const statement = (boundTo: string, id: bigint, output: bigint[]) => ({ hub: boundTo, jobId: id, prover: f.stranger.address, output, proof: proofFor(f, id, f.stranger.address, output, INPUT, boundTo) });
    await f.bonds.proveEquivocation(1, V1, INPUT, statement(f.hubAddress, 1n, OUTPUT), statement(f.courtAddress, 2n, WRONG_OUTPUT), E.ZeroAddress);
    await f.bonds.connect(f.stranger).claim(jobId); // anyone registers it; it is paid to the requester: the router
    await networkHelpers.time.increase(14 * 86_400 + 1);
    const before = await f.token.balanceOf(f.requester.address);
    await expect(f.router.connect(f.stranger).claimCompensation(ticketId)).to.emit(f.router, "TicketCompensated").withArgs(ticketId, f.requester.address, PRICES[TrustLevel.ZK]);
    expect(await f.token.balanceOf(f.requester.address)).to.equal(before + PRICES[TrustLevel.ZK]);
    await expect(f.router.claimCompensation(ticketId)).to.be.revertedWithCustomError(f.router, "TicketRouterAlreadyRefunded");
    expect(await f.token.balanceOf(await f.router.getAddress()), "the router keeps nothing").to.equal(0n);
  });

  it("accepts results only from the hub, and only for its own jobs", async function () {
    const f = await networkHelpers.loadFixture(routerFixture);
    await expect(f.router.connect(f.stranger).onInferenceResult(1n, [1n])).to.be.revertedWithCustomError(f.router, "InferenceConsumerNotHub").withArgs(f.stranger.address);
    await networkHelpers.impersonateAccount(f.hubAddress);
    await networkHelpers.setBalance(f.hubAddress, 10n ** 18n);
    const hubSigner = await ethers.getSigner(f.hubAddress);
    await expect(f.router.connect(hubSigner).onInferenceResult(999n, [1n])).to.be.revertedWithCustomError(f.router, "TicketRouterUnknownJob").withArgs(999n);
  });
});
