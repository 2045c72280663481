/**
 * The shared test fixture: the real deploy module, two models, a set of staked nodes (some with
 * admitted enclaves) and funded requesters. Tests load it with networkHelpers.loadFixture.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { ethers as E } from "ethers";
import { network } from "hardhat";
import { DEFAULT_HUB, deployProofgrid, TOKEN, type DeployOptions, type Proofgrid } from "../../deploy/proofgrid.js";
import {
  attestationDomain,
  hubDomain,
  levelMask,
  makeAttestation,
  packVersion,
  releaseKey,
  teeDomain,
  TrustLevel,
} from "../../src/protocol/index.js";
import { mockProof } from "./mockProof.js";
import { MockProofVerifier__factory } from "../../types/contracts/index.js";
import type { IModelRegistry } from "../../src/chain/types/registry/ModelRegistry.js";

export const conn = await network.create();
export const { ethers, networkHelpers } = conn;
export const { time } = networkHelpers;

export const V1 = packVersion(1, 0);
export const MEASUREMENT = E.id("proofgrid-enclave-v1");
export const PRICES: [bigint, bigint, bigint] = [2n * TOKEN, 3n * TOKEN, 5n * TOKEN];
export const INPUT_SIZE = 4;
/** The fixture releases' weights commitment (TEE results sign it). */
export const WEIGHTS = E.id("weights");
export const OUTPUT_SIZE = 3;

export function release(overrides: Partial<IModelRegistry.ReleaseStruct> = {}): IModelRegistry.ReleaseStruct {
  return {
    contentHash: E.id("model-file"),
    weightsCommitment: E.id("weights"),
    verifier: E.ZeroAddress,
    inputSize: INPUT_SIZE,
    outputSize: OUTPUT_SIZE,
    scaleBits: 8,
    levels: levelMask(TrustLevel.VANILLA, TrustLevel.TEE),
    royaltyBps: 1_000,
    deprecated: false,
    ceremony: 0,
    prices: PRICES,
    inputMin: -1_000n,
    inputMax: 1_000n,
    ...overrides,
  };
}

export const INPUT = [256n, -128n, 0n, 512n];
export const OUTPUT = [10n, -3n, 700n];
export const WRONG_OUTPUT = [10n, -3n, 701n];

/** Deploys everything and returns the actors (loadFixture's fixture: takes no options). */
export async function deployFixture() {
  return deployWith({});
}

/** The hub's parameters as a plain object (to modify and send back). */
export async function hubParameters(f: { hub: { parameters(): Promise<unknown> } }) {
  return ((await f.hub.parameters()) as E.Result).toObject() as Awaited<ReturnType<Fixture["hub"]["parameters"]>>;
}

/** Deploys everything with `options` and returns the actors. */
export async function deployWith(options: Partial<DeployOptions>) {
  const signers = await ethers.getSigners();
  const [deployer, modelOwner, requester, challenger, treasury, root, stranger] = signers;
  const nodeSigners = signers.slice(7, 13);
  const pg = await deployProofgrid(deployer, {
    attestationRoot: root.address,
    treasury: treasury.address,
    ...options,
  });
  const verifier = await (await new MockProofVerifier__factory(deployer).deploy()).waitForDeployment();

  // Model 1: every level, with a (mock) proof verifier. Model 2: VANILLA and TEE, no verifier.
  await pg.models.connect(modelOwner).registerModel(
    "intent-classifier",
    V1,
    release({ verifier: await verifier.getAddress(), levels: levelMask(TrustLevel.VANILLA, TrustLevel.TEE, TrustLevel.ZK) }),
  );
  await pg.models.connect(modelOwner).registerModel("credit-score", V1, release());
  // Model 1's ZK jobs need its soundness bond.
  await bondRelease({ ...pg, modelOwner }, 1);

  for (const s of [requester, challenger, stranger, ...nodeSigners]) {
    await pg.token.mint(s.address, 10_000n * TOKEN);
    await pg.token.connect(s).approve(await pg.hub.getAddress(), E.MaxUint256);
    await pg.token.connect(s).approve(await pg.nodes.getAddress(), E.MaxUint256);
  }
  const { chainId } = await ethers.provider.getNetwork();
  const hubAddress = await pg.hub.getAddress();
  const courtAddress = await pg.court.getAddress();
  return {
    ...pg,
    verifier,
    deployer,
    modelOwner,
    requester,
    challenger,
    treasury,
    root,
    stranger,
    nodeSigners,
    chainId,
    hubAddress,
    courtAddress,
    domain: hubDomain(chainId, hubAddress),
  };
}

