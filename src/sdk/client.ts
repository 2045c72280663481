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
 * revert a ContractRevertError naming the custom error. The work is done by ./actions; the client
 * holds the connection and the built models it knows.
 */
import type { Signer } from "ethers";
import { attachProofgrid, checkDeployed, reconnect, type DeploymentFile, type Proofgrid } from "../chain/contracts.js";
import { ProofgridError } from "../errors.js";
import { typed } from "../chain/errors.js";
import { readJobRequest } from "../chain/jobs.js";
import { modelIdByName } from "../chain/models.js";
import { joinNode } from "../chain/nodes.js";
import { toReal } from "../engine/fixed.js";
import type { ModelArtifacts } from "../pipeline/prove.js";
import { hashValues, JobStatus, refundReasonName, trustName, type TrustLevel } from "../protocol/index.js";
import { getJob, registerModel, requestInference, verifyResult, waitForJob } from "./actions/index.js";
import { JobNotFoundError, JobRefundedError, ModelNotFoundError, VerificationError } from "./errors.js";
import type { ActionContext, InferenceResult, InferOptions, JobInfo, RegisterOptions, WaitHook, WaitOptions } from "./types.js";

export interface ClientOptions {
  signer: Signer;
  /** A deployments/<chainId>.json, or contracts already attached (they are reconnected to `signer`). */
  deployment: DeploymentFile | Proofgrid;
  /** Built models the client can quantize inputs for, label outputs of and verify proofs with. */
  models?: ModelArtifacts[];
  /** Poll interval while waiting for a job (default 250 ms). */
  pollMs?: number;
  /** Runs on every poll of a job that has not ended (e.g. src/devnet's timeTravel()). */
  onWait?: WaitHook;
}

export class ProofgridClient {
  readonly contracts: Proofgrid;
  readonly #models = new Map<number, ModelArtifacts>();
  readonly #pending: ModelArtifacts[];

  private constructor(private readonly options: ClientOptions) {
    const { deployment, signer } = options;
    this.contracts = "hub" in deployment && typeof deployment.hub !== "string" ? reconnect(deployment as Proofgrid, signer) : attachProofgrid(deployment as DeploymentFile, signer);
    this.#pending = [...(options.models ?? [])];
  }

  /**
   * Connects to a deployment with `signer` (contract handles given in `deployment` are rebound to
   * it). Throws DeploymentNotFoundError when the deployment's addresses hold no code on the
   * signer's chain (a stale deployments file).
   */
  static async connect(options: ClientOptions): Promise<ProofgridClient> {
    const client = new ProofgridClient(options);
    if (!options.signer.provider) throw new ProofgridError("ProofgridClient.connect: the signer has no provider");
    const file = "hub" in options.deployment && typeof options.deployment.hub !== "string" ? undefined : (options.deployment as DeploymentFile);
    if (file) await checkDeployed(file, options.signer.provider, `the deployment of chain ${file.chainId}`);
    return client;
  }

  get signer(): Signer {
    return this.options.signer;
  }

  private get context(): ActionContext {
    return { signer: this.options.signer, contracts: this.contracts };
  }

  /** Makes a built model known to the client (matched to registry ids by weights commitment). */
  addModel(artifacts: ModelArtifacts, modelId?: number): void {
    if (modelId !== undefined) this.#models.set(modelId, artifacts);
    else this.#pending.push(artifacts);
  }

