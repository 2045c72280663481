/**
 * The proofgrid story on the in-process network: deploy, register a customer-service intent model,
 * stake nodes (honest, lazy, lying), send one request per trust level, and print how each settled.
 *
 * Run: npm run demo
 *
 * Real parts: the contracts, ECDSA enclave keys admitted by a signed attestation, the fixed-point
 * model that nodes and the watcher run. Until the model pipeline lands, ZK proofs are checked by
 * the MockProofVerifier (a keccak commitment to the statement), and the table says so.
 */
import { ethers as E } from "ethers";
import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { deployProofgrid, TOKEN } from "../deploy/proofgrid.js";
import { argmax, evaluate, toFixed, type Mlp } from "../src/engine/mlp.js";
import {
  attestationDomain,
  hashValues,
  hubDomain,
  levelMask,
  makeAttestation,
  mockProof,
  packVersion,
  signResult,
  TRUST_NAMES,
  TrustLevel,
} from "../src/protocol/index.js";
import { MockProofVerifier__factory } from "../types/contracts/index.js";
import type { ContractTransactionResponse } from "ethers";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

// A tiny bag-of-words intent model: 8 keyword features -> 6 hidden (ReLU) -> 4 intents.
const VOCAB = ["invoice", "charge", "refund", "return", "package", "tracking", "password", "login"];
const MODEL: Mlp = {
  inputSize: 8,
  scaleBits: 8,
  labels: ["billing", "refund", "shipping", "account"],
  layers: [
    {
      relu: true,
      weights: [
        [1.2, 1.0, 0.1, 0, 0, 0, 0, 0],
        [0.2, 0.3, 1.3, 1.1, 0, 0, 0, 0],
        [0, 0, 0.1, 0.4, 1.2, 1.3, 0, 0],
        [0, 0, 0, 0, 0, 0, 1.4, 1.2],
        [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
        [-0.3, 0, 0, 0, 0, 0, 0.2, 0.2],
      ],
      bias: [0, 0, 0, 0, -0.5, 0],
    },
    {
      relu: false,
      weights: [
        [1.5, -0.2, -0.2, -0.2, 0.1, -0.3],
        [-0.2, 1.5, -0.2, -0.2, 0.1, 0],
        [-0.2, -0.3, 1.5, -0.2, 0.1, 0],
        [-0.2, -0.2, -0.2, 1.5, 0.1, 0.4],
      ],
      bias: [0.05, 0, 0, -0.05],
    },
  ],
};

function bagOfWords(ticket: string): bigint[] {
  const words = ticket.toLowerCase().split(/[^a-z]+/);
  return VOCAB.map((w) => toFixed(words.filter((x) => x === w).length, MODEL.scaleBits));
}

type Behaviour = "honest" | "lazy" | "lying";
interface DemoNode {
  name: string;
  signer: HardhatEthersSigner;
  behaviour: Behaviour;
  enclave?: E.HDNodeWallet;
}

interface Row {
  job: string;
  level: string;
  node: string;
  intent: string;
  verification: string;
  outcome: string;
  latency: string;
  gas: string;
  split: string;
}

const started = Date.now();
const signers = await ethers.getSigners();
const [deployer, modelOwner, requester, watcher, treasury] = signers;
const root = E.Wallet.createRandom();

console.log("proofgrid demo: in-process network\n");
const pg = await deployProofgrid(deployer, { attestationRoot: root.address, treasury: treasury.address });
const hubAddress = await pg.hub.getAddress();
const { chainId } = await ethers.provider.getNetwork();
const verifier = await (await new MockProofVerifier__factory(deployer).deploy()).waitForDeployment();
console.log(`deployed: hub ${hubAddress} on chain ${chainId}`);

// Two releases of the model: one with a circuit (ZK and proof-decided challenges), one without.
const weightsCommitment = E.keccak256(E.toUtf8Bytes(JSON.stringify(MODEL.layers)));
const release = (withCircuit: boolean) => ({
  contentHash: E.keccak256(E.toUtf8Bytes(JSON.stringify(MODEL))),
  weightsCommitment,
  verifier: withCircuit ? verifier : E.ZeroAddress,
  inputSize: MODEL.inputSize,
  outputSize: MODEL.layers.at(-1)!.weights.length,
  scaleBits: MODEL.scaleBits,
  levels: withCircuit ? levelMask(TrustLevel.VANILLA, TrustLevel.TEE, TrustLevel.ZK) : levelMask(TrustLevel.VANILLA, TrustLevel.TEE),
  royaltyBps: 1_000,
  deprecated: false,
  prices: [1n * TOKEN, 2n * TOKEN, 4n * TOKEN] as [bigint, bigint, bigint],
});
await (await pg.models.connect(modelOwner).registerModel("support-intent", packVersion(1, 0), { ...release(true), verifier: await verifier.getAddress() })).wait();
await (await pg.models.connect(modelOwner).registerModel("support-intent-lite", packVersion(1, 0), release(false))).wait();
console.log("registered: #1 support-intent v1.0 (VANILLA, TEE, ZK), #2 support-intent-lite v1.0 (VANILLA, TEE)");

// Nodes. Pools are per (model, level), so each misbehaving node is the only one in its pool and
// the draw lands on it deterministically.
const measurement = E.id("proofgrid-enclave-runtime-v1");
await (await pg.tee.approveMeasurement(measurement)).wait();
const plan: [string, Behaviour, number[], number][] = [
  ["honest-a", "honest", [1], levelMask(TrustLevel.TEE, TrustLevel.ZK)],
  ["honest-b", "honest", [1], levelMask(TrustLevel.TEE, TrustLevel.ZK)],
  ["honest-c", "honest", [2], levelMask(TrustLevel.VANILLA)],
  ["honest-d", "honest", [2], levelMask(TrustLevel.VANILLA)],
  ["lying", "lying", [1], levelMask(TrustLevel.VANILLA)],
  ["lazy", "lazy", [2], levelMask(TrustLevel.TEE)],
];
const demoNodes: DemoNode[] = [];
for (const [i, [name, behaviour, models, levels]] of plan.entries()) {
  const signer = signers[5 + i];
  await (await pg.token.mint(signer.address, 1_000n * TOKEN)).wait();
  await (await pg.token.connect(signer).approve(await pg.nodes.getAddress(), E.MaxUint256)).wait();
  await (await pg.nodes.connect(signer).join(1_000n * TOKEN, models, levels)).wait();
  const node: DemoNode = { name, signer, behaviour };
  if (levels & levelMask(TrustLevel.TEE)) {
    node.enclave = E.Wallet.createRandom();
    const attestation = await makeAttestation(root, attestationDomain(chainId, await pg.attestation.getAddress()), {
      measurement,
      enclaveKey: node.enclave.address,
      operator: signer.address,
      issuedAt: BigInt(await time.latest()),
    });
    await (await pg.tee.connect(signer).admitEnclave(attestation)).wait();
  }
  demoNodes.push(node);
}
await time.increase(Number(await pg.nodes.activationDelay()));
for (const n of demoNodes) await (await pg.nodes.connect(n.signer).activate()).wait();
console.log(`staked: ${demoNodes.map((n) => `${n.name} (${n.behaviour})`).join(", ")}; enclaves admitted by attestation\n`);

for (const s of [requester, watcher]) {
  await (await pg.token.mint(s.address, 1_000n * TOKEN)).wait();
  await (await pg.token.connect(s).approve(hubAddress, E.MaxUint256)).wait();
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  return receipt!.gasUsed;
}

const domain = hubDomain(chainId, hubAddress);
const rows: Row[] = [];
const fmt = (x: bigint) => E.formatUnits(x, 18).replace(/\.0$/, "");

async function run(ticket: string, modelId: number, level: TrustLevel) {
  const input = bagOfWords(ticket);
  const t0 = Date.now();
  const [, rel] = await pg.models.getRelease(modelId, 0);
  const fee = rel.prices[level];
  const deadline = BigInt(await time.latest()) + 600n;
  const tx = await pg.hub.connect(requester).request({ modelId, version: 0, level, fee, deadline, consumer: E.ZeroAddress, callbackGasLimit: 0, input });
  const receipt = (await tx.wait())!;
  const event = receipt.logs.map((l) => pg.hub.interface.parseLog(l)).find((l) => l?.name === "JobRequested")!;
  const jobId: bigint = event.args.jobId;
  const node = demoNodes.find((n) => n.signer.address === event.args.node)!;
  const gas: string[] = [`request ${receipt.gasUsed}`];
  const hub = pg.hub.connect(node.signer);
  const truth = evaluate(MODEL, input);
  let output = truth;
  let verification = "";
  let outcome = "";

  if (node.behaviour === "lazy") {
    await time.increaseTo(deadline);
    gas.push(`timeout ${await gasOf(pg.hub.connect(watcher).claimTimeout(jobId))}`);
    verification = "none: deadline missed";
    outcome = "refunded; node slashed";
  } else {
    if (node.behaviour === "lying") output = truth.map((v, i) => (i === 0 ? v + 10n * 256n : v));
    if (level === TrustLevel.ZK) {
      const proof = mockProof({ chainId, hub: hubAddress, jobId, prover: node.signer.address, weightsCommitment, input, output });
      gas.push(`submit ${await gasOf(hub.submitZkResult(jobId, input, output, proof))}`);
      verification = "proof (mock verifier)";
      outcome = "settled";
    } else if (level === TrustLevel.TEE) {
      const signature = await signResult(node.enclave!, domain, { jobId, node: node.signer.address, modelId, version: event.args.version, inputHash: hashValues(input), outputHash: hashValues(output) });
      gas.push(`submit ${await gasOf(hub.submitTeeResult(jobId, output, signature))}`);
      verification = "enclave signature";
      outcome = "settled";
    } else {
      gas.push(`submit ${await gasOf(hub.submitResult(jobId, output))}`);
      // The watcher re-executes the model and challenges a result that differs.
      const mine = evaluate(MODEL, input);
      if (hashValues(mine) !== hashValues(output)) {
        gas.push(`challenge ${await gasOf(pg.hub.connect(watcher).challenge(jobId))}`);
        const proof = mockProof({ chainId, hub: hubAddress, jobId, prover: watcher.address, weightsCommitment, input, output: mine });
        gas.push(`resolve ${await gasOf(pg.hub.connect(watcher).resolveWithProof(jobId, input, mine, proof))}`);
        verification = "challenged, proven wrong";
        outcome = "refunded; node slashed";
      } else {
        const job = await pg.hub.getJob(jobId);
        await time.increaseTo(job.deadline + 1n);
        gas.push(`finalize ${await gasOf(pg.hub.connect(watcher).finalize(jobId, output))}`);
        verification = "optimistic, unchallenged";
        outcome = "settled";
      }
    }
  }
  const settled = (await pg.hub.queryFilter(pg.hub.filters.JobSettled(jobId)))[0];
  rows.push({
    job: `#${jobId}`,
    level: TRUST_NAMES[level],
    node: node.name,
    intent: MODEL.labels![argmax(output)] + (output === truth ? "" : ` (wrong; true: ${MODEL.labels![argmax(truth)]})`),
    verification,
    outcome,
    latency: `${Date.now() - t0} ms`,
    gas: gas.join(", "),
    split: settled ? `node ${fmt(settled.args.nodeAmount)} / owner ${fmt(settled.args.royalty)} / protocol ${fmt(settled.args.protocolFee)}` : "-",
  });
}

await run("I was charged twice on my invoice", 1, TrustLevel.ZK);
await run("Where is my package? The tracking page is empty", 1, TrustLevel.TEE);
await run("I want a refund and to return the shoes", 2, TrustLevel.VANILLA);
await run("Forgot my password, cannot login", 1, TrustLevel.VANILLA); // lands on the lying node
await run("Refund please, the package never came", 2, TrustLevel.TEE); // lands on the lazy node

function table(data: Row[]) {
  const keys = Object.keys(data[0]) as (keyof Row)[];
  const widths = keys.map((k) => Math.max(k.length, ...data.map((r) => r[k].length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => c.padEnd(widths[i])).join(" | ") + " |";
  console.log(line(keys));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const r of data) console.log(line(keys.map((k) => r[k])));
}
table(rows);

console.log("\nslashes and refunds:");
for (const e of await pg.hub.queryFilter(pg.hub.filters.NodePenalized())) {
  const n = demoNodes.find((d) => d.signer.address === e.args.node)!;
  console.log(`  job #${e.args.jobId}: ${n.name} slashed ${fmt(e.args.slashed)} PGT (${["timeout", "fraud", "undecided"][Number(e.args.reason)]})`);
}
for (const e of await pg.hub.queryFilter(pg.hub.filters.JobRefunded())) {
  console.log(`  job #${e.args.jobId}: requester refunded ${fmt(e.args.fee)} PGT`);
}
const owed = await pg.token.balanceOf(hubAddress);
console.log(`\nbalances withdrawable: requester ${fmt(await pg.hub.balanceOf(requester.address))}, watcher ${fmt(await pg.hub.balanceOf(watcher.address))}, treasury ${fmt(await pg.hub.balanceOf(treasury.address))} PGT; hub holds ${fmt(owed)} PGT`);
console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
