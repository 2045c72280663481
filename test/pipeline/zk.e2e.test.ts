/**
 * End to end with real parts: the demo model's generated Groth16 verifier behind its adapter, real
 * proofs from proveInference, and the hub's ZK path. Uses the build that `npm test` makes first
 * (build/support-intents); a missing build is an error, not a skip.
 */
import { expect } from "chai";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { ethers as E } from "ethers";
import { TOKEN } from "../../deploy/proofgrid.js";
import { evaluate, quantizeInput } from "../../src/engine/fixed.js";
import { PACKAGE_ROOT } from "../../src/package.js";
import {
  loadArtifacts,
  proveInference,
  releaseProver,
  verifyInference,
  type InferenceProof,
  type ModelArtifacts,
} from "../../src/pipeline/prove.js";
import { JobStatus, levelMask, packVersion, TrustLevel } from "../../src/protocol/index.js";
import { Groth16InferenceAdapter__factory, type Groth16InferenceAdapter } from "../../types/contracts/index.js";
import { intentFeaturizer } from "../support/intents.js";
import { bondRelease, deployFixture, ethers, joinNode, networkHelpers, release, type Fixture } from "../support/fixture.js";

const { time } = networkHelpers;

const BUILD = path.join(PACKAGE_ROOT, "build/support-intents");
const MODEL_ID = 3;

async function supportIntents() {
  if (!existsSync(path.join(BUILD, "manifest.json"))) {
    throw new Error(`${BUILD} is missing: run \`npm test\`, which builds models/support-intents first`);
  }
  const artifacts = await loadArtifacts(BUILD);
  const featurize = await intentFeaturizer();
  return { artifacts, featurize };
}

/** The fixture plus the demo model registered for ZK with its real verifier, and one ZK node. */
async function zkFixture() {
  const f = await deployFixture();
  const { artifacts, featurize } = await supportIntents();
  const factory = await ethers.getContractFactory(artifacts.manifest.adapter.contract, f.deployer);
  const deployed = await (await factory.deploy()).waitForDeployment();
  const adapter = Groth16InferenceAdapter__factory.connect(await deployed.getAddress(), f.deployer);
  const { model, manifest } = artifacts;
  await f.models.connect(f.modelOwner).registerModel(
    "support-intents",
    packVersion(1, 0),
    release({
      contentHash: manifest.model.hash,
      weightsCommitment: manifest.quantized.weightsCommitment,
      verifier: await adapter.getAddress(),
      inputSize: model.input.size,
      outputSize: model.output.size,
      scaleBits: model.scaleBits,
      levels: levelMask(TrustLevel.VANILLA, TrustLevel.ZK),
    }),
  );
  await bondRelease(f, MODEL_ID, packVersion(1, 0));
  const node = f.nodeSigners[0];
  await joinNode(f, node, 1_000n * TOKEN, [MODEL_ID], levelMask(TrustLevel.VANILLA, TrustLevel.ZK));
  return { ...f, adapter, artifacts, featurize, node };
}

async function requestIntent(f: Fixture, input: bigint[], level = TrustLevel.ZK) {
  const params = {
    modelId: MODEL_ID,
    version: 0,
    level,
    fee: 5n * TOKEN,
    deadline: BigInt((await networkHelpers.time.latest()) + 3_600),
    consumer: E.ZeroAddress,
    callbackGasLimit: 0,
    input,
  };
  const receipt = await (await f.hub.connect(f.requester).request(params)).wait();
  for (const log of receipt!.logs) {
    const parsed = f.hub.interface.parseLog(log);
    if (parsed?.name === "JobRequested") return parsed.args.jobId as bigint;
  }
  throw new Error("no JobRequested event");
}

