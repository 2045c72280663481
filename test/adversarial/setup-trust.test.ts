/**
 * Issue 20, the phase-2 trapdoor, with the real pipeline, real Groth16 keys and proofs, the real
 * hub and the real node runtime:
 *  - a key made by one party (here the owner's "beacon of its choosing", so it knows delta) lets
 *    its maker prove any output in three group operations; the hub settles such a lie at ZK; a
 *    node with default settings refuses to stake on the release;
 *  - a ceremony that the nodes take part in (open, contribute, close, seal, finalize): nodes that
 *    contributed check the transcript and serve it, a real proof settles, a node that did not
 *    contribute refuses unless its operator names a contributor it trusts, and a zkey that is not
 *    the ceremony's final one is refused.
 */
import { expect } from "chai";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as snarkjs from "snarkjs";
import { attachProofgrid, describeDeployment, TOKEN } from "../../deploy/proofgrid.js";
import { evaluate, pack, parseQuantized, quantizeInput, serializeQuantized, type QuantizedModel } from "../../src/engine/fixed.js";
import { QuantizationError } from "../../src/errors.js";
import { generateCircuit } from "../../src/pipeline/circuit.js";
import { compileCircuit } from "../../src/pipeline/circom.js";
import { calculateWitness } from "../../src/pipeline/witness.js";
import { weightsCommitment } from "../../src/protocol/hashing.js";
import { prepareNode } from "../../src/node/bootstrap.js";
import { ReleaseMismatchError } from "../../src/node/release.js";
import { NodeRuntime } from "../../src/node/runtime.js";
import { dependencyDir, PACKAGE_ROOT } from "../../src/package.js";
import { writeContracts } from "../../src/pipeline/build.js";
import { applyBeacon, initialZkey, readTranscript } from "../../src/pipeline/ceremony.js";
import { findPtau } from "../../src/pipeline/adopt.js";
import { SetupError } from "../../src/pipeline/ceremony.js";
import { cacheDir } from "../../src/pipeline/ptau.js";
import { hashFile, readManifestFile, writeManifest } from "../../src/pipeline/manifest.js";
import { silentProgress } from "../../src/pipeline/progress.js";
import { loadArtifacts, proveInference, publicSignalsOf, releaseProver, type ModelArtifacts } from "../../src/pipeline/prove.js";
import { useCurve } from "../../src/pipeline/ptau.js";
import { encodeProof, JobStatus, levelMask, packVersion, TrustLevel } from "../../src/protocol/index.js";
import { closeCeremony, contributeToCeremony, deployVerifier, finalizeCeremony, openCeremony, releaseOf } from "../../src/sdk/index.js";
import { intentFeaturizer } from "../support/intents.js";
import { bondRelease, deployFixture, ethers, expectHubSolvent, joinNode, networkHelpers, PRICES, type Fixture } from "../support/fixture.js";

const BUILD = path.join(PACKAGE_ROOT, "build/support-intents");
const V1 = packVersion(1, 0);
const MODEL_ID = 3; // the fixture registers two models first