  /** The registry id of a model given by id or name; also binds any known artifacts to it. */
  async resolveModel(model: number | string): Promise<{ modelId: number; artifacts?: ModelArtifacts }> {
    let modelId: number | undefined = typeof model === "number" ? model : /^\d+$/.test(model) ? Number(model) : undefined;
    if (modelId === undefined) {
      modelId = await modelIdByName(this.contracts, model as string);
      if (modelId === undefined) throw new ModelNotFoundError(`no model named ${model} in the registry`);
    }
    if (!this.#models.has(modelId) && this.#pending.length > 0) {
      const id = modelId;
      const [, release] = await typed(`getRelease(${id})`, () => this.contracts.models.getRelease(id, 0));
      const match = this.#pending.find((a) => a.manifest.quantized.weightsCommitment === release.weightsCommitment);
      if (match) this.#models.set(modelId, match);
    }
    return { modelId, artifacts: this.#models.get(modelId) };
  }

  /** Registers a built model; for ZK, deploys its verifier adapter first. Returns the model id. */
  async registerModel(artifacts: ModelArtifacts, options: RegisterOptions): Promise<number> {
    const modelId = await registerModel(this.context, artifacts, options);
    this.#models.set(modelId, artifacts);
    return modelId;
  }

  /** Joins the node registry with `stake` for `releases` at `levels` (activate after the delay). */
  async joinAsNode(stake: bigint, releases: { modelId: number; version: number }[], levels: TrustLevel[]): Promise<void> {
    await joinNode(this.contracts, stake, releases, levels);
  }

  /** The job's state as the hub holds it. */
  async status(jobId: bigint | number): Promise<JobInfo> {
    return getJob(this.context, jobId);
  }

  /**
   * Requests an inference and returns the settled, checked result. `input` holds real numbers (the
   * client quantizes them with the model's scale) or fixed-point bigints.
   */
  async infer(model: number | string, input: readonly number[] | readonly bigint[], options: InferOptions): Promise<InferenceResult> {
    const started = Date.now();
    const { modelId, artifacts } = await this.resolveModel(model);
    const { request, txs, gas } = await requestInference(this.context, { modelId, artifacts, label: String(model) }, input, options);
    return this.waitFor(request.jobId, { ...options, started, txs, gas });
  }

  /**
   * Waits for a requested job (by this client or anyone, e.g. a consumer contract) to end, checks
   * its result and returns it; throws JobRefundedError for a refunded job.
   */
  async waitFor(jobId: bigint, options: WaitOptions & { started?: number; txs?: Record<string, string>; gas?: Record<string, bigint> } = {}): Promise<InferenceResult> {
    const started = options.started ?? Date.now();
    const txs = options.txs ?? {};
    const gas = options.gas ?? {};
    const { hub, models } = this.contracts;
    const request = await readJobRequest(this.contracts, jobId);
    if (!request) throw new JobNotFoundError(jobId);
    if (!txs.request) {
      const r = (await this.signer.provider!.getTransactionReceipt(request.transactionHash))!;
      txs.request = r.hash;
      gas.request = r.gasUsed;
    }
    // Artifacts count only when they are the job's own release (same weights): another release's
    // would call a right result wrong, or check nothing while claiming to.
    const known = (await this.resolveModel(request.modelId)).artifacts;
    const [, jobRelease] = await models.getRelease(request.modelId, request.version);
    const artifacts = known && known.manifest.quantized.weightsCommitment === jobRelease.weightsCommitment ? known : undefined;

    const ended = await waitForJob(this.context, jobId, { pollMs: this.options.pollMs, onWait: this.options.onWait, ...options, started, txs, gas });
    if (ended === JobStatus.Refunded) {
      const [refunded] = await hub.queryFilter(hub.filters.JobRefunded(jobId), request.blockNumber);
      throw new JobRefundedError(jobId, refundReasonName(refunded.args.reason), refunded.args.fee);
    }
    const [settled] = await hub.queryFilter(hub.filters.JobSettled(jobId), request.blockNumber);
    const [submitted] = await hub.queryFilter(hub.filters.ResultSubmitted(jobId), request.blockNumber);
    const output = [...submitted.args.output];
    if (hashValues(output) !== settled.args.outputHash) throw new VerificationError(`job ${jobId}: the settled output hash differs from the submitted output`);
    const submitReceipt = await submitted.getTransactionReceipt();
    txs.submit = submitReceipt.hash;
    gas.submit = submitReceipt.gasUsed;
    const verification = await verifyResult(this.context, request, output, submitted.transactionHash, artifacts);
    if (verification.checked && !verification.ok) throw new VerificationError(`job ${jobId}: ${verification.detail}`);

    const classes = artifacts?.model.layers.at(-1)?.type === "argmax";
    const values = output.map((v) => (classes || !artifacts ? Number(v) : toReal(artifacts.model, v)));
    const label = classes && artifacts?.model.labels ? artifacts.model.labels[Number(output[0])] : undefined;
    return {
      jobId,
      modelId: request.modelId,
      version: Number(request.version),
      trust: trustName(request.level),
      node: request.node,
      output,
      values,
      ...(label ? { label } : {}),
      settled: true,
      verification,
      txs,
      gas,
      fee: { paid: request.fee, node: settled.args.nodeAmount, owner: settled.args.royalty, protocol: settled.args.protocolFee },
      latencyMs: Date.now() - started,
    };
  }
}