describe("pipeline: real Groth16 proofs, end to end", function () {
  this.timeout(120_000);
  let f: Awaited<ReturnType<typeof zkFixture>>;
  let artifacts: ModelArtifacts;

  before(async () => {
    f = await networkHelpers.loadFixture(zkFixture);
    artifacts = f.artifacts;
  });
  after(releaseProver);

  it("settles a ZK job with a real proof, and the output is the model's intent", async () => {
    const input = quantizeInput(artifacts.model, f.featurize("I was charged twice, I want a refund of my money back"));
    const jobId = await requestIntent(f, input);
    const binding = { chainId: f.chainId, hub: f.hubAddress, jobId, prover: f.node.address };
    const proof = await proveInference(artifacts, input, binding);
    expect(proof.output).to.deep.equal(evaluate(artifacts.model, input).output);
    expect(artifacts.model.labels![Number(proof.output[0])]).to.equal("refund");
    expect(await verifyInference(artifacts, proof)).to.equal(true);

    await expect(f.hub.connect(f.node).submitZkResult(jobId, input, proof.output, proof.calldata)).to.emit(f.hub, "JobSettled");
    expect((await f.hub.getJob(jobId)).status).to.equal(JobStatus.Settled);
  });

  describe("the adapter binds chain, hub, job, prover, weights, input and output", () => {
    let proof: InferenceProof;
    let input: bigint[];
    let caller: string;
    const jobId = 41n;
    // The test account plays the hub: the adapter binds msg.sender.
    const verify = (overrides: Partial<{ jobId: bigint; prover: string; weights: string; input: bigint[]; output: bigint[]; proof: string }> = {}, from?: E.Signer) =>
      (from ? f.adapter.connect(from) : f.adapter).verifyInference(
        overrides.jobId ?? jobId,
        overrides.prover ?? f.node.address,
        overrides.weights ?? artifacts.manifest.quantized.weightsCommitment,
        overrides.input ?? input,
        overrides.output ?? proof.output,
        overrides.proof ?? proof.calldata,
      );

    before(async () => {
      caller = f.deployer.address;
      input = quantizeInput(artifacts.model, f.featurize("where is my package, tracking says not shipped"));
      proof = await proveInference(artifacts, input, { chainId: f.chainId, hub: caller, jobId, prover: f.node.address });
      expect(artifacts.model.labels![Number(proof.output[0])]).to.equal("shipping");
    });

    it("accepts the statement the proof was made for, on chain and with snarkjs", async () => {
      expect(await verify()).to.equal(true);
      const signals = await f.adapter.publicSignalsOf(caller, jobId, f.node.address, input, proof.output);
      expect(signals).to.deep.equal(proof.publicSignals);
    });

    it("rejects the proof replayed for another job, another prover or another hub", async () => {
      expect(await verify({ jobId: jobId + 1n })).to.equal(false);
      expect(await verify({ prover: f.stranger.address })).to.equal(false);
      expect(await verify({}, f.stranger)).to.equal(false);
    });

    it("rejects a wrong output (another intent) and an output outside the circuit's range", async () => {
      for (let k = 0n; k < 6n; k++) if (k !== proof.output[0]) expect(await verify({ output: [k] })).to.equal(false);
      expect(await verify({ output: [8n] })).to.equal(false);
      expect(await verify({ output: [-1n] })).to.equal(false);
    });

    it("rejects the proof for another input, and a tampered proof", async () => {
      const other = [...input];
      other[0] = other[0] === 0n ? 32n : 0n;
      expect(await verify({ input: other })).to.equal(false);
      const bytes = E.getBytes(proof.calldata);
      bytes[31] ^= 1;
      expect(await verify({ proof: E.hexlify(bytes) })).to.equal(false);
      const tampered = { ...proof, publicSignals: [proof.publicSignals[0] + 1n, ...proof.publicSignals.slice(1)] };
      expect(await verifyInference(artifacts, tampered)).to.equal(false);
    });

    it("reverts with a named error for another model's weights, a bad input and a bad proof length", async () => {
      const wrong = E.id("other weights");
      await expect(verify({ weights: wrong }))
        .to.be.revertedWithCustomError(f.adapter, "AdapterWrongWeights")
        .withArgs(artifacts.manifest.quantized.weightsCommitment, wrong);
      await expect(verify({ input: input.slice(1) })).to.be.revertedWithCustomError(f.adapter, "AdapterInputLength").withArgs(32, 31);
      const high = [...input];
      high[5] = 64n;
      await expect(verify({ input: high })).to.be.revertedWithCustomError(f.adapter, "AdapterInputOutOfRange").withArgs(5, 64, 0, 63);
      await expect(verify({ proof: "0x1234" })).to.be.revertedWithCustomError(f.adapter, "AdapterProofLength").withArgs(2);
    });
  });

  it("makes the hub refuse a proof made for another job, and settle the job with its own", async () => {
    const input = quantizeInput(artifacts.model, f.featurize("reset my password, login locked"));
    const first = await requestIntent(f, input);
    const second = await requestIntent(f, input);
    const proof = await proveInference(artifacts, input, { chainId: f.chainId, hub: f.hubAddress, jobId: first, prover: f.node.address });
    await expect(f.hub.connect(f.node).submitZkResult(second, input, proof.output, proof.calldata))
      .to.be.revertedWithCustomError(f.hub, "HubInvalidProof")
      .withArgs(second, f.node.address);
    await expect(f.hub.connect(f.node).submitZkResult(first, input, proof.output, proof.calldata)).to.emit(f.hub, "JobSettled");
  });

  it("decides a VANILLA dispute in one transaction: a fraud proof of the true intent refunds the requester and slashes the lying node", async () => {
    const input = quantizeInput(artifacts.model, f.featurize("the app shows an error and crashes after the update"));
    const truth = evaluate(artifacts.model, input).output;
    expect(artifacts.model.labels![Number(truth[0])]).to.equal("technical");
    const jobId = await requestIntent(f, input, TrustLevel.VANILLA);
    await f.hub.connect(f.node).submitResult(jobId, [(truth[0] + 1n) % 6n]);
    const proof = await proveInference(artifacts, input, { chainId: f.chainId, hub: f.courtAddress, jobId, prover: f.challenger.address });
    await expect(f.court.connect(f.challenger).proveFraud(jobId, input, proof.output, proof.calldata)).to.emit(f.court, "FraudClaimed");
    const [d] = await f.court.getDispute(jobId);
    await time.increaseTo(d.drawBy + 1n);
    await expect(f.court.resolve(jobId, [(truth[0] + 1n) % 6n])).to.emit(f.hub, "NodePenalized");
    expect((await f.hub.getJob(jobId)).status).to.equal(JobStatus.Refunded);
  });

  it("refuses an input the circuit cannot take before proving (typed error)", async () => {
    const bad = Array(32).fill(0n);
    bad[3] = 99n;
    await assert.rejects(proveInference(artifacts, bad, { chainId: 1n, hub: f.hubAddress, jobId: 1n, prover: f.node.address }), {
      name: "InferenceInputError",
      message: /input 3 is 99 in fixed point \(3\.09375\), outside the range \[0, 1\.96875\] model support-intents accepts \(fixed point \[0, 63\]/,
    });
  });
});
