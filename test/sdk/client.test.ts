/**
 * The SDK end to end on the in-process network, with real parts: the demo model's real verifier
 * and Groth16 proofs, ECDSA enclave keys admitted by attestation, node runtimes and a watcher.
 * Model #1 is served by honest nodes at every level; model #2 (the same weights) by a lying VANILLA
 * node and a lazy TEE node only, so the draw lands on them, and by no ZK node.
 */
import { expect } from "chai";
import assert from "node:assert/strict";
import path from "node:path";
import { launchLocalNetwork, type LocalNetwork } from "../../src/devnet/launcher.js";
import { PACKAGE_ROOT } from "../../src/package.js";
import { loadArtifacts, releaseProver, type ModelArtifacts } from "../../src/pipeline/prove.js";
import { JobStatus, packVersion, TrustLevel } from "../../src/protocol/index.js";
import { ethers as E } from "ethers";
import { ContractRevertError, DeploymentNotFoundError, InferenceInputError, JobRefundedError, ProofgridClient, TOKEN } from "../../src/sdk/index.js";
import { ethers } from "../support/fixture.js";
import { intentFeaturizer } from "../support/intents.js";
import { timeTravel } from "../../src/devnet/time.js";

describe("sdk: client.infer on the in-process network", function () {
  this.timeout(120_000);
  let net: LocalNetwork;
  let artifacts: ModelArtifacts;
  let featurize: (text: string) => number[];

  before(async () => {
    artifacts = await loadArtifacts(path.join(PACKAGE_ROOT, "build/support-intents"));
    featurize = await intentFeaturizer();
    const s = await ethers.getSigners();
    net = await launchLocalNetwork({
      deployer: s[0],
      requester: s[1],
      watcher: s[2],
      models: [{ artifacts }, { artifacts, name: "support-intents-b" }],
      nodes: [
        { name: "zk", signer: s[10], levels: [TrustLevel.ZK], models: [0] },
        { name: "tee", signer: s[11], levels: [TrustLevel.TEE], models: [0] },
        { name: "vanilla", signer: s[12], levels: [TrustLevel.VANILLA], models: [0] },
        { name: "lying", signer: s[13], levels: [TrustLevel.VANILLA], models: [1], behaviour: "lying" },
        { name: "lazy", signer: s[14], levels: [TrustLevel.TEE], models: [1], behaviour: "lazy" },
      ],
      pollMs: 100,
      log: process.env.PROOFGRID_LOG ? (l) => console.error(l) : () => {},
    });
  });
  after(async () => {
    await net?.stop();
    await releaseProver();
  });

  it("zk: settles and checks the Groth16 proof itself, with label, gas and fee split", async () => {
    const r = await net.client.infer("support-intents", featurize("I want a refund, please send my money back"), { trust: "zk" });
    expect(r.settled).to.equal(true);
    expect(r.trust).to.equal("zk");
    expect(r.label).to.equal("refund");
    expect(r.verification).to.include({ method: "groth16", ok: true });
    expect(r.gas.request).to.be.greaterThan(0n);
    expect(r.gas.submit).to.be.greaterThan(200_000n);
    expect(r.fee.node + r.fee.owner + r.fee.protocol).to.equal(r.fee.paid);
    expect(r.node).to.equal(await net.nodes[0].address());
  });

  it("tee: settles and checks the enclave signature against the registry", async () => {
    const r = await net.client.infer(1, featurize("where is my package, the tracking says not shipped"), { trust: "tee" });
    expect(r.label).to.equal("shipping");
    expect(r.verification.method).to.equal("enclave-signature");
    expect(r.verification.ok).to.equal(true);
  });

  it("vanilla: settles after the (skipped) challenge window and re-executes locally", async () => {
    const r = await net.client.infer("support-intents", featurize("reset my password, login locked"), { trust: "vanilla" });
    expect(r.label).to.equal("account");
    expect(r.verification).to.include({ method: "re-execution", ok: true });
    // The client's keeper step and the node's own finalize race once the window is past: whichever
    // came first settled it; the client reports the gas only of a step it took.
    const job = await net.contracts.hub.getJob(r.jobId);
    expect(job.status).to.equal(BigInt(JobStatus.Settled));
    if (r.gas.finalize !== undefined) expect(r.gas.finalize).to.be.greaterThan(0n);
  });

  it("vanilla on a lying node: the watcher proves it wrong, the requester is refunded (JobRefundedError: fraud)", async () => {
    await assert.rejects(net.client.infer("support-intents-b", featurize("cancel my subscription plan"), { trust: "vanilla" }), (e: unknown) => {
      expect(e).to.be.instanceOf(JobRefundedError);
      expect((e as JobRefundedError).reason).to.equal("fraud");
      return true;
    });
    expect(net.watcher!.challenges.at(-1)!.resolved).to.equal("proof");
  });

  it("tee on a lazy node: the deadline passes, the requester is refunded (JobRefundedError: timeout)", async () => {
    await assert.rejects(net.client.infer("support-intents-b", featurize("the app crashes with an error"), { trust: "tee", onWait: timeTravel({ patienceMs: 500, pollMs: 100 }) }), (e: unknown) => {
      expect(e).to.be.instanceOf(JobRefundedError);
      expect((e as JobRefundedError).reason).to.equal("timeout");
      return true;
    });
  });

  it("rejects an input of the wrong length before sending anything, and decodes contract errors", async () => {
    await assert.rejects(net.client.infer("support-intents", [1, 0, 1], { trust: "zk" }), InferenceInputError);
    await assert.rejects(net.client.infer("support-intents-b", featurize("refund"), { trust: "zk" }), (e: unknown) => {
      expect(e).to.be.instanceOf(ContractRevertError);
      expect((e as ContractRevertError).errorName).to.equal("NodeNoneEligible"); // thrown by the node registry, inside the hub
      // In plain words: which model, release and level.
      expect((e as Error).message).to.match(/request reverted: no active node serves model #2 release 1\.0 at zk .*\(NodeNoneEligible\)/);
      return true;
    });
    await assert.rejects(net.client.infer("no-such-model", featurize("refund"), { trust: "zk" }), /no model named no-such-model/);
  });

  it("status(jobId) reads a job back", async () => {
    const s = await net.client.status(1n);
    expect(s.status).to.equal("Settled");
    expect(s.trust).to.equal("zk");
    expect(s.output).to.have.length(1);
  });

  it("maxFee: a fee above the caller's limit is refused before anything is sent, and only the fee is ever approved", async () => {
    const { FeeLimitError } = await import("../../src/sdk/index.js");
    const before = await net.contracts.hub.jobCount();
    await assert.rejects(net.client.infer("support-intents", featurize("refund my order"), { trust: "tee", maxFee: 1n }), FeeLimitError);
    expect(await net.contracts.hub.jobCount()).to.equal(before);
    const r = await net.client.infer("support-intents", featurize("refund my order"), { trust: "tee", maxFee: 2n * 10n ** 18n });
    expect(r.fee.paid).to.equal(2n * 10n ** 18n);
    const me = await net.client.signer.getAddress();
    expect(await net.contracts.token.allowance(me, await net.contracts.hub.getAddress())).to.equal(0n);
  });

  it("nothing checked is its own state: a client without the release's artifacts gets ok false and checked false, not a false 'ok'", async () => {
    const { ProofgridClient } = await import("../../src/sdk/index.js");
    const s = await ethers.getSigners();
    const bare = await ProofgridClient.connect({ signer: s[1], deployment: net.deployment, onWait: timeTravel({ pollMs: 100 }), pollMs: 100 });
    const r = await bare.infer(1, featurize("reset my password"), { trust: "vanilla", onWait: timeTravel({ challengeGraceMs: 0, pollMs: 100 }) });
    expect(r.verification).to.include({ method: "none", ok: false, checked: false });
    expect(r.verification.detail).to.match(/unchecked/);
  });

  it("pinning release 1.0 keeps its checks after 1.1 (other weights) is published: the job's own release decides which artifacts check it", async () => {
    const { models } = net.contracts;
    const [, r10] = await models.getRelease(1, 0);
    const s = await ethers.getSigners();
    const r11 = {
      contentHash: r10.contentHash, weightsCommitment: E.id("retrained weights"), verifier: E.ZeroAddress, inputSize: r10.inputSize,
      outputSize: r10.outputSize, scaleBits: r10.scaleBits, levels: 1, royaltyBps: r10.royaltyBps, deprecated: false, ceremony: 0,
      prices: [r10.prices[0], r10.prices[1], r10.prices[2]] as [bigint, bigint, bigint], inputMin: r10.inputMin, inputMax: r10.inputMax,
    };
    await (await models.connect(s[0]).addRelease(1, packVersion(1, 1), r11)).wait();
    const r = await net.client.infer(1, featurize("reset my password"), { trust: "vanilla", version: packVersion(1, 0), onWait: timeTravel({ challengeGraceMs: 0, pollMs: 100 }) });
    expect(r.version).to.equal(packVersion(1, 0));
    expect(r.verification).to.include({ method: "re-execution", ok: true, checked: true });
  });

  it("a TEE result is checked against the enclave's state at the settling block: a later removal does not fail it", async () => {
    const r = await net.client.infer("support-intents", featurize("where is my parcel"), { trust: "tee", version: packVersion(1, 0) });
    expect(r.verification).to.include({ method: "enclave-signature", ok: true, checked: true });
    expect(r.verification.detail).to.match(/re-executed locally: equal/);
    // Governance removes the enclave afterwards (last test: the TEE node cannot serve again).
    const enclaveKey = (await net.contracts.tee.queryFilter(net.contracts.tee.filters.EnclaveAdmitted(undefined, r.node))).at(-1)!.args.enclaveKey;
    await (await net.contracts.tee.removeEnclave(enclaveKey)).wait();
    const again = await net.client.waitFor(r.jobId);
    expect(again.verification).to.include({ method: "enclave-signature", ok: true });
  });

  it("connect binds every contract to the signer it is given, and refuses a deployment whose addresses hold no code", async () => {
    const s = await ethers.getSigners();
    // net.contracts are bound to the deployer; the client must send from s[15], not from it.
    const operator = await ProofgridClient.connect({ signer: s[15], deployment: net.contracts });
    await (await net.contracts.token.mint(s[15].address, 1_000n * TOKEN)).wait();
    await operator.joinAsNode(100n * TOKEN, [{ modelId: 1, version: packVersion(1, 0) }], [TrustLevel.VANILLA]);
    expect((await net.contracts.nodes.getNode(s[15].address)).stake).to.equal(100n * TOKEN);
    expect((await net.contracts.nodes.getNode(s[0].address)).stake).to.equal(0n);
    const stale = { ...net.deployment, contracts: { ...net.deployment.contracts, hub: "0x000000000000000000000000000000000000dEaD" } };
    await assert.rejects(ProofgridClient.connect({ signer: s[1], deployment: stale }), (e: unknown) => {
      expect(e).to.be.instanceOf(DeploymentNotFoundError);
      expect((e as Error).message).to.match(/no contracts at 0x0+dEaD on chain 31337: the deployment of chain 31337 is stale/i);
      return true;
    });
  });
});
