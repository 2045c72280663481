/**
 * Gas of each step at each trust level, and request gas as the node count grows.
 *
 * Run: npm run gas            (NODES=10,100,1000 by default; set GAS_NODES=10,1000 to change)
 *
 * Every figure is a receipt's gasUsed on the in-process network (EDR, cancun), median of several
 * jobs after one warm-up job, so first-write costs of fresh balances do not dominate.
 */
import { ethers as E, type ContractTransactionResponse } from "ethers";
import { network } from "hardhat";
import { deployProofgrid, TOKEN } from "../deploy/proofgrid.js";
import { hashValues, hubDomain, levelMask, mockProof, packVersion, signResult, TrustLevel, attestationDomain, makeAttestation } from "../src/protocol/index.js";
import { MockProofVerifier__factory, RecordingConsumer__factory } from "../types/contracts/index.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;
const [deployer, modelOwner, requester, treasury] = await ethers.getSigners();
const root = E.Wallet.createRandom();
const INPUT = Array.from({ length: 16 }, (_, i) => BigInt(i * 37 - 200));
const OUTPUT = [1200n, -40n, 77n, 3n, 0n, 9n];
const WEIGHTS = E.id("weights");

const median = (xs: bigint[]) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[Math.floor(xs.length / 2)];
async function gas(tx: Promise<ContractTransactionResponse>) {
  return (await (await tx).wait())!.gasUsed;
}

async function setup(nodeCount: number) {
  const pg = await deployProofgrid(deployer, { attestationRoot: root.address, treasury: treasury.address, staking: { activationDelay: 0n }, tee: { maxHeartbeatAge: 30n * 86_400n } });
  const verifier = await (await new MockProofVerifier__factory(deployer).deploy()).waitForDeployment();
  await (
    await pg.models.connect(modelOwner).registerModel("bench", packVersion(1, 0), {
      contentHash: E.id("file"),
      weightsCommitment: WEIGHTS,
      verifier: await verifier.getAddress(),
      inputSize: INPUT.length,
      outputSize: OUTPUT.length,
      scaleBits: 8,
      levels: 7,
      royaltyBps: 1_000,
      deprecated: false,
      prices: [TOKEN, 2n * TOKEN, 4n * TOKEN],
    })
  ).wait();
  await (await pg.token.mint(requester.address, 1_000_000n * TOKEN)).wait();
  await (await pg.token.connect(requester).approve(await pg.hub.getAddress(), E.MaxUint256)).wait();
  const { chainId } = await ethers.provider.getNetwork();
  const measurement = E.id("enclave");
  await (await pg.tee.approveMeasurement(measurement)).wait();
  const nodes: { wallet: E.Signer; address: string; enclave: E.HDNodeWallet }[] = [];
  for (let i = 0; i < nodeCount; i++) {
    const wallet = E.Wallet.createRandom().connect(ethers.provider);
    await networkHelpers.setBalance(wallet.address, 10n ** 20n);
    await (await pg.token.mint(wallet.address, 1_000n * TOKEN)).wait();
    await (await pg.token.connect(wallet).approve(await pg.nodes.getAddress(), E.MaxUint256)).wait();
    await (await pg.nodes.connect(wallet).join(1_000n * TOKEN, [1], levelMask(TrustLevel.VANILLA, TrustLevel.TEE, TrustLevel.ZK))).wait();
    await (await pg.nodes.connect(wallet).activate()).wait();
    const enclave = E.Wallet.createRandom();
    const attestation = await makeAttestation(root, attestationDomain(chainId, await pg.attestation.getAddress()), {
      measurement,
      enclaveKey: enclave.address,
      operator: wallet.address,
      issuedAt: BigInt(await time.latest()),
    });
    await (await pg.tee.connect(wallet).admitEnclave(attestation)).wait();
    nodes.push({ wallet, address: wallet.address, enclave });
  }
  return { pg, nodes, chainId };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function job(s: Setup, level: TrustLevel, consumer?: string) {
  const { pg } = s;
  const hub = await pg.hub.getAddress();
  const deadline = BigInt(await time.latest()) + 3_600n;
  const tx = await pg.hub.connect(requester).request({
    modelId: 1, version: 0, level, fee: [TOKEN, 2n * TOKEN, 4n * TOKEN][level], deadline,
    consumer: consumer ?? E.ZeroAddress, callbackGasLimit: consumer ? 300_000 : 0, input: INPUT,
  });
  const receipt = (await tx.wait())!;
  const ev = receipt.logs.map((l) => pg.hub.interface.parseLog(l)).find((l) => l?.name === "JobRequested")!;
  const jobId: bigint = ev.args.jobId;
  const node = s.nodes.find((n) => n.address === ev.args.node)!;
  const out: Record<string, bigint> = { request: receipt.gasUsed };
  const asNode = pg.hub.connect(node.wallet);
  if (level === TrustLevel.ZK) {
    const proof = mockProof({ chainId: s.chainId, hub, jobId, prover: node.address, weightsCommitment: WEIGHTS, input: INPUT, output: OUTPUT });
    out.submitAndSettle = await gas(asNode.submitZkResult(jobId, INPUT, OUTPUT, proof));
  } else if (level === TrustLevel.TEE) {
    const job = await pg.hub.getJob(jobId);
    const sig = await signResult(node.enclave, hubDomain(s.chainId, hub), { jobId, node: node.address, modelId: 1, version: job.version, inputHash: hashValues(INPUT), outputHash: hashValues(OUTPUT) });
    out.submitAndSettle = await gas(asNode.submitTeeResult(jobId, OUTPUT, sig));
  } else {
    out.submit = await gas(asNode.submitResult(jobId, OUTPUT));
    await time.increase(601);
    out.finalize = await gas(pg.hub.finalize(jobId, OUTPUT));
  }
  return out;
}

async function stepTable(s: Setup, consumer?: string) {
  const rows: Record<string, string> = {};
  for (const level of [TrustLevel.VANILLA, TrustLevel.TEE, TrustLevel.ZK]) {
    await job(s, level, consumer); // warm-up: first credits of each balance
    const runs: Record<string, bigint>[] = [];
    for (let i = 0; i < 5; i++) runs.push(await job(s, level, consumer));
    const keys = Object.keys(runs[0]);
    const med = Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))]));
    const total = Object.values(med).reduce((a, b) => a + b, 0n);
    rows[TrustLevel[level]] = `${keys.map((k) => `${k} ${med[k]}`).join(", ")}; total ${total}`;
  }
  return rows;
}

