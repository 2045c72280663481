/**
 * The proofgrid SDK: one call from an input to a settled, checked result.
 *
 *   const client = await ProofgridClient.connect({ signer, deployment, models: [artifacts] });
 *   const r = await client.infer("support-intents", [0, 1, ...], { trust: "zk" });
 *   r.label; r.verification; r.gas; r.fee;
 *
 * `infer` approves and escrows the fee, waits for the job to end, checks the result itself (the
 * Groth16 proof with snarkjs, the enclave's signature against the TEE registry, or re-execution
 * for VANILLA) and returns a typed result; a refunded job throws JobRefundedError, a contract
 * revert a ContractRevertError naming the custom error.
 */
import { AbiCoder, ContractFactory, formatUnits, MaxUint256, verifyTypedData, ZeroAddress, type Signer } from "ethers";
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as snarkjs from "snarkjs";
import { attachProofgrid, type DeploymentFile, type Proofgrid } from "../../deploy/proofgrid.js";
import { InferenceInputError, ProofgridError } from "../errors.js";
import { evaluate, quantizeInput, toReal, checkInput, encodingMax } from "../engine/fixed.js";
import { publicSignalsOf, type ModelArtifacts } from "../pipeline/prove.js";
import { hashValues, hubDomain, JobStatus, levelMask, packVersion, REFUND_REASONS, releaseKey, RESULT_TYPES, TRUST_NAMES, TrustLevel, unpackVersion } from "../protocol/index.js";
import { JobRefundedError, JobTimeoutError, typed, VerificationError } from "./errors.js";

export type TrustName = "vanilla" | "tee" | "zk";

export interface ClientOptions {
  signer: Signer;
  /** A deployments/<chainId>.json, or contracts already attached. */
  deployment: DeploymentFile | Proofgrid;
  /** Built models the client can quantize inputs for, label outputs of and verify proofs with. */
  models?: ModelArtifacts[];
  /** Poll interval while waiting for a job (default 250 ms). */
  pollMs?: number;
  /**
   * On networks that allow it (the in-process network, `hardhat node`, anvil): move time forward
   * past a challenge window or a missed deadline instead of waiting for it.
   */
  advanceTime?: boolean;
}

export interface InferOptions {
  trust: TrustName | TrustLevel;
  /** Release version (0 = latest). */
  version?: number;
  /** Added to the model's price. */
  tip?: bigint;
  /**
   * The most this request may cost (price + callback gas + tip), in token units: a higher fee is
   * refused before anything is sent (FeeLimitError). Only the fee is ever approved, never more.
   */
  maxFee?: bigint;
  /** Seconds until the node's deadline (default 600). */
  deadlineSeconds?: number;
  /** A contract implementing IInferenceConsumer, called with the output on settlement. */
  consumer?: string;
  callbackGasLimit?: number;
  /** Give up waiting after this long (default 10 minutes). */
  timeoutMs?: number;
  /** With advanceTime: how long to wait for the node before moving to its deadline (default 10 s). */
  patienceMs?: number;
  /** With advanceTime: how long watchers get to challenge a VANILLA result before the window is skipped (default 2 s). */
  challengeGraceMs?: number;
}

export interface Verification {
  /** What was checked: "none" when nothing could be (no artifacts of the job's release). */
  method: "groth16" | "enclave-signature" | "re-execution" | "none";
  /** True only when something was checked and it held; false when unchecked or when it failed. */
  ok: boolean;
  /** Whether the client checked anything at all. */
  checked: boolean;
  detail: string;
}

export interface InferenceResult {
  jobId: bigint;
  modelId: number;
  version: number;
  trust: TrustName;
  node: string;
  /** The output as the contracts hold it (fixed-point integers, or a class index after an argmax). */
  output: bigint[];
  /** The output in real units (integers / 2^S); a class index stays an index. */
  values: number[];
  /** The class label, for models that end in argmax and have labels. */
  label?: string;
  settled: true;
  verification: Verification;
  txs: Record<string, string>;
  gas: Record<string, bigint>;
  fee: { paid: bigint; node: bigint; owner: bigint; protocol: bigint };
  latencyMs: number;
}