export type Fixture = Awaited<ReturnType<typeof deployFixture>>;

/** Joins `signer` with `stake` serving `models` at `levels`, and activates it. */
export async function joinNode(f: Fixture, signer: HardhatEthersSigner, stake = 1_000n * TOKEN, models = [1, 2], levels = levelMask(TrustLevel.VANILLA, TrustLevel.TEE, TrustLevel.ZK)) {
  await f.nodes.connect(signer).join(stake, models.map((m) => releaseKey(m, V1)), levels);
  await time.increase(Number(await f.nodes.activationDelay()));
  await f.nodes.connect(signer).activate();
}

/** Requests jobs until one is drawn to `node` (draws are random by stake); returns it. */
export async function requestJobOf(f: Fixture, node: { address: string }, level: TrustLevel, overrides: Record<string, unknown> = {}) {
  for (let i = 0; i < 60; i++) {
    const job = await requestJob(f, level, overrides);
    if (job.node === node.address) return job;
  }
  throw new Error(`no job drawn to ${node.address} in 60 requests`);
}

/**
 * A request by a test consumer contract for itself (a consumer is called back only for its own
 * requests): mints the fee to it and has it request; returns the job id and its node.
 */
export async function requestViaConsumer(
  f: Fixture,
  consumer: { getAddress(): Promise<string>; requestFromHub(hub: string, token: string, p: Awaited<ReturnType<typeof requestParams>>): Promise<E.ContractTransactionResponse> },
  level: TrustLevel,
  overrides: Record<string, unknown> = {},
) {
  const address = await consumer.getAddress();
  const p = await requestParams(level, { consumer: address, ...overrides });
  await f.token.mint(address, p.fee);
  const receipt = (await (await consumer.requestFromHub(f.hubAddress, await f.token.getAddress(), p)).wait())!;
  const log = receipt.logs.map((l) => f.hub.interface.parseLog(l)).find((l) => l?.name === "JobRequested")!;
  return { jobId: log.args.jobId as bigint, node: log.args.node as string };
}

/** Admits a fresh enclave key for `operator` and returns it. */
export async function admitEnclave(f: Fixture, operator: HardhatEthersSigner, measurement = MEASUREMENT) {
  const enclave = E.Wallet.createRandom();
  if (!(await f.tee.isMeasurementApproved(measurement))) await f.tee.approveMeasurement(measurement);
  const attestation = await makeAttestation(f.root, attestationDomain(f.chainId, await f.attestation.getAddress()), {
    measurement,
    enclaveKey: enclave.address,
    operator: operator.address,
    issuedAt: BigInt(await time.latest()),
  });
  await f.tee.connect(operator).admitEnclave(attestation);
  return enclave;
}

/** The fixture with one node staked for every level of both models, with an enclave. */
export async function oneNodeFixture() {
  const f = await deployFixture();
  const node = f.nodeSigners[0];
  await joinNode(f, node);
  const enclave = await admitEnclave(f, node);
  return { ...f, node, enclave };
}

/** Five nodes staked for every level of both models (the first with an enclave). */
export async function fiveNodeFixture() {
  const f = await oneNodeFixture();
  for (const s of f.nodeSigners.slice(1, 5)) await joinNode(f, s);
  return f;
}