/** A copy of the demo's build directory, to give other keys. */
async function copyBuild(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "pg-setup-"));
  await cp(BUILD, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}ceremony`) });
  return dir;
}

/** Gives the build in `dir` the zkey `zkey` (verifier and adapter remade), recorded as a development key. */
async function useKey(dir: string, zkey: string): Promise<ModelArtifacts> {
  const manifest = await readManifestFile(dir);
  const target = path.resolve(dir, manifest.zkey.file);
  await cp(zkey, target);
  const quantized = parseQuantized(await readFile(path.resolve(dir, manifest.quantized.file), "utf8"));
  const contracts = await writeContracts(dir, manifest.model.name, quantized, target, undefined, silentProgress());
  await writeManifest(dir, { ...manifest, ...contracts.entries, setup: { kind: "development", transcript: (await readTranscript(target)).entries } });
  return loadArtifacts(dir);
}

async function requestZk(f: Fixture, input: bigint[]): Promise<{ jobId: bigint; node: string }> {
  const receipt = await (
    await f.hub.connect(f.requester).request({
      modelId: MODEL_ID,
      version: 0,
      level: TrustLevel.ZK,
      fee: 5n * TOKEN,
      deadline: BigInt((await networkHelpers.time.latest()) + 3_600),
      consumer: ethers.ZeroAddress,
      callbackGasLimit: 0,
      input,
    })
  ).wait();
  for (const log of receipt!.logs) {
    const parsed = f.hub.interface.parseLog(log);
    if (parsed?.name === "JobRequested") return { jobId: parsed.args.jobId as bigint, node: (await f.hub.getJob(parsed.args.jobId)).node };
  }
  throw new Error("no JobRequested");
}

const quiet = () => {};

describe("adversarial: ZK setup trust (issue 20)", function () {
  this.timeout(300_000);
  const dirs: string[] = [];
  let input: bigint[];
  let honest: ModelArtifacts;

  before(async () => {
    honest = await loadArtifacts(BUILD);
    input = quantizeInput(honest.model, (await intentFeaturizer())("i was charged twice, please refund my money"));
  });
  after(async () => {
    await releaseProver();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("2a. a key made alone is a trapdoor: its maker (a beacon of its choosing) proves a class the model never computed and the hub settles it; a node with default settings refuses the release", async () => {
    const dir = await copyBuild();
    dirs.push(dir);
    const manifest = await readManifestFile(dir);
    const ptau = await findPtau(manifest.ptau);
    const z0 = path.join(dir, "z0.zkey");
    const z1 = path.join(dir, "z1.zkey");
    await initialZkey(path.resolve(dir, manifest.r1cs.file), ptau, z0);
    const chosen = `0x${"42".repeat(32)}`;
    await applyBeacon(z0, z1, chosen);
    const forgedBuild = await useKey(dir, z1);

    // The owner re-derives delta from its beacon, as snarkjs does, and checks it against the key.
    const misc = (await import(path.join(dependencyDir("snarkjs"), "src/misc.js"))) as { rngFromBeaconParams(h: Uint8Array, e: number): Promise<unknown> };
    const vk = forgedBuild.vkey as unknown as { IC: string[][]; vk_alpha_1: string[]; vk_beta_2: string[][]; vk_delta_2: string[][] };
    const forge = (publicSignals: bigint[]) =>
      useCurve(async () => {
        const curve = (await snarkjs.curves.getCurveFromName("bn128")) as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        const { G1, G2, Fr } = curve;
        const delta = Fr.fromRng(await misc.rngFromBeaconParams(Buffer.from(chosen.slice(2), "hex"), 10));
        const d2 = G2.fromObject(vk.vk_delta_2.map((c) => c.map(BigInt)));
        expect(G2.eq(G2.timesFr(G2.g, delta), d2), "delta recovered").to.equal(true);
        let vkx = G1.fromObject(vk.IC[0].map(BigInt));
        publicSignals.forEach((s, i) => (vkx = G1.add(vkx, G1.timesFr(G1.fromObject(vk.IC[i + 1].map(BigInt)), Fr.e(s)))));
        const c = G1.toObject(G1.toAffine(G1.timesFr(vkx, Fr.neg(Fr.inv(delta))))) as bigint[];
        return { pi_a: vk.vk_alpha_1, pi_b: vk.vk_beta_2, pi_c: c.map(String), protocol: "groth16", curve: "bn128" };
      });

    const f = await deployFixture();
    const owner = f.modelOwner;
    const verifier = await deployVerifier(forgedBuild, owner);
    await f.models.connect(owner).registerModel("support-intents", V1, releaseOf(forgedBuild, { verifier, levels: [TrustLevel.VANILLA, TrustLevel.ZK], prices: PRICES }));
    expect((await f.models.getRelease(MODEL_ID, V1))[1].ceremony).to.equal(0n);
    await bondRelease(f, MODEL_ID);
    // The owner's own node stakes on it (it runs no check), and is drawn for a ZK job.
    const liar = f.nodeSigners[5];
    await joinNode(f, liar, 1_000n * TOKEN, [MODEL_ID], levelMask(TrustLevel.ZK));
    const { jobId, node } = await requestZk(f, input);
    expect(node).to.equal(liar.address);
    const truth = evaluate(forgedBuild.model, input).output;
    const lie = [truth[0] === 0n ? 1n : 0n];
    const binding = { chainId: f.chainId, hub: f.hubAddress, jobId, prover: liar.address };
    const proof = await forge(publicSignalsOf(forgedBuild, input, lie, binding));
    expect(await snarkjs.groth16.verify(forgedBuild.vkey, publicSignalsOf(forgedBuild, input, lie, binding).map(String), proof as snarkjs.Groth16Proof)).to.equal(true);
    await f.hub.connect(liar).submitZkResult(jobId, input, lie, encodeProof(proof as snarkjs.Groth16Proof));
    const job = await f.hub.getJob(jobId);
    expect(job.status).to.equal(BigInt(JobStatus.Settled)); // what a single-party key allows
    await expectHubSolvent(f);

    // An honest node with default settings never stakes on such a release (unless its operator accepts
    // development keys, as below), and says why.
    const contracts = attachProofgrid(await describeDeployment(f, f.deployer), f.nodeSigners[1]);
    const runtime = new NodeRuntime({ signer: f.nodeSigners[1], contracts, models: new Map([[MODEL_ID, forgedBuild]]), versions: new Map([[MODEL_ID, V1]]), levels: [TrustLevel.VANILLA], log: quiet });
    await expect(prepareNode(runtime, { stake: 1_000n * TOKEN })).to.be.rejectedWith(ReleaseMismatchError, /single-party development key/);
    expect((await f.nodes.getNode(f.nodeSigners[1].address)).stake).to.equal(0n);

    // The owner's wealth: its two addresses (the owner and its node) and the bond it posted.
    const forger = f.stranger; // a third address of the owner, with the trapdoor
    const wealth = async () => {
      let total = (await f.bonds.bondOf(MODEL_ID, V1)).amount;
      for (const a of [owner.address, liar.address, forger.address]) total += (await f.token.balanceOf(a)) + (await f.hub.balanceOf(a));
      return total;
    };
    const before = await wealth();

    // A node whose operator accepted development keys serves VANILLA jobs of the release. The
    // trapdoor's holder claims its right result is wrong with a forged fraud proof; the node's
    // runtime answers with a real proof of its output, which freezes the release: no slash.
    const honestNode = f.nodeSigners[0];
    const honestContracts = attachProofgrid(await describeDeployment(f, f.deployer), honestNode);
    const logs: string[] = [];
    const accepting = new NodeRuntime({ signer: honestNode, contracts: honestContracts, models: new Map([[MODEL_ID, forgedBuild]]), versions: new Map([[MODEL_ID, V1]]), levels: [TrustLevel.VANILLA], setupTrust: { developmentKeys: true }, log: (l) => logs.push(l) });
    await prepareNode(accepting, { stake: 1_000n * TOKEN });
    await networkHelpers.time.increase(Number(await f.nodes.activationDelay()));
    await f.nodes.connect(honestNode).activate();
    const receipt = await (
      await f.hub.connect(f.requester).request({ modelId: MODEL_ID, version: 0, level: TrustLevel.VANILLA, fee: PRICES[TrustLevel.VANILLA], deadline: BigInt((await networkHelpers.time.latest()) + 3_600), consumer: ethers.ZeroAddress, callbackGasLimit: 0, input })
    ).wait();
    const vanillaJob = f.hub.interface.parseLog(receipt!.logs.find((l) => f.hub.interface.parseLog(l)?.name === "JobRequested")!)!.args.jobId as bigint;
    await accepting.poll();
    expect((await f.hub.getJob(vanillaJob)).status).to.equal(BigInt(JobStatus.Submitted));
    const stake = (await f.nodes.getNode(honestNode.address)).stake;
    const claimBinding = { chainId: f.chainId, hub: f.courtAddress, jobId: vanillaJob, prover: forger.address };
    const forgedClaim = encodeProof((await forge(publicSignalsOf(forgedBuild, input, lie, claimBinding))) as snarkjs.Groth16Proof);
    await f.court.connect(forger).proveFraud(vanillaJob, input, lie, forgedClaim);
    await accepting.poll();
    expect(logs.some((l) => l.includes("answered with a proof of the posted one")), logs.join("\n")).to.equal(true);
    expect(await f.models.soundnessOf(MODEL_ID, V1)).to.deep.equal([false, true]);
    const ended = await f.hub.getJob(vanillaJob);
    expect(ended.status).to.equal(BigInt(JobStatus.Refunded));
    expect((await f.nodes.getNode(honestNode.address)).stake, "an honest node is never slashed by a forged proof").to.equal(stake);
    expect((await f.nodes.getNode(honestNode.address)).jailedUntil).to.equal(0n);

    // The requester of the lie that settled at ZK is paid back the price from the bond.
    await f.bonds.claim(jobId);
    await networkHelpers.time.increase(14 * 86_400 + 1);
    const paid = await f.token.balanceOf(f.requester.address);
    await f.bonds.payClaim(jobId);
    expect(await f.token.balanceOf(f.requester.address)).to.equal(paid + PRICES[TrustLevel.ZK]);
    // The owner lost its whole bond; the most it won is the ZK fee its own node earned for the lie.
    const lost = before - (await wealth());
    expect(lost).to.equal(await f.bonds.minBond());
    await expectHubSolvent(f);

  });

  it("1c. one packing, one output: a build whose output encoding is narrower than its logits (the review's aliasing) cannot prove the overflowing input, the engine refuses it, and no node stakes on the build", async () => {
    const featurize = await intentFeaturizer();
    // The owner's crafted quantized model: the demo's logits, with an output encoding that an
    // ordinary request fits and a chosen input overflows by one value.
    const logits = honest.model.layers.length - 1; // the argmax's input: the logits, 6 values
    const base: QuantizedModel = { ...honest.model, layers: honest.model.layers.slice(0, logits), output: { size: 6, lo: -(1n << 30n), bits: 31 } };
    let chosen: { x: bigint[]; L: bigint[]; lo: bigint; w: number } | undefined;
    for (const t of ["i was charged twice, please refund my money", "cancel my subscription now", "my package never arrived", "reset my password please"]) {
      const x = quantizeInput(base, featurize(t));
      const L = evaluate(base, x).output;
      const lo = L.reduce((a, b) => (b < a ? b : a)) - 1n;
      for (let k = 0; k < L.length - 1 && !chosen; k++) {
        const w = (L[k] - lo).toString(2).length - 1;
        if (w >= 2 && L.every((v, j) => j === k || v - lo < (1n << BigInt(w)) - 1n)) chosen = { x, L, lo, w };
      }
      if (chosen) break;
    }
    expect(chosen, "an input whose largest logit overflows a narrower encoding").to.not.equal(undefined);
    const { x, lo, w } = chosen!;
    const crafted: QuantizedModel = { ...base, output: { size: chosen!.L.length, lo, bits: w } };
    // The engine refuses an output outside the encoding instead of posting it.
    expect(() => evaluate(crafted, x)).to.throw(QuantizationError, /outside the model's proven output range/);
    // The circuit range-checks every output before packing: no witness exists for x.
    const dir = await mkdtemp(path.join(os.tmpdir(), "pg-alias-"));
    dirs.push(dir);
    await writeFile(path.join(dir, "crafted.circom"), generateCircuit(crafted));
    await compileCircuit(path.join(dir, "crafted.circom"), dir);
    const wasm = path.join(dir, "crafted_js", "crafted.wasm");
    await expect(calculateWitness(wasm, { binding: "1", inputPacked: pack(x, crafted.input).map(String) })).to.be.rejected;
    // An ordinary input still proves.
    const ordinary = quantizeInput(base, featurize("where is my order"));
    if (evaluate(base, ordinary).output.every((v) => v >= lo && v < lo + (1n << BigInt(w)))) {
      await calculateWitness(wasm, { binding: "1", inputPacked: pack(ordinary, crafted.input).map(String) });
    }
    // And a node never stakes on such a build: it re-quantizes the model file and gets other weights.
    const build = await copyBuild();
    dirs.push(build);
    const manifest = await readManifestFile(build);
    await writeFile(path.resolve(build, manifest.quantized.file), serializeQuantized(crafted) + "\n");
    await writeManifest(build, { ...manifest, quantized: { ...manifest.quantized, weightsCommitment: weightsCommitment(crafted), output: { size: crafted.output.size, lo: crafted.output.lo.toString(), bits: w } } });
    const craftedBuild = await loadArtifacts(build);
    const f = await deployFixture();
    await f.models.connect(f.modelOwner).registerModel("support-intents", V1, releaseOf(craftedBuild, { verifier: ethers.ZeroAddress, levels: [TrustLevel.VANILLA], prices: PRICES }));
    const contracts = attachProofgrid(await describeDeployment(f, f.deployer), f.nodeSigners[0]);
    const runtime = new NodeRuntime({ signer: f.nodeSigners[0], contracts, models: new Map([[MODEL_ID, craftedBuild]]), versions: new Map([[MODEL_ID, V1]]), levels: [TrustLevel.VANILLA], log: quiet });
    await expect(prepareNode(runtime, { stake: 1_000n * TOKEN })).to.be.rejectedWith(ReleaseMismatchError, /quantizes here .* not the release's/);
  });

  it("1d. a release must be its model: another output size, input size, scale or a wider input range is refused before any stake", async () => {
    const f = await deployFixture();
    const honestRelease = releaseOf(honest, { verifier: ethers.ZeroAddress, levels: [TrustLevel.VANILLA], prices: PRICES });
    const cases: [string, Partial<typeof honestRelease>, RegExp][] = [
      ["outputs", { outputSize: honestRelease.outputSize + 1 }, /the release says .* outputs/],
      ["inputs", { inputSize: honestRelease.inputSize + 1 }, /the release says/],
      ["scale", { scaleBits: honestRelease.scaleBits + 1 }, /the release says/],
      ["range", { inputMax: honestRelease.inputMax + 1n }, /beyond the range the model is proven on/],
      ["range below", { inputMin: honestRelease.inputMin - 1n }, /beyond the range the model is proven on/],
    ];
    let modelId = MODEL_ID;
    for (const [what, change, message] of cases) {
      await f.models.connect(f.modelOwner).registerModel(`support-intents-${what.replace(" ", "-")}`, V1, { ...honestRelease, ...change });
      const contracts = attachProofgrid(await describeDeployment(f, f.deployer), f.nodeSigners[0]);
      const runtime = new NodeRuntime({ signer: f.nodeSigners[0], contracts, models: new Map([[modelId, honest]]), versions: new Map([[modelId, V1]]), levels: [TrustLevel.VANILLA], log: quiet });
      await expect(prepareNode(runtime, { stake: 1_000n * TOKEN }), what).to.be.rejectedWith(ReleaseMismatchError, message);
      modelId++;
    }
    expect((await f.nodes.getNode(f.nodeSigners[0].address)).stake).to.equal(0n);
    // A narrower accepted range than the model's is safe, and taken.
    await f.models.connect(f.modelOwner).registerModel("support-intents", V1, { ...honestRelease, inputMax: honestRelease.inputMax - 1n });
    const contracts = attachProofgrid(await describeDeployment(f, f.deployer), f.nodeSigners[0]);
    await prepareNode(new NodeRuntime({ signer: f.nodeSigners[0], contracts, models: new Map([[modelId, honest]]), versions: new Map([[modelId, V1]]), levels: [TrustLevel.VANILLA], log: quiet }), { stake: 1_000n * TOKEN });
  });

  it("2c. a build cannot choose the powers of tau a node trusts: a manifest's ptau name is never a path, only files the operator names or its cache holds count", async () => {
    const manifest = await readManifestFile(BUILD);
    const local = await findPtau(manifest.ptau); // this machine's own cache
    const dir = await mkdtemp(path.join(os.tmpdir(), "pg-ptau-"));
    dirs.push(dir);
    const planted = path.join(dir, "phase1.ptau");
    await writeFile(planted, Buffer.concat([await readFile(local), Buffer.from([1])])); // another phase 1, shipped in a build
    const plantedHash = await hashFile(planted);
    const traversal = path.relative(path.join(cacheDir(), "ptau"), planted);
    await expect(findPtau({ hash: plantedHash, name: traversal })).to.be.rejectedWith(SetupError, /among the files trusted here/);
    await expect(findPtau({ hash: plantedHash, name: planted })).to.be.rejectedWith(SetupError);
    expect(await findPtau({ hash: plantedHash, name: "anything" }, [planted])).to.equal(planted); // named by the operator
  });

  it("2d. a build's manifest cannot make a node open files outside the build (a device, a FIFO, another file): typed errors at once", async () => {
    const build = await copyBuild();
    dirs.push(build);
    const manifest = await readManifestFile(build);
    // Files the artifacts load must be regular files of the build directory.
    await writeManifest(build, { ...manifest, wasm: { ...manifest.wasm, file: "/dev/zero" } });
    await expect(loadArtifacts(build)).to.be.rejectedWith(/the wasm its manifest names \("\/dev\/zero"\) is not a file of the build directory/);
    await writeManifest(build, { ...manifest, zkey: { ...manifest.zkey, file: path.relative(build, path.resolve(BUILD, manifest.zkey.file)) } });
    await expect(loadArtifacts(build)).to.be.rejectedWith(/the zkey its manifest names .* is not a file of the build directory/);
    // The model file a node re-quantizes is the build's own copy, a regular file; the manifest's path is never followed.
    await writeManifest(build, { ...manifest, model: { ...manifest.model, file: "/dev/zero" } });
    const { execFileSync } = await import("node:child_process");
    await rm(path.join(build, "source.json"));
    execFileSync("mkfifo", [path.join(build, "source.json")]);
    const artifacts = await loadArtifacts(build);
    const f = await deployFixture();
    await f.models.connect(f.modelOwner).registerModel("support-intents", V1, releaseOf(artifacts, { verifier: ethers.ZeroAddress, levels: [TrustLevel.VANILLA], prices: PRICES }));
    const contracts = attachProofgrid(await describeDeployment(f, f.deployer), f.nodeSigners[0]);
    const runtime = new NodeRuntime({ signer: f.nodeSigners[0], contracts, models: new Map([[MODEL_ID, artifacts]]), versions: new Map([[MODEL_ID, V1]]), levels: [TrustLevel.VANILLA], log: quiet });
    await expect(prepareNode(runtime, { stake: 1_000n * TOKEN })).to.be.rejectedWith(ReleaseMismatchError, /holds no copy of its model file/);
  });

  it("2b. a ceremony the nodes took part in: both contributors check the transcript and serve it, a real proof settles, a node that did not contribute refuses (unless it names a contributor it trusts), and other keys are refused", async () => {
    const dir = await copyBuild();
    dirs.push(dir);
    const f = await deployFixture();
    const deployment = await describeDeployment(f, f.deployer);
    const as = (signer: (typeof f.nodeSigners)[number]) => ({ signer, contracts: attachProofgrid(deployment, signer) });
    const [a, b, c] = f.nodeSigners;

    const { ceremonyId, zkey: z0 } = await openCeremony(as(f.modelOwner), dir);
    const z1 = path.join(dir, "ceremony", "1.zkey");
    const z2 = path.join(dir, "ceremony", "2.zkey");
    const ca = await contributeToCeremony(as(a), ceremonyId, z0, z1, "node a");
    await contributeToCeremony(as(b), ceremonyId, z1, z2, "node b");
    await expect(closeCeremony(as(a), ceremonyId)).to.be.rejected; // only the coordinator
    await closeCeremony(as(f.modelOwner), ceremonyId);
    await expect(contributeToCeremony(as(c), ceremonyId, z2, path.join(dir, "late.zkey"))).to.be.rejectedWith(/not open/);
    const manifest = await finalizeCeremony(as(f.modelOwner), ceremonyId, dir, z2, { waitForBlock: async () => void (await networkHelpers.mine()) });
    expect(manifest.setup.kind).to.equal("ceremony");
    expect(manifest.setup.transcript.map((e) => e.kind)).to.deep.equal(["contribution", "contribution", "beacon"]);
    expect(manifest.setup.transcript[0].id).to.equal(ca.id);
    expect(await f.models.contributorOf(ceremonyId, ca.id)).to.equal(a.address);

    const artifacts = await loadArtifacts(dir);
    const verifier = await deployVerifier(artifacts, f.modelOwner);
    const record = releaseOf(artifacts, { verifier, levels: [TrustLevel.VANILLA, TrustLevel.ZK], prices: PRICES });
    expect(record.ceremony).to.equal(ceremonyId);
    // The registry takes the ceremony only from its coordinator, for its weights.
    await expect(f.models.connect(f.stranger).registerModel("impostor", V1, record)).to.be.revertedWithCustomError(f.models, "ModelCeremonyMismatch");
    await expect(f.models.connect(f.modelOwner).registerModel("other", V1, { ...record, weightsCommitment: ethers.id("other") })).to.be.revertedWithCustomError(f.models, "ModelCeremonyMismatch");
    await f.models.connect(f.modelOwner).registerModel("support-intents", V1, record);
    await bondRelease(f, MODEL_ID);

    const runtimeOf = (signer: typeof a, extra: Partial<ConstructorParameters<typeof NodeRuntime>[0]> = {}) =>
      new NodeRuntime({ signer, contracts: attachProofgrid(deployment, signer), models: new Map([[MODEL_ID, artifacts]]), versions: new Map([[MODEL_ID, V1]]), levels: [TrustLevel.VANILLA, TrustLevel.ZK], log: quiet, ...extra });
    const logs: string[] = [];
    const runtimeA = runtimeOf(a, { log: (l) => logs.push(l) });
    await prepareNode(runtimeA, { stake: 1_000n * TOKEN });
    await prepareNode(runtimeOf(b), { stake: 1_000n * TOKEN });
    expect(logs.join("\n")).to.match(new RegExp(`keys from ceremony #${ceremonyId}, checked`));
    await expect(prepareNode(runtimeOf(c), { stake: 1_000n * TOKEN })).to.be.rejectedWith(ReleaseMismatchError, /the final key.s transcript holds no contribution by/);
    expect((await f.nodes.getNode(c.address)).stake).to.equal(0n);
    // Development keys are no way around it: the release names a ceremony, and c trusts a's contribution only when told.
    await prepareNode(runtimeOf(c, { setupTrust: { contributors: [a.address] } }), { stake: 1_000n * TOKEN });

    // The node proves with the witness calculator it compiled itself, not the build's file: an
    // owner's wasm that refuses (or loops on) chosen inputs with the same r1cs changes nothing.
    const served = (await runtimeA.artifactsFor(MODEL_ID, V1))!;
    expect(served.wasm).to.not.equal(artifacts.wasm);
    await writeFile(artifacts.wasm, Buffer.from("not a witness calculator"));
    // A real proof from the ceremony's key settles.
    await networkHelpers.time.increase(Number(await f.nodes.activationDelay()));
    for (const s of [a, b, c]) await f.nodes.connect(s).activate();
    const { jobId, node } = await requestZk(f, input);
    const prover = f.nodeSigners.find((s) => s.address === node)!;
    const proof = await proveInference(served, input, { chainId: f.chainId, hub: f.hubAddress, jobId, prover: node });
    await f.hub.connect(prover).submitZkResult(jobId, input, proof.output, proof.calldata);
    expect((await f.hub.getJob(jobId)).status).to.equal(BigInt(JobStatus.Settled));
    await expectHubSolvent(f);

    // The build's own development key is not the ceremony's final zkey: refused.
    const stale = await copyBuild();
    dirs.push(stale);
    await expect(prepareNode(runtimeOf(f.nodeSigners[3], { models: new Map([[MODEL_ID, await loadArtifacts(stale)]]) }), { stake: 1_000n * TOKEN })).to.be.rejectedWith(
      ReleaseMismatchError,
      /is not ceremony #\d+'s final zkey/,
    );
  });
});
