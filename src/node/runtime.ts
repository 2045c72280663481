/**
 * The operator runtime: one per node. It watches the hub for jobs assigned to its operator, runs
 * the model with the fixed-point engine and submits at the job's level (ZK: a Groth16 proof; TEE:
 * the simulated enclave's signature; VANILLA: the output, then finalizes it after the challenge
 * window), votes when drawn into a committee, sends enclave heartbeats and withdraws its earnings.
 *
 * Idempotent: before every submission it reads the job's status on chain, so a restart (or a
 * second copy of the process) never submits twice; the state file only saves rescanning.
 * Resilient: a failed poll (a dropped RPC connection) is logged and retried with backoff.
 */
import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { MaxUint256, type Signer } from "ethers";
import type { Proofgrid } from "../../deploy/proofgrid.js";
import { evaluate } from "../engine/fixed.js";
import type { ModelArtifacts } from "../pipeline/prove.js";
import { proveInference } from "../pipeline/prove.js";
import { hubDomain, JobStatus, levelMask, TRUST_NAMES, TrustLevel } from "../protocol/index.js";
import { toTypedError } from "../sdk/errors.js";
import type { SimulatedEnclave } from "./enclave.js";

export type Behaviour = "honest" | "lazy" | "lying";

export interface NodeOptions {
  /** The operator's account. */
  signer: Signer;
  /** The deployment, connected to `signer`. */
  contracts: Proofgrid;
  /** Built models by registry id: the engine input for every level, the prover for ZK. */
  models: Map<number, ModelArtifacts>;
  /** The levels this node serves. */
  levels: TrustLevel[];
  behaviour?: Behaviour;
  /** Required to serve TEE. */
  enclave?: SimulatedEnclave;
  /** Where to keep the scan position and the jobs handled (optional). */
  stateFile?: string;
  name?: string;
  log?: (line: string) => void;
  pollMs?: number;
  /** Withdraw the hub balance once it reaches this amount (default: any amount). */
  withdrawAt?: bigint;
}

interface State {
  lastBlock: number;
  handled: string[];
}

const SLOTS = 64;

export class NodeRuntime {
  readonly name: string;
  readonly behaviour: Behaviour;
  #address = "";
  #state: State = { lastBlock: -1, handled: [] };
  #pending = new Map<bigint, { modelId: number; version: bigint; level: TrustLevel; input: bigint[] }>();
  #submitted = new Map<bigint, bigint[]>();
  #voted = new Set<bigint>();
  #lastHeartbeat = 0n;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #failures = 0;
  #polling: Promise<void> | undefined;

  constructor(private readonly options: NodeOptions) {
    this.name = options.name ?? "node";
    this.behaviour = options.behaviour ?? "honest";
    if (options.levels.includes(TrustLevel.TEE) && !options.enclave) throw new Error(`${this.name}: serving TEE needs an enclave`);
  }

  private log(line: string) {
    (this.options.log ?? ((l: string) => console.error(l)))(`[${this.name}] ${line}`);
  }