/** The fixture's signer of a node address. */
export function signerOf(f: Fixture, address: string) {
  const s = f.nodeSigners.find((n) => n.address === address);
  if (!s) throw new Error(`no signer for ${address}`);
  return s;
}

export async function deadlineIn(seconds: number) {
  return BigInt((await time.latest()) + seconds);
}

/** Builds request parameters with sensible defaults. */
export async function requestParams(level: TrustLevel, overrides: Record<string, unknown> = {}) {
  return {
    modelId: 1,
    version: 0,
    level,
    // The price plus the callback's gas at the default callback gas price.
    fee: PRICES[level] + BigInt((overrides.callbackGasLimit as number | undefined) ?? 0) * DEFAULT_HUB.callbackGasPrice,
    deadline: await deadlineIn(3_600),
    consumer: E.ZeroAddress,
    callbackGasLimit: 0,
    input: INPUT,
    ...overrides,
  };
}

/** Sends a request and returns the job id from the JobRequested event. */
export async function requestJob(f: Fixture, level: TrustLevel, overrides: Record<string, unknown> = {}, from = f.requester) {
  const tx = await f.hub.connect(from).request(await requestParams(level, overrides));
  const receipt = await tx.wait();
  for (const log of receipt!.logs) {
    const parsed = f.hub.interface.parseLog(log);
    if (parsed?.name === "JobRequested") return { jobId: parsed.args.jobId as bigint, node: parsed.args.node as string, receipt: receipt! };
  }
  throw new Error("no JobRequested event");
}

/** Mints the minimum soundness bond to the model owner and posts it for a ZK release. */
export async function bondRelease(
  f: { token: Proofgrid["token"]; bonds: Proofgrid["bonds"]; modelOwner: HardhatEthersSigner },
  modelId: number | bigint,
  version: number = V1,
) {
  const minBond = await f.bonds.minBond();
  await f.token.mint(f.modelOwner.address, minBond);
  await f.token.connect(f.modelOwner).approve(await f.bonds.getAddress(), minBond);
  await f.bonds.connect(f.modelOwner).postBond(modelId, version, minBond);
}

export function proofFor(f: Fixture, jobId: bigint, prover: string, output = OUTPUT, input = INPUT, boundTo = f.hubAddress) {
  return mockProof({ chainId: f.chainId, hub: boundTo, jobId, prover, weightsCommitment: E.id("weights"), input, output });
}

/** A (mock) fraud proof for the court: bound to the court, which calls the verifier. */
export function claimFor(f: Fixture, jobId: bigint, prover: string, output = OUTPUT, input = INPUT) {
  return proofFor(f, jobId, prover, output, input, f.courtAddress);
}

/** Sum of what the hub owes: escrows of open jobs, bonds of open challenges, balances. */
export async function hubLiabilities(f: Fixture, accounts: string[]) {
  let owed = 0n;
  const count = await f.hub.jobCount();
  for (let id = 1n; id <= count; id++) {
    const job = await f.hub.getJob(id);
    const status = Number(job.status);
    if (status >= 1 && status <= 3) owed += job.fee;
    if (status === 3) owed += (await f.hub.termsOf(id)).challengeBond;
  }
  for (const a of new Set(accounts)) owed += await f.hub.balanceOf(a);
  return owed;
}

/** Checks that the hub holds exactly what it owes (to the fixture's actors and `extra`) and that the court holds nothing. */
export async function expectHubSolvent(f: Fixture, extra: string[] = []) {
  const accounts = [f.requester, f.challenger, f.treasury, f.modelOwner, f.stranger, f.deployer, ...f.nodeSigners].map((s) => s.address);
  expect(await f.token.balanceOf(f.hubAddress), "the hub holds exactly what it owes").to.equal(await hubLiabilities(f, [...accounts, ...extra]));
  expect(await f.token.balanceOf(await f.court.getAddress()), "the court holds nothing").to.equal(0n);
}

/** Node runtimes in tests serve the keys this machine's builds made (single-party development keys). */
export const DEV_KEYS = { developmentKeys: true } as const;
