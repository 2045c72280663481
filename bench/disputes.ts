/**
 * Gas of every dispute path: a fraud proof with the demo model's real verifier and a real proof,
 * the committee path step by step, and the committee draw's worst cases (15 seats among 100 nodes,
 * with and without out-of-date pool entries left by jailed nodes).
 */
import { ethers as E } from "ethers";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import { DEFAULT_HUB, deployProofgrid, TOKEN, type Proofgrid } from "../deploy/proofgrid.js";
import { evaluate, quantizeInput } from "../src/engine/fixed.js";
import { proveInference, releaseProver, type ModelArtifacts } from "../src/pipeline/prove.js";
import { deployVerifier, releaseOf } from "../src/sdk/index.js";
import { hashValues, levelMask, packVersion, releaseKey, TrustLevel, voteCommitment } from "../src/protocol/index.js";

/** Release 1.0 of model 1, as the node registry keys it. */
const R1 = releaseKey(1, packVersion(1, 0));
const median = (xs: bigint[]) => Number([...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[Math.floor(xs.length / 2)]);
const gasOf = async (tx: Promise<E.ContractTransactionResponse>) => (await (await tx).wait())!.gasUsed;

type Wallet = E.HDNodeWallet;

async function fundedWallets(ethers: HardhatEthers, helpers: NetworkHelpers, pg: Proofgrid, n: number): Promise<Wallet[]> {
  const out: Wallet[] = [];
  for (let i = 0; i < n; i++) {
    const w = E.Wallet.createRandom().connect(ethers.provider);
    await helpers.setBalance(w.address, 10n ** 20n);
    await (await pg.token.mint(w.address, 10_000n * TOKEN)).wait();
    await (await pg.token.connect(w).approve(await pg.nodes.getAddress(), E.MaxUint256)).wait();
    await (await pg.token.connect(w).approve(await pg.hub.getAddress(), E.MaxUint256)).wait();
    out.push(w);
  }
  return out;
}

/** Registers a model without a circuit (mock hashes) for gas measurements. */
export async function registerMock(pg: Proofgrid, owner: E.Signer, inputSize: number, outputSize = 1, levels = levelMask(TrustLevel.VANILLA)) {
  await (
    await pg.models.connect(owner).registerModel("bench", packVersion(1, 0), {
      contentHash: E.id("file"),
      weightsCommitment: E.id("weights"),
      verifier: E.ZeroAddress,
      inputSize,
      outputSize,
      scaleBits: 8,
      levels,
      royaltyBps: 1_000,
      deprecated: false,
      ceremony: 0,
      prices: [TOKEN, 2n * TOKEN, 4n * TOKEN],
      inputMin: -1_000n,
      inputMax: 1_000n,
    })
  ).wait();
}

/**
 * gas.dispute.draw.<size>of<nodes>[.stale<k>] and draws.dispute.draw...: the committee draw with
 * `size` seats among `nodes` equal-stake nodes, and with `stale` of them jailed beforehand (their
 * pool entries are out of date until a draw lands on them). Draws = seats + stale entries fixed.
 */
export async function committeeDraw(ethers: HardhatEthers, helpers: NetworkHelpers, cases: [number, number, number][]): Promise<Record<string, number>> {
  const [deployer, modelOwner, requester, challenger] = await ethers.getSigners();
  const out: Record<string, number> = {};
  const input = [1n, 2n, 3n, 4n];
  for (const [size, count, stale] of cases) {
    const pg = await deployProofgrid(deployer, { attestationRoot: deployer.address, staking: { activationDelay: 0n }, hub: { committeeSize: BigInt(size) } });
    await registerMock(pg, modelOwner, input.length);
    const nodes = await fundedWallets(ethers, helpers, pg, count);
    for (const w of nodes) {
      await (await pg.nodes.connect(w).join(1_000n * TOKEN, [R1], levelMask(TrustLevel.VANILLA))).wait();
      await (await pg.nodes.connect(w).activate()).wait();
    }
    for (const who of [requester, challenger]) {
      await (await pg.token.mint(who.address, 10_000n * TOKEN)).wait();
      await (await pg.token.connect(who).approve(await pg.hub.getAddress(), E.MaxUint256)).wait();
    }
    // Jail `stale` nodes the way the hub does: their record changes, their pool entry does not.
    const hub = await pg.hub.getAddress();
    await helpers.impersonateAccount(hub);
    await helpers.setBalance(hub, 10n ** 20n);
    const hubSigner = await ethers.getSigner(hub);
    for (const w of nodes.slice(0, stale)) await (await pg.nodes.connect(hubSigner).jail(w.address)).wait();
    await helpers.stopImpersonatingAccount(hub);

    const deadline = BigInt(await helpers.time.latest()) + 3_600n;
    const receipt = (await (await pg.hub.connect(requester).request({ modelId: 1, version: 0, level: 0, fee: TOKEN, deadline, consumer: E.ZeroAddress, callbackGasLimit: 0, input })).wait())!;
    const jobId = pg.hub.interface.parseLog(receipt.logs.find((l) => pg.hub.interface.parseLog(l)?.name === "JobRequested")!)!.args.jobId as bigint;
    const node = nodes.find((w) => w.address === (pg.hub.interface.parseLog(receipt.logs.find((l) => pg.hub.interface.parseLog(l)?.name === "JobRequested")!)!.args.node as string))!;
    await (await pg.hub.connect(node).submitResult(jobId, [1n])).wait();
    await (await pg.court.connect(challenger).challenge(jobId)).wait();
    await helpers.mine(2);
    const [totalBefore] = await pg.nodes.poolOf(R1, TrustLevel.VANILLA);
    const used = await gasOf(pg.court.connect(challenger).draw(jobId));
    const [totalAfter] = await pg.nodes.poolOf(R1, TrustLevel.VANILLA);
    const [, , seats] = await pg.court.getDispute(jobId);
    const key = `${size}of${count}${stale ? `.stale${stale}` : ""}`;
    out[`gas.dispute.draw.${key}`] = Number(used);
    out[`draws.dispute.draw.${key}`] = Number(seats.reduce((a, b) => a + b, 0n)) + Number((totalBefore - totalAfter) / (1_000n * TOKEN));
  }
  return out;
}

/**
 * gas.dispute.proof.*: a lie proven wrong with the demo model's real verifier and a real proof;
 * gas.dispute.committee.*: the committee path (3 seats, 5 nodes), medians of `runs` disputes.
 */
export async function disputePaths(ethers: HardhatEthers, helpers: NetworkHelpers, artifacts: ModelArtifacts, features: number[], runs = 5): Promise<Record<string, number>> {
  const [deployer, modelOwner, requester, challenger] = await ethers.getSigners();
  const out: Record<string, number> = {};
  const pg = await deployProofgrid(deployer, { attestationRoot: deployer.address, staking: { activationDelay: 0n } });
  const verifier = await deployVerifier(artifacts, deployer);
  const { model } = artifacts;
  const prices: [bigint, bigint, bigint] = [TOKEN, 2n * TOKEN, 4n * TOKEN];
  await (await pg.models.connect(modelOwner).registerModel("intents", packVersion(1, 0), releaseOf(artifacts, { verifier, levels: [TrustLevel.VANILLA, TrustLevel.ZK], prices }))).wait();
  await (await pg.models.connect(modelOwner).registerModel("intents-committee", packVersion(1, 0), releaseOf(artifacts, { verifier: E.ZeroAddress, levels: [TrustLevel.VANILLA], prices }))).wait();
  const nodes = await fundedWallets(ethers, helpers, pg, 5);
  for (const w of nodes) {
    await (await pg.nodes.connect(w).join(10_000n * TOKEN / 2n, [R1, releaseKey(2, packVersion(1, 0))], levelMask(TrustLevel.VANILLA))).wait();
    await (await pg.nodes.connect(w).activate()).wait();
  }
  for (const who of [requester, challenger]) {
    await (await pg.token.mint(who.address, 100_000n * TOKEN)).wait();
    await (await pg.token.connect(who).approve(await pg.hub.getAddress(), E.MaxUint256)).wait();
  }
  const input = quantizeInput(model, features);
  const truth = evaluate(model, input).output;
  const wrong = [(truth[0] + 1n) % 6n];
  const { chainId } = await ethers.provider.getNetwork();
  const request = async (modelId: number) => {
    const deadline = BigInt(await helpers.time.latest()) + 3_600n;
    const receipt = (await (await pg.hub.connect(requester).request({ modelId, version: 0, level: 0, fee: TOKEN, deadline, consumer: E.ZeroAddress, callbackGasLimit: 0, input })).wait())!;
    const parsed = pg.hub.interface.parseLog(receipt.logs.find((l) => pg.hub.interface.parseLog(l)?.name === "JobRequested")!)!;
    return { jobId: parsed.args.jobId as bigint, node: nodes.find((w) => w.address === parsed.args.node)! };
  };
  const unjailAll = async () => {
    await helpers.time.increase(Number(await pg.nodes.jailPeriod()) + 1);
    for (const w of nodes) if ((await pg.nodes.getNode(w.address)).jailedUntil !== 0n) await (await pg.nodes.connect(w).unjail()).wait();
  };

  const proof: bigint[] = [];
  const resolved: bigint[] = [];
  const answerWindow = Number(DEFAULT_HUB.drawWindow + DEFAULT_HUB.commitWindow + DEFAULT_HUB.revealWindow);
  for (let i = 0; i <= runs; i++) {
    const { jobId, node } = await request(1);
    await (await pg.hub.connect(node).submitResult(jobId, wrong)).wait();
    const p = await proveInference(artifacts, input, { chainId, hub: await pg.court.getAddress(), jobId, prover: challenger.address });
    const used = await gasOf(pg.court.connect(challenger).proveFraud(jobId, input, p.output, p.calldata));
    await helpers.time.increase(answerWindow + 1);
    const resolve = await gasOf(pg.court.connect(challenger).resolve(jobId, wrong));
    if (i > 0) proof.push(used);
    if (i > 0) resolved.push(resolve);
    await unjailAll();
  }
  await releaseProver();
  out["gas.dispute.proof.proveFraud"] = median(proof);
  out["gas.dispute.proof.resolve"] = median(resolved);
  out["gas.dispute.proof.total"] = median(proof) + median(resolved);

  for (const outcome of ["nodeRight", "fraud"] as const) {
    const steps: Record<string, bigint[]> = { challenge: [], draw: [], commit: [], reveal: [], resolve: [] };
    for (let i = 0; i <= runs; i++) {
      const { jobId, node } = await request(2);
      await (await pg.hub.connect(node).submitResult(jobId, outcome === "fraud" ? wrong : truth)).wait();
      const g: Record<string, bigint> = {};
      g.challenge = await gasOf(pg.court.connect(challenger).challenge(jobId));
      await helpers.mine(2);
      g.draw = await gasOf(pg.court.connect(challenger).draw(jobId));
      const [, committee] = await pg.court.getDispute(jobId);
      const members = committee.map((a) => nodes.find((w) => w.address === a)!);
      g.commit = 0n;
      g.reveal = 0n;
      for (const [k, m] of members.entries()) g.commit += await gasOf(pg.court.connect(m).commitVote(jobId, voteCommitment(jobId, m.address, hashValues(truth), E.id(`s${k}`))));
      for (const [k, m] of members.entries()) g.reveal += await gasOf(pg.court.connect(m).revealVote(jobId, hashValues(truth), E.id(`s${k}`)));
      g.resolve = await gasOf(pg.court.connect(challenger).resolve(jobId, outcome === "fraud" ? wrong : truth));
      if (i > 0) for (const k of Object.keys(steps)) steps[k].push(g[k]);
      await unjailAll();
    }
    let total = 0;
    for (const [k, xs] of Object.entries(steps)) {
      out[`gas.dispute.committee.${outcome}.${k}`] = median(xs);
      total += median(xs);
    }
    out[`gas.dispute.committee.${outcome}.total`] = total;
  }
  return out;
}