  async address(): Promise<string> {
    if (!this.#address) this.#address = await this.options.signer.getAddress();
    return this.#address;
  }

  /** Joins with `stake` for the models and levels of the options, unless already joined. */
  async join(stake: bigint): Promise<void> {
    const { nodes, token } = this.options.contracts;
    const me = await this.address();
    const info = await nodes.getNode(me);
    if (info.stake > 0n) return;
    const allowance = await token.allowance(me, await nodes.getAddress());
    if (allowance < stake) await (await token.approve(await nodes.getAddress(), MaxUint256)).wait();
    await (await nodes.join(stake, [...this.options.models.keys()], levelMask(...this.options.levels))).wait();
    this.log(`joined with ${stake} stake for models ${[...this.options.models.keys()].join(", ")} at ${this.options.levels.map((l) => TRUST_NAMES[l]).join(", ")}`);
  }

  /** Activates after the registry's activation delay (nothing to do when already active). */
  async activate(): Promise<void> {
    const info = await this.options.contracts.nodes.getNode(await this.address());
    if (Number(info.status) !== 1) return; // only a Pending node activates
    await (await this.options.contracts.nodes.activate()).wait();
    this.log("active");
  }

  /** When the registry lets this node activate (0 when it is not pending). */
  async activatesAt(): Promise<bigint> {
    const info = await this.options.contracts.nodes.getNode(await this.address());
    return Number(info.status) === 1 ? info.activatesAt : 0n;
  }

  /** Admits the enclave with an attestation signed by `root` (the simulated vendor). */
  async admitEnclave(root: Signer): Promise<void> {
    const { enclave, contracts } = this.options;
    if (!enclave) return;
    if (await contracts.tee.isEnclaveValid(enclave.address, await this.address())) return;
    const provider = this.options.signer.provider!;
    const { chainId } = await provider.getNetwork();
    const block = await provider.getBlock("latest");
    const attestation = await enclave.attestation(root, chainId, await contracts.attestation.getAddress(), await this.address(), BigInt(block!.timestamp));
    await (await contracts.tee.admitEnclave(attestation)).wait();
    this.#lastHeartbeat = BigInt(block!.timestamp);
    this.log(`enclave ${enclave.address} admitted (measurement ${enclave.measurement.slice(0, 10)}...)`);
  }

  async loadState(): Promise<void> {
    const file = this.options.stateFile;
    if (file && existsSync(file)) this.#state = JSON.parse(await readFile(file, "utf8")) as State;
    if (this.#state.lastBlock < 0) this.#state.lastBlock = this.options.contracts.startBlock - 1;
  }

  private async saveState(): Promise<void> {
    const file = this.options.stateFile;
    if (!file) return;
    this.#state.handled = this.#state.handled.slice(-SLOTS * 16);
    await writeFile(`${file}.tmp`, JSON.stringify(this.#state));
    await rename(`${file}.tmp`, file);
  }

  /** One pass: scan new blocks, work on every open job, vote, finalize, heartbeat, withdraw. */
  async poll(): Promise<void> {
    if (!this.#polling) {
      this.#polling = this.pollOnce().finally(() => (this.#polling = undefined));
    }
    return this.#polling;
  }

  private async pollOnce(): Promise<void> {
    const { hub } = this.options.contracts;
    const provider = this.options.signer.provider!;
    if (this.#state.lastBlock < 0) await this.loadState();
    const me = await this.address();
    const latest = await provider.getBlockNumber();
    if (latest > this.#state.lastBlock) {
      const from = this.#state.lastBlock + 1;
      for (const e of await hub.queryFilter(hub.filters.JobRequested(undefined, undefined, me), from, latest)) {
        const jobId = e.args.jobId;
        if (this.#state.handled.includes(jobId.toString())) continue;
        this.#pending.set(jobId, { modelId: Number(e.args.modelId), version: e.args.version, level: Number(e.args.level) as TrustLevel, input: [...e.args.input] });
      }
      for (const e of await hub.queryFilter(hub.filters.ChallengeOpened(), from, latest)) {
        if (e.args.committee.includes(me) && !this.#voted.has(e.args.jobId)) await this.vote(e.args.jobId);
      }
      this.#state.lastBlock = latest;
      await this.saveState();
    }
    for (const [jobId, job] of this.#pending) await this.work(jobId, job);
    await this.finalizeOwn();
    await this.heartbeat();
    await this.withdraw();
  }

  private async done(jobId: bigint) {
    this.#pending.delete(jobId);
    this.#state.handled.push(jobId.toString());
    await this.saveState();
  }

  private async work(jobId: bigint, job: { modelId: number; version: bigint; level: TrustLevel; input: bigint[] }) {
    const { hub } = this.options.contracts;
    const onChain = await hub.getJob(jobId);
    if (Number(onChain.status) !== JobStatus.Requested) return this.done(jobId); // already submitted or ended
    if (this.behaviour === "lazy") {
      this.log(`job ${jobId}: lazy, ignoring it`);
      return this.done(jobId);
    }
    const artifacts = this.options.models.get(job.modelId);
    if (!artifacts) {
      this.log(`job ${jobId}: model ${job.modelId} is not loaded; it will time out`);
      return this.done(jobId);
    }
    const me = await this.address();
    const started = Date.now();
    let output = evaluate(artifacts.model, job.input).output;
    try {
      if (job.level === TrustLevel.ZK) {
        const { chainId } = await this.options.signer.provider!.getNetwork();
        const proof = await proveInference(artifacts, job.input, { chainId, hub: await hub.getAddress(), jobId, prover: me });
        await (await hub.submitZkResult(jobId, job.input, proof.output, proof.calldata)).wait();
        this.log(`job ${jobId}: zk proof submitted (${Date.now() - started} ms)`);
      } else if (job.level === TrustLevel.TEE) {
        const { chainId } = await this.options.signer.provider!.getNetwork();
        const signed = await this.options.enclave!.infer(artifacts.model, job.input, {
          domain: hubDomain(chainId, await hub.getAddress()),
          jobId,
          node: me,
          modelId: job.modelId,
          version: job.version,
        });
        await (await hub.submitTeeResult(jobId, signed.output, signed.signature)).wait();
        output = signed.output;
        this.log(`job ${jobId}: enclave-signed result submitted`);
      } else {
        if (this.behaviour === "lying") {
          const classes = artifacts.model.labels?.length;
          output = output.map((v, i) => (i === 0 ? (classes && output.length === 1 ? (v + 1n) % BigInt(classes) : v + 1n) : v));
          this.log(`job ${jobId}: lying, submitting a wrong output`);
        }
        await (await hub.submitResult(jobId, output)).wait();
        this.#submitted.set(jobId, output);
        this.log(`job ${jobId}: result submitted (vanilla; final after the challenge window)`);
      }
      await this.done(jobId);
    } catch (error) {
      const typedError = toTypedError(error, `job ${jobId}`);
      const status = Number((await hub.getJob(jobId)).status);
      if (status !== JobStatus.Requested) {
        this.log(`job ${jobId}: ${typedError.message}; the job is no longer open, dropping it`);
        await this.done(jobId);
      } else {
        this.log(`job ${jobId}: ${typedError.message}; will retry`);
      }
    }
  }

  /** Votes the engine's output in a committee this node was drawn into. */
  private async vote(jobId: bigint) {
    const { hub } = this.options.contracts;
    this.#voted.add(jobId);
    const job = await hub.getJob(jobId);
    const requested = (await hub.queryFilter(hub.filters.JobRequested(jobId)))[0];
    const artifacts = this.options.models.get(Number(job.modelId));
    if (!requested || !artifacts) return;
    try {
      await (await hub.vote(jobId, evaluate(artifacts.model, [...requested.args.input]).output)).wait();
      this.log(`job ${jobId}: committee vote cast`);
    } catch (error) {
      this.log(`job ${jobId}: vote failed: ${toTypedError(error, "vote").message}`);
    }
  }

  /** Finalizes this node's unchallenged VANILLA results once their window has passed. */
  private async finalizeOwn() {
    if (this.#submitted.size === 0) return;
    const { hub } = this.options.contracts;
    const now = BigInt((await this.options.signer.provider!.getBlock("latest"))!.timestamp);
    for (const [jobId, output] of this.#submitted) {
      const job = await hub.getJob(jobId);
      const status = Number(job.status);
      if (status === JobStatus.Submitted && now > job.deadline) {
        try {
          await (await hub.finalize(jobId, output)).wait();
          this.log(`job ${jobId}: finalized`);
        } catch (error) {
          this.log(`job ${jobId}: finalize failed: ${toTypedError(error, "finalize").message}`);
        }
      }
      if (status !== JobStatus.Submitted && status !== JobStatus.Challenged) this.#submitted.delete(jobId);
    }
  }

  private async heartbeat() {
    const { enclave, contracts } = this.options;
    if (!enclave) return;
    const maxAge = await contracts.tee.maxHeartbeatAge();
    const block = await this.options.signer.provider!.getBlock("latest");
    const now = BigInt(block!.timestamp);
    if (now - this.#lastHeartbeat < maxAge / 2n) return;
    const { chainId } = await this.options.signer.provider!.getNetwork();
    const signature = await enclave.heartbeat(chainId, await contracts.tee.getAddress(), now);
    await (await contracts.tee.heartbeat(enclave.address, now, signature)).wait();
    this.#lastHeartbeat = now;
  }

  private async withdraw() {
    const { hub } = this.options.contracts;
    const balance = await hub.balanceOf(await this.address());
    if (balance > 0n && balance >= (this.options.withdrawAt ?? 1n)) {
      await (await hub.withdraw()).wait();
      this.log(`withdrew ${balance}`);
    }
  }

  /** Polls every `pollMs` until stop(); a failing poll is retried with backoff up to 10 s. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const pollMs = this.options.pollMs ?? 1_000;
    const loop = async () => {
      if (!this.#running) return;
      try {
        await this.poll();
        this.#failures = 0;
      } catch (error) {
        this.#failures++;
        this.log(`poll failed (${this.#failures}): ${(error as Error).message.split("\n")[0]}; retrying`);
      }
      if (this.#running) this.#timer = setTimeout(loop, Math.min(pollMs * 2 ** this.#failures, 10_000));
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#polling;
  }
}