const s3 = await setup(3);
console.log("Gas per step (median of 5 jobs, 16 inputs, 6 outputs, 3 nodes, no consumer):");
for (const [level, line] of Object.entries(await stepTable(s3))) console.log(`  ${level.padEnd(8)} ${line}`);
const consumer = await (await new RecordingConsumer__factory(deployer).deploy(await s3.pg.hub.getAddress())).waitForDeployment();
console.log("With a consumer callback (RecordingConsumer, stores the output):");
for (const [level, line] of Object.entries(await stepTable(s3, await consumer.getAddress()))) console.log(`  ${level.padEnd(8)} ${line}`);

const counts = (process.env.GAS_NODES ?? "10,100,1000").split(",").map(Number);
console.log("\nRequest gas (VANILLA) by number of registered nodes (median of 15 requests after 15 warm-up):");
const figures: Record<number, bigint> = {};
for (const n of counts) {
  const t0 = Date.now();
  const s = await setup(n);
  const gasUsed: bigint[] = [];
  for (let i = 0; i < 30; i++) {
    const deadline = BigInt(await time.latest()) + 3_600n;
    const g = await gas(s.pg.hub.connect(requester).request({ modelId: 1, version: 0, level: 0, fee: TOKEN, deadline, consumer: E.ZeroAddress, callbackGasLimit: 0, input: INPUT }));
    if (i >= 15) gasUsed.push(g);
  }
  figures[n] = median(gasUsed);
  console.log(`  ${String(n).padStart(5)} nodes: ${figures[n]} gas (setup ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
if (figures[counts[0]] && figures[counts.at(-1)!]) {
  console.log(`  ratio ${counts.at(-1)}/${counts[0]}: ${(Number(figures[counts.at(-1)!]) / Number(figures[counts[0]])).toFixed(3)}`);
}