export interface JobInfo {
  jobId: bigint;
  status: keyof typeof JobStatus;
  trust: TrustName;
  modelId: number;
  version: number;
  node: string;
  requester: string;
  fee: bigint;
  deadline: bigint;
  output?: bigint[];
}

export interface RegisterOptions {
  name?: string;
  version?: [number, number];
  levels: TrustLevel[];
  /** Price per level [VANILLA, TEE, ZK] in token units. */
  prices: [bigint, bigint, bigint];
  royaltyBps?: number;
}

/**
 * The registry's release record of a built model: its hashes, shape, scale and the input range its
 * circuit accepts (from the build), with the given verifier, levels, prices and royalty.
 */
export function releaseOf(artifacts: ModelArtifacts, options: Pick<RegisterOptions, "levels" | "prices" | "royaltyBps"> & { verifier: string }) {
  return {
    contentHash: artifacts.manifest.model.hash,
    weightsCommitment: artifacts.manifest.quantized.weightsCommitment,
    verifier: options.verifier,
    inputSize: artifacts.model.input.size,
    outputSize: artifacts.model.output.size,
    scaleBits: artifacts.model.scaleBits,
    inputMin: artifacts.model.input.lo,
    inputMax: encodingMax(artifacts.model.input),
    levels: levelMask(...options.levels),
    royaltyBps: options.royaltyBps ?? 1_000,
    deprecated: false,
    prices: options.prices,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const toLevel = (t: TrustName | TrustLevel): TrustLevel => {
  if (typeof t === "number") return t;
  const level = { vanilla: TrustLevel.VANILLA, tee: TrustLevel.TEE, zk: TrustLevel.ZK }[t];
  if (level === undefined) throw new InferenceInputError(`trust level ${String(t)} is not one of vanilla, tee, zk`);
  return level;
};

/** Deploys a built model's IProofVerifier adapter (bytecode from the build directory). */
export async function deployVerifier(artifacts: ModelArtifacts, signer: Signer): Promise<string> {
  const compiled = JSON.parse(await readFile(path.resolve(artifacts.dir, artifacts.manifest.deployable.file), "utf8")) as { abi: []; bytecode: string };
  const contract = await new ContractFactory(compiled.abi, compiled.bytecode, signer).deploy();
  await contract.waitForDeployment();
  return contract.getAddress();
}

/** A request would cost more than the caller's maxFee. */
export class FeeLimitError extends ProofgridError {
  override name = "FeeLimitError";
}

export class ProofgridClient {
  readonly contracts: Proofgrid;
  readonly #models = new Map<number, ModelArtifacts>();
  readonly #pending: ModelArtifacts[];

  private constructor(private readonly options: ClientOptions) {
    this.contracts = "hub" in options.deployment && typeof options.deployment.hub !== "string"
      ? (options.deployment as Proofgrid)
      : attachProofgrid(options.deployment as DeploymentFile, options.signer);
    this.#pending = [...(options.models ?? [])];
  }

  static async connect(options: ClientOptions): Promise<ProofgridClient> {
    return new ProofgridClient(options);
  }

  get signer(): Signer {
    return this.options.signer;
  }

  /** Makes a built model known to the client (matched to registry ids by weights commitment). */
  addModel(artifacts: ModelArtifacts, modelId?: number): void {
    if (modelId !== undefined) this.#models.set(modelId, artifacts);
    else this.#pending.push(artifacts);
  }

  /** The registry id of a model given by id or name; also binds any known artifacts to it. */
  async resolveModel(model: number | string): Promise<{ modelId: number; artifacts?: ModelArtifacts }> {
    const { models } = this.contracts;
    let modelId: number | undefined = typeof model === "number" ? model : /^\d+$/.test(model) ? Number(model) : undefined;
    if (modelId === undefined) {
      // A name belongs to its first registrant (the registry refuses it to anyone else).
      modelId = Number(await models.modelIdOf(model as string));
      if (modelId === 0) throw new InferenceInputError(`no model named ${model} in the registry`);
    }
    if (!this.#models.has(modelId) && this.#pending.length > 0) {
      const [, release] = await typed(`getRelease(${modelId})`, () => models.getRelease(modelId!, 0));
      const match = this.#pending.find((a) => a.manifest.quantized.weightsCommitment === release.weightsCommitment);
      if (match) this.#models.set(modelId, match);
    }
    return { modelId, artifacts: this.#models.get(modelId) };
  }

  /** Registers a built model; for ZK, deploys its verifier adapter first. Returns the model id. */
  async registerModel(artifacts: ModelArtifacts, options: RegisterOptions): Promise<number> {
    const { models } = this.contracts;
    const zk = options.levels.includes(TrustLevel.ZK);
    const verifier = zk ? await deployVerifier(artifacts, this.signer) : ZeroAddress;
    const [major, minor] = options.version ?? [1, 0];
    const release = releaseOf(artifacts, { ...options, verifier });
    const receipt = await typed("registerModel", async () => (await (await models.registerModel(options.name ?? artifacts.model.name, packVersion(major, minor), release)).wait())!);
    const event = receipt.logs.map((l) => models.interface.parseLog(l)).find((l) => l?.name === "ModelRegistered");
    const modelId = Number(event!.args.modelId);
    this.#models.set(modelId, artifacts);
    return modelId;
  }

  /** Joins the node registry with `stake` for `models` at `levels` (activate after the delay). */
  async joinAsNode(stake: bigint, releases: { modelId: number; version: number }[], levels: TrustLevel[]): Promise<void> {
    const { nodes, token } = this.contracts;
    const me = await this.signer.getAddress();
    if ((await token.allowance(me, await nodes.getAddress())) < stake) await (await token.approve(await nodes.getAddress(), stake)).wait();
    const keys = releases.map((r) => releaseKey(r.modelId, r.version));
    await typed("join", async () => (await nodes.join(stake, keys, levelMask(...levels))).wait());
  }

  /** The job's state as the hub holds it. */
  async status(jobId: bigint | number): Promise<JobInfo> {
    const { hub } = this.contracts;
    const job = await typed(`getJob(${jobId})`, () => hub.getJob(jobId));
    if (Number(job.status) === JobStatus.None) throw new InferenceInputError(`job ${jobId} does not exist`);
    const submitted = (await hub.queryFilter(hub.filters.ResultSubmitted(jobId)))[0];
    return {
      jobId: BigInt(jobId),
      status: JobStatus[Number(job.status)] as keyof typeof JobStatus,
      trust: TRUST_NAMES[Number(job.level) as TrustLevel],
      modelId: Number(job.modelId),
      version: Number(job.version),
      node: job.node,
      requester: job.requester,
      fee: job.fee,
      deadline: job.deadline,
      ...(submitted ? { output: [...submitted.args.output] } : {}),
    };
  }

  /** The next time that decides a committee dispute's progress (end of the commit or reveal window, or of the draw window). */
  private async nextDisputeDeadline(jobId: bigint): Promise<bigint | undefined> {
    const [d] = await this.contracts.court.getDispute(jobId);
    if (d.resolved) return undefined;
    if (d.commitBy === 0n) return d.drawBy;
    const now = await this.now();
    return now <= d.commitBy && d.committed < d.seats ? d.commitBy : d.revealBy;
  }

  private async advance(seconds: bigint): Promise<void> {
    const provider = this.signer.provider as unknown as { send(method: string, params: unknown[]): Promise<unknown> };
    await provider.send("evm_increaseTime", [Number(seconds)]);
    await provider.send("evm_mine", []);
  }

  private async now(): Promise<bigint> {
    return BigInt((await this.signer.provider!.getBlock("latest"))!.timestamp);
  }

  /**
   * Requests an inference and returns the settled, checked result. `input` holds real numbers (the
   * client quantizes them with the model's scale) or fixed-point bigints.
   */
  async infer(model: number | string, input: readonly number[] | readonly bigint[], options: InferOptions): Promise<InferenceResult> {
    const started = Date.now();
    const level = toLevel(options.trust);
    const { hub, models, token } = this.contracts;
    const { modelId, artifacts } = await this.resolveModel(model);
    const [version, release] = await typed(`getRelease(${modelId})`, () => models.getRelease(modelId, options.version ?? 0));
    if (input.length !== Number(release.inputSize)) {
      throw new InferenceInputError(`input has ${input.length} values, model ${model} takes ${release.inputSize}`);
    }
    let fixed: bigint[];
    if (input.every((x) => typeof x === "bigint")) fixed = [...(input as bigint[])];
    else if (artifacts) fixed = quantizeInput(artifacts.model, input as number[]);
    else fixed = (input as number[]).map((x) => BigInt(Math.round(x * 2 ** Number(release.scaleBits))));
    if (artifacts) checkInput(artifacts.model, fixed);

    const me = await this.signer.getAddress();
    const callbackGas = BigInt(options.callbackGasLimit ?? 0);
    const callbackPrice = callbackGas === 0n ? 0n : (await hub.parameters()).callbackGasPrice;
    const fee = release.prices[level] + callbackGas * callbackPrice + (options.tip ?? 0n);
    if (options.maxFee !== undefined && fee > options.maxFee) {
      throw new FeeLimitError(`model #${modelId} release ${unpackVersion(version)} costs ${formatUnits(fee)} at ${TRUST_NAMES[level]}, above the maxFee of ${formatUnits(options.maxFee)}`);
    }
    const txs: Record<string, string> = {};
    const gas: Record<string, bigint> = {};
    const allowance = await token.allowance(me, await hub.getAddress());
    if (allowance < fee) {
      // Exactly the fee: an allowance is never left for a later request to spend.
      const r = (await (await token.approve(await hub.getAddress(), fee)).wait())!;
      txs.approve = r.hash;
      gas.approve = r.gasUsed;
    }
    const deadline = (await this.now()) + BigInt(options.deadlineSeconds ?? 600);
    const receipt = await typed("request", async () =>
      (await (
        await hub.request({
          modelId,
          version,
          level,
          fee,
          deadline,
          consumer: options.consumer ?? ZeroAddress,
          callbackGasLimit: options.callbackGasLimit ?? 0,
          input: fixed,
        })
      ).wait())!,
    ).catch(async (error: unknown) => {
      // A refused request leaves no approval behind.
      if (txs.approve) await (await token.approve(await hub.getAddress(), allowance)).wait().catch(() => undefined);
      throw error;
    });
    txs.request = receipt.hash;
    gas.request = receipt.gasUsed;
    const requested = receipt.logs.map((l) => hub.interface.parseLog(l)).find((l) => l?.name === "JobRequested")!;
    return this.waitFor(requested.args.jobId as bigint, { ...options, started, txs, gas });
  }

  /**
   * Waits for a requested job (by this client or anyone, e.g. a consumer contract) to end, checks
   * its result and returns it; throws JobRefundedError for a refunded job.
   */
  async waitFor(
    jobId: bigint,
    options: Omit<InferOptions, "trust" | "tip" | "deadlineSeconds" | "consumer" | "callbackGasLimit" | "version"> & {
      started?: number;
      txs?: Record<string, string>;
      gas?: Record<string, bigint>;
    } = {},
  ): Promise<InferenceResult> {
    const started = options.started ?? Date.now();
    const txs = options.txs ?? {};
    const gas = options.gas ?? {};
    const { hub } = this.contracts;
    const requested = (await hub.queryFilter(hub.filters.JobRequested(jobId)))[0];
    if (!requested) throw new InferenceInputError(`job ${jobId} does not exist`);
    if (!txs.request) {
      const r = await requested.getTransactionReceipt();
      txs.request = r.hash;
      gas.request = r.gasUsed;
    }
    const node: string = requested.args.node;
    const level = Number(requested.args.level) as TrustLevel;
    const modelId = Number(requested.args.modelId);
    const version = requested.args.version;
    const fixed = [...requested.args.input];
    // Artifacts count only when they are the job's own release (same weights): another release's
    // would call a right result wrong, or check nothing while claiming to.
    const known = (await this.resolveModel(modelId)).artifacts;
    const [, jobRelease] = await this.contracts.models.getRelease(modelId, requested.args.version);
    const artifacts = known && known.manifest.quantized.weightsCommitment === jobRelease.weightsCommitment ? known : undefined;
    const fee: bigint = requested.args.fee;

    // Wait for the job to end; on a local network, move time where waiting would only be slow.
    const pollMs = this.options.pollMs ?? 250;
    const giveUp = started + (options.timeoutMs ?? 600_000);
    const patience = started + (options.patienceMs ?? 10_000);
    for (;;) {
      const job = await hub.getJob(jobId);
      const status = Number(job.status);
      if (status === JobStatus.Settled || status === JobStatus.Refunded) break;
      const now = await this.now();
      if (status === JobStatus.Submitted && now > job.deadline) {
        const r = await typed("finalize", async () => (await (await hub.finalize(jobId, (await this.status(jobId)).output!)).wait())!).catch(() => undefined);
        if (r) {
          txs.finalize = r.hash;
          gas.finalize = r.gasUsed;
        }
        continue;
      }
      if (status === JobStatus.Requested && now > job.deadline) {
        const r = await typed("claimTimeout", async () => (await (await hub.claimTimeout(jobId)).wait())!).catch(() => undefined);
        if (r) {
          txs.claimTimeout = r.hash;
          gas.claimTimeout = r.gasUsed;
        }
        continue;
      }
      if (this.options.advanceTime) {
        if (status === JobStatus.Challenged) {
          // A committee dispute: the nodes and watchers draw, vote and resolve; move time to the
          // next step that only time can reach once they had a moment to act.
          await sleep(Math.max(pollMs, 500));
          const next = await this.nextDisputeDeadline(jobId);
          if (next !== undefined && Number((await hub.getJob(jobId)).status) === JobStatus.Challenged && now <= next) await this.advance(next - now + 1n);
          continue;
        }
        if (status === JobStatus.Submitted) {
          // Give watchers some real time to challenge, then skip the rest of the window.
          const graceEnd = Date.now() + (options.challengeGraceMs ?? 2_000);
          while (Date.now() < graceEnd && Number((await hub.getJob(jobId)).status) === JobStatus.Submitted) await sleep(pollMs);
          if (Number((await hub.getJob(jobId)).status) === JobStatus.Submitted) await this.advance(job.deadline - now + 1n);
          continue;
        }
        if (status === JobStatus.Requested && Date.now() > patience) {
          await this.advance(job.deadline - now + 1n);
          continue;
        }
      }
      if (Date.now() > giveUp) throw new JobTimeoutError(`job ${jobId} did not end within ${options.timeoutMs ?? 600_000} ms (status ${JobStatus[status]})`);
      await sleep(pollMs);
    }

    const refunded = (await hub.queryFilter(hub.filters.JobRefunded(jobId)))[0];
    if (refunded) throw new JobRefundedError(jobId, REFUND_REASONS[Number(refunded.args.reason)], refunded.args.fee);
    const settled = (await hub.queryFilter(hub.filters.JobSettled(jobId)))[0];
    const submitted = (await hub.queryFilter(hub.filters.ResultSubmitted(jobId)))[0];
    const output = [...submitted.args.output];
    if (hashValues(output) !== settled.args.outputHash) throw new VerificationError(`job ${jobId}: the settled output hash differs from the submitted output`);
    const submitReceipt = await submitted.getTransactionReceipt();
    txs.submit = submitReceipt.hash;
    gas.submit = submitReceipt.gasUsed;
    const verification = await this.verify(jobId, level, node, modelId, version, fixed, output, submitted.transactionHash, artifacts);
    if (verification.checked && !verification.ok) throw new VerificationError(`job ${jobId}: ${verification.detail}`);

    const classes = artifacts?.model.layers.at(-1)?.type === "argmax";
    const values = output.map((v) => (classes || !artifacts ? Number(v) : toReal(artifacts.model, v)));
    const label = classes && artifacts?.model.labels ? artifacts.model.labels[Number(output[0])] : undefined;
    return {
      jobId,
      modelId,
      version: Number(version),
      trust: TRUST_NAMES[level],
      node,
      output,
      values,
      ...(label ? { label } : {}),
      settled: true,
      verification,
      txs,
      gas,
      fee: { paid: fee, node: settled.args.nodeAmount, owner: settled.args.royalty, protocol: settled.args.protocolFee },
      latencyMs: Date.now() - started,
    };
  }

  /** The client's own check of a settled result. */
  private async verify(
    jobId: bigint,
    level: TrustLevel,
    node: string,
    modelId: number,
    version: bigint,
    input: bigint[],
    output: bigint[],
    txHash: string,
    artifacts?: ModelArtifacts,
  ): Promise<Verification> {
    const { hub, tee } = this.contracts;
    const provider = this.signer.provider!;
    const tx = await provider.getTransaction(txHash);
    const call = hub.interface.parseTransaction({ data: tx!.data });
    const { chainId } = await provider.getNetwork();
    const hubAddress = await hub.getAddress();
    if (level === TrustLevel.ZK) {
      if (!artifacts) return { method: "none", ok: false, checked: false, detail: "unchecked by this client: settled by the hub's verifier, no local artifacts of this release to re-check the proof" };
      const [a, b, c] = AbiCoder.defaultAbiCoder().decode(["uint256[2]", "uint256[2][2]", "uint256[2]"], call!.args.proof as string);
      const proof: snarkjs.Groth16Proof = {
        pi_a: [a[0].toString(), a[1].toString(), "1"],
        pi_b: [
          [b[0][1].toString(), b[0][0].toString()],
          [b[1][1].toString(), b[1][0].toString()],
          ["1", "0"],
        ],
        pi_c: [c[0].toString(), c[1].toString(), "1"],
        protocol: "groth16",
        curve: "bn128",
      };
      const signals = publicSignalsOf(artifacts, input, output, { chainId, hub: hubAddress, jobId, prover: node });
      const ok = await snarkjs.groth16.verify(artifacts.vkey, signals.map(String), proof);
      return { method: "groth16", ok, checked: true, detail: ok ? `Groth16 proof checked with snarkjs (${signals.length} public signals)` : "the Groth16 proof does not verify" };
    }
    if (level === TrustLevel.TEE) {
      // The release's weights, as the hub filled them; the enclave's validity at the settling block.
      const [, release] = await this.contracts.models.getRelease(modelId, version);
      const enclave = verifyTypedData(hubDomain(chainId, hubAddress), RESULT_TYPES, {
        jobId,
        node,
        modelId,
        version,
        weightsCommitment: release.weightsCommitment,
        inputHash: hashValues(input),
        outputHash: hashValues(output),
      }, call!.args.signature as string);
      const receipt = await provider.getTransactionReceipt(txHash);
      const valid = await tee.isEnclaveValid(enclave, node, modelId, { blockTag: receipt!.blockNumber });
      if (!valid) return { method: "enclave-signature", ok: false, checked: true, detail: `signer ${enclave} was not a valid enclave of ${node} for model #${modelId} when the job settled` };
      // Where the client has the release's artifacts, it also re-executes what the enclave signed.
      if (artifacts) {
        const mine = evaluate(artifacts.model, input).output;
        if (hashValues(mine) !== hashValues(output)) return { method: "enclave-signature", ok: false, checked: true, detail: `signed by enclave ${enclave}, but re-execution gives [${mine.join(", ")}]` };
      }
      return { method: "enclave-signature", ok: true, checked: true, detail: `signed by enclave ${enclave}, attested for node ${node} when the job settled${artifacts ? "; re-executed locally: equal" : ""}` };
    }
    if (!artifacts) return { method: "none", ok: false, checked: false, detail: "unchecked: optimistic and unchallenged through the window; no local artifacts of this release to re-execute" };
    const mine = evaluate(artifacts.model, input).output;
    const ok = hashValues(mine) === hashValues(output);
    return { method: "re-execution", ok, checked: true, detail: ok ? "optimistic, unchallenged; re-executed locally: equal" : `re-execution gives [${mine.join(", ")}]` };
  }
}

