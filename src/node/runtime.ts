/**
 * The operator runtime: one per node. It watches the hub for jobs assigned to its operator, runs
 * the model with the fixed-point engine and submits at the job's level (ZK: a Groth16 proof; TEE:
 * the simulated enclave's signature; VANILLA: the output, then finalizes it after the challenge
 * window), votes when drawn into a committee (committee.ts), drives disputes in its pools
 * (disputes.ts), sends enclave heartbeats, leaves jail and withdraws its earnings. Joining,
 * admitting the enclave and activating are in bootstrap.ts.
 *
 * Idempotent: before every submission it reads the job's status on chain, so a restart (or a
 * second copy of the process) never submits twice; the state file (state.ts) saves rescanning
 * and keeps the salts of committed committee votes.
 * Resilient: a failed scan is retried with backoff (chain/poller.ts) without moving the block
 * cursor; every job, committee duty and dispute is a step of its own (steps.ts), so one that fails
 * is logged and retried later and never stops the others, nor the node's upkeep.
 */
import { formatUnits, type Signer } from "ethers";
import type { Proofgrid } from "../chain/contracts.js";
import { jobRequestOf } from "../chain/jobs.js";
import { Poller } from "../chain/poller.js";
import { chainNow } from "../chain/time.js";
import { ProofgridError } from "../errors.js";
import { evaluate } from "../engine/fixed.js";
import { proveInference, releaseProver, type ModelArtifacts } from "../pipeline/prove.js";
import { hubDomain, JobStatus, PENALTY_NAMES, releaseKey, TrustLevel, unpackVersion } from "../protocol/index.js";
import { vote } from "./committee.js";
import { driveDispute } from "./disputes.js";
import type { SimulatedEnclave } from "./enclave.js";
import { checkRelease, ReleaseMismatchError } from "./release.js";
import type { SetupTrust } from "./setup.js";
import { findRelease } from "../chain/models.js";
import { NodeState, type PendingJob } from "./state.js";
import { Steps } from "./steps.js";

/** A node was configured in a way it cannot run (e.g. TEE without an enclave). */
export class NodeConfigError extends ProofgridError {
  override name = "NodeConfigError";
}

/** A job assigned to this node, with its release's artifacts. */
export interface AssignedJob extends PendingJob {
  jobId: bigint;
}

/**
 * What the node answers. The default is honest: every job, with the engine's output. Demos and
 * tests plug in other behaviours (src/devnet/behaviours.ts); a ZK proof or an enclave signature
 * cannot be given for a wrong output, so only VANILLA outputs can be changed.
 */
export interface OutputStrategy {
  readonly name: string;
  /** Whether to answer the job at all (default: yes). */
  answers?(job: AssignedJob): boolean;
  /** The VANILLA output to post, given the engine's (default: the engine's). */
  vanillaOutput?(job: AssignedJob, engine: bigint[], artifacts: ModelArtifacts): bigint[];
}

export interface NodeOptions {
  /** The operator's account. */
  signer: Signer;
  /** The deployment, connected to `signer`. */
  contracts: Proofgrid;
  /** Built models by registry id: the engine input for every level, the prover for ZK. */
  models: Map<number, ModelArtifacts>;
  /**
   * The release (packed version) of each model to serve. Without it, the newest release whose
   * weights and model file are the artifacts'. Either way the node checks the release (weights, file,
   * verifier code) before it stakes on it, and serves only the releases it named.
   */
  versions?: Map<number, number>;
  /** The levels this node serves. */
  levels: TrustLevel[];
  /** Default: honest. */
  strategy?: OutputStrategy;
  /** Required to serve TEE. */
  enclave?: SimulatedEnclave;
  /** Where to keep the scan position and the jobs handled (optional). */
  stateFile?: string;
  name?: string;
  log?: (line: string) => void;
  pollMs?: number;
  /** Withdraw the hub balance once it reaches this amount (default: any amount). */
  withdrawAt?: bigint;
  /**
   * Which setups this node stakes on (src/node/setup.ts). Default: only releases from a ceremony
   * in which this node's own address recorded a contribution; never a development key.
   */
  setupTrust?: SetupTrust;
}

/** Most blocks one scan reads, so that catching up after downtime stays within RPC limits. */
const MAX_SCAN_BLOCKS = 5_000;

export class NodeRuntime {
  readonly name: string;
  readonly strategy: OutputStrategy | undefined;
  #address = "";
  readonly #state: NodeState;
  /** The releases this node serves, by release key, each with its artifacts. */
  #releases = new Map<bigint, { modelId: number; version: number; artifacts: ModelArtifacts }>();
  #steps = new Steps((line) => this.log(line));
  #lastHeartbeat = 0n;
  readonly #poller: Poller;

  constructor(readonly options: NodeOptions) {
    this.name = options.name ?? "node";
    this.strategy = options.strategy;
    if (options.levels.includes(TrustLevel.TEE) && !options.enclave) throw new NodeConfigError(`${this.name}: serving TEE needs an enclave`);
    this.#state = new NodeState(options.stateFile);
    this.#poller = new Poller(() => this.pollOnce(), { intervalMs: options.pollMs ?? 1_000, log: (line) => this.log(line) });
  }

  /** The behaviour's name: "honest" unless a strategy says otherwise. */
  get behaviour(): string {
    return this.strategy?.name ?? "honest";
  }

  log(line: string) {
    (this.options.log ?? ((l: string) => console.error(l)))(`[${this.name}] ${line}`);
  }

  async address(): Promise<string> {
    if (!this.#address) this.#address = await this.options.signer.getAddress();
    return this.#address;
  }

  /**
   * Finds and checks the releases to serve (see NodeOptions.versions); throws ReleaseMismatchError
   * for a release that is not the loaded model or whose verifier is not the build's code.
   */
  async resolveReleases(): Promise<{ modelId: number; version: number }[]> {
    if (this.#releases.size === 0) {
      const { contracts } = this.options;
      for (const [modelId, artifacts] of this.options.models) {
        const version = this.options.versions?.get(modelId) ?? (await findRelease(contracts, modelId, artifacts));
        if (version === undefined) throw new ReleaseMismatchError(`model #${modelId} has no release of ${artifacts.dir} (weights ${artifacts.manifest.quantized.weightsCommitment.slice(0, 10)}...)`);
        const setup = await checkRelease(contracts, this.options.signer.provider!, modelId, version, artifacts, {
          node: await this.options.signer.getAddress(),
          trust: this.options.setupTrust,
        });
        const [owner] = await contracts.models.getModel(modelId);
        const keys = setup.kind === "ceremony" ? `; keys from ceremony #${setup.ceremonyId}, checked` : setup.kind === "development" ? "; DEVELOPMENT keys (single party), accepted by configuration" : "";
        this.log(`serving model #${modelId} release ${unpackVersion(version)} (owner ${owner}): weights, model file and verifier code checked${keys}`);
        // A checked ceremony release is proven with the witness calculator this node compiled itself.
        this.#releases.set(releaseKey(modelId, version), { modelId, version, artifacts: setup.wasm ? { ...artifacts, wasm: setup.wasm } : artifacts });
      }
    }
    return [...this.#releases.values()].map(({ modelId, version }) => ({ modelId, version }));
  }

  /** The artifacts of a job's own release, when this node serves it. */
  async artifactsFor(modelId: number | bigint, version: number | bigint): Promise<ModelArtifacts | undefined> {
    await this.resolveReleases();
    return this.#releases.get(releaseKey(modelId, version))?.artifacts;
  }

  /** One pass: scan new blocks, then work on every open job, committee and dispute, finalize, heartbeat, unjail, withdraw. */
  poll(): Promise<void> {
    return this.#poller.once();
  }

  private async pollOnce(): Promise<void> {
    const state = this.#state;
    if (!state.loaded) await state.load(this.options.contracts.startBlock);
    await this.resolveReleases();
    // A failed scan throws before the cursor moves, so no event is skipped; everything after it is
    // isolated step by step: one failing job never stops the others, nor the node's upkeep.
    await this.scan();
    const me = await this.address();
    const committee = { contracts: this.options.contracts, signer: this.options.signer, address: me, state, log: (l: string) => this.log(l), artifactsFor: this.artifactsFor.bind(this) };
    // Committee duties and disputes first: their windows are as hard as a job's deadline, and they
    // never wait behind a queue of jobs.
    for (const jobId of state.duties) await this.#steps.run(`committee of job ${jobId}`, () => vote(committee, jobId));
    for (const jobId of state.disputes) await this.#steps.run(`dispute of job ${jobId}`, () => this.drive(jobId));
    await this.serveJobs();
    await this.#steps.run("finalize", () => this.finalizeOwn());
    await this.#steps.run("heartbeat", () => this.heartbeat());
    await this.#steps.run("unjail", () => this.unjail());
    await this.#steps.run("withdraw", () => this.withdraw());
  }

  /** Queues the new blocks' events; the cursor moves only once they are all queued. */
  private async scan(): Promise<void> {
    const { hub, court } = this.options.contracts;
    const state = this.#state;
    const me = await this.address();
    const head = await this.options.signer.provider!.getBlockNumber();
    if (head <= state.lastBlock) return;
    const from = state.lastBlock + 1;
    const latest = Math.min(head, from + MAX_SCAN_BLOCKS - 1);
    const requested = await hub.queryFilter(hub.filters.JobRequested(undefined, undefined, me), from, latest);
    const drawn = await court.queryFilter(court.filters.CommitteeDrawn(), from, latest);
    const opened = [
      ...(await court.queryFilter(court.filters.ChallengeOpened(), from, latest)),
      ...(await court.queryFilter(court.filters.FraudClaimed(), from, latest)),
    ];
    const penalized = await hub.queryFilter(hub.filters.NodePenalized(undefined, me), from, latest);
    for (const e of requested) {
      const { jobId, modelId, version, level, input } = jobRequestOf(e);
      if (!state.handled.includes(jobId.toString())) state.pending.set(jobId, { modelId, version, level, input });
    }
    for (const e of drawn) {
      if (e.args.members.includes(me)) {
        state.duties.add(e.args.jobId);
        state.disputes.add(e.args.jobId);
      }
    }
    // Every dispute in a pool this node serves is driven by it (drawn as soon as its seed block is
    // mined, resolved once due), so no dispute holds the pool longer than it must.
    for (const e of opened) {
      const job = await hub.getJob(e.args.jobId);
      if (state.submitted.has(e.args.jobId) || this.#releases.has(releaseKey(job.modelId, job.version))) state.disputes.add(e.args.jobId);
    }
    if (penalized.length > 0) {
      const { jailedUntil } = await this.options.contracts.nodes.getNode(me);
      for (const e of penalized) this.log(`slashed ${formatUnits(e.args.slashed)} PGT and jailed until ${new Date(Number(jailedUntil) * 1000).toISOString()} (job ${e.args.jobId}, ${PENALTY_NAMES[Number(e.args.reason) as 0 | 1 | 2]})`);
    }
    state.lastBlock = latest;
    await state.save();
  }

  private async done(jobId: bigint) {
    this.#state.pending.delete(jobId);
    this.#state.handled.push(jobId.toString());
    await this.#state.save();
  }

  /**
   * Serves the queued jobs, earliest deadline first. Each result is computed and its transaction
   * sent without waiting for the previous one's receipt (the provider's pending nonce orders
   * them), so a burst of jobs lands in as few blocks as the node can compute them in; the receipts
   * are awaited together, and a job whose transaction failed stays queued for the next poll.
   */
  private async serveJobs(): Promise<void> {
    const { hub } = this.options.contracts;
    const queued = [...this.#state.pending].map(([jobId, job]) => ({ jobId, ...job }));
    const records = new Map<bigint, Awaited<ReturnType<typeof hub.getJob>>>();
    await Promise.all(
      queued.map((job) =>
        this.#steps.run(`read job ${job.jobId}`, async () => {
          records.set(job.jobId, await hub.getJob(job.jobId));
        }),
      ),
    );
    const order = queued.filter((job) => records.has(job.jobId)).sort((a, b) => Number(records.get(a.jobId)!.deadline - records.get(b.jobId)!.deadline));
    const sent: { jobId: bigint; receipt: Promise<unknown>; after?: () => Promise<void> }[] = [];
    for (const job of order) await this.#steps.run(`job ${job.jobId}`, () => this.work(job, records.get(job.jobId)!, sent));
    const landed = await Promise.all(sent.map(({ jobId, receipt }) => this.#steps.run(`job ${jobId}`, () => receipt)));
    for (const [i, ok] of landed.entries()) {
      if (!ok) continue;
      await sent[i].after?.();
      await this.done(sent[i].jobId);
    }
  }

  private async work(
    job: AssignedJob,
    onChain: { status: bigint; deadline: bigint },
    sent: { jobId: bigint; receipt: Promise<unknown>; after?: () => Promise<void> }[],
  ) {
    const { hub } = this.options.contracts;
    const { jobId } = job;
    if (Number(onChain.status) !== JobStatus.Requested) return this.done(jobId); // already submitted or ended
    if ((await chainNow(this.options.signer.provider!)) > onChain.deadline) {
      this.log(`job ${jobId}: the deadline passed; dropping it`);
      return this.done(jobId);
    }
    if (this.strategy?.answers && !this.strategy.answers(job)) {
      this.log(`job ${jobId}: ${this.strategy.name}, ignoring it`);
      return this.done(jobId);
    }
    const artifacts = await this.artifactsFor(job.modelId, job.version);
    if (!artifacts) {
      this.log(`job ${jobId}: model #${job.modelId} release ${unpackVersion(job.version)} is not one this node serves; it will not answer`);
      return this.done(jobId);
    }
    const me = await this.address();
    const started = Date.now();
    if (job.level === TrustLevel.ZK) {
      const [, frozen] = await this.options.contracts.models.soundnessOf(job.modelId, job.version);
      if (frozen) {
        // Its proofs prove nothing any more; the hub refunds the job after its deadline without a slash.
        this.log(`job ${jobId}: model #${job.modelId} release ${unpackVersion(job.version)} was frozen as unsound; no proof of it settles (the timeout is excused)`);
        return this.done(jobId);
      }
      const { chainId } = await this.options.signer.provider!.getNetwork();
      const proof = await proveInference(artifacts, job.input, { chainId, hub: await hub.getAddress(), jobId, prover: me });
      const tx = await hub.submitZkResult(jobId, job.input, proof.output, proof.calldata);
      sent.push({ jobId, receipt: tx.wait(), after: async () => this.log(`job ${jobId}: zk proof submitted (${Date.now() - started} ms)`) });
      return;
    } else if (job.level === TrustLevel.TEE) {
      const { chainId } = await this.options.signer.provider!.getNetwork();
      const signed = await this.options.enclave!.infer(artifacts.model, job.input, {
        domain: hubDomain(chainId, await hub.getAddress()),
        jobId,
        node: me,
        modelId: job.modelId,
        version: job.version,
        weightsCommitment: artifacts.manifest.quantized.weightsCommitment,
      });
      const tx = await hub.submitTeeResult(jobId, signed.output, signed.signature);
      sent.push({ jobId, receipt: tx.wait(), after: async () => this.log(`job ${jobId}: enclave-signed result submitted`) });
      return;
    } else {
      const engine = evaluate(artifacts.model, job.input).output;
      const output = this.strategy?.vanillaOutput ? this.strategy.vanillaOutput(job, engine, artifacts) : engine;
      if (output !== engine) this.log(`job ${jobId}: ${this.strategy!.name}, submitting [${output.join(", ")}] instead of [${engine.join(", ")}]`);
      // Saved before it is sent, so that a crash before the receipt still finalizes it after a
      // restart (finalizeOwn checks the job's status on chain first).
      this.#state.submitted.set(jobId, output);
      await this.#state.save();
      const tx = await hub.submitResult(jobId, output);
      sent.push({ jobId, receipt: tx.wait(), after: async () => this.log(`job ${jobId}: result submitted (vanilla; final after the challenge window)`) });
    }
  }

  /** Draws or resolves a dispute of this node's result, or of a committee it sits on, once due. */
  private async drive(jobId: bigint) {
    const step = await driveDispute(this.options.contracts, this.options.signer, jobId, (modelId, version) => this.artifactsFor(modelId, version));
    if (step === "answered") this.log(`job ${jobId}: a fraud proof of an output the model does not compute, answered with a proof of the posted one: the release is frozen as unsound, nobody is slashed`);
    if (step === "resolved") this.log(`job ${jobId}: dispute resolved`);
    if (step === "drawn") this.log(`job ${jobId}: committee drawn`);
    if (step === "gone" || step === "resolved" || step === "answered") {
      this.#state.disputes.delete(jobId);
      await this.#state.save();
    }
  }

  /** Finalizes this node's undisputed VANILLA results once their window has passed. */
  private async finalizeOwn() {
    const state = this.#state;
    if (state.submitted.size === 0) return;
    const { hub } = this.options.contracts;
    const now = await chainNow(this.options.signer.provider!);
    for (const [jobId, output] of state.submitted) {
      const job = await hub.getJob(jobId);
      const status = Number(job.status);
      if (status === JobStatus.Submitted && now > job.deadline) {
        await this.#steps.run(`finalize job ${jobId}`, async () => {
          await (await hub.finalize(jobId, output)).wait();
          this.log(`job ${jobId}: finalized`);
        });
      }
      if (status === JobStatus.Challenged) state.disputes.add(jobId);
      if (status !== JobStatus.Submitted && status !== JobStatus.Challenged) {
        state.submitted.delete(jobId);
        await state.save();
      }
    }
  }

  /** Signs a heartbeat for the enclave once half the registry's heartbeat age has passed. */
  private async heartbeat() {
    const { enclave, contracts } = this.options;
    if (!enclave) return;
    const maxAge = await contracts.tee.maxHeartbeatAge();
    const now = await chainNow(this.options.signer.provider!);
    if (now - this.#lastHeartbeat < maxAge / 2n) return;
    const { chainId } = await this.options.signer.provider!.getNetwork();
    const signature = await enclave.heartbeat(chainId, await contracts.tee.getAddress(), now);
    await (await contracts.tee.heartbeat(enclave.address, now, signature)).wait();
    this.#lastHeartbeat = now;
  }

  /** Records a heartbeat sent outside the loop (the admission counts as one). */
  heartbeatSent(at: bigint): void {
    this.#lastHeartbeat = at;
  }

  /** Leaves jail as soon as the registry allows it. */
  private async unjail() {
    const { nodes } = this.options.contracts;
    const info = await nodes.getNode(await this.address());
    if (info.jailedUntil === 0n) return;
    if ((await chainNow(this.options.signer.provider!)) < info.jailedUntil || info.stake < (await nodes.minStake())) return;
    await (await nodes.unjail()).wait();
    this.log("left jail: drawable again");
  }

  private async withdraw() {
    const { hub } = this.options.contracts;
    const balance = await hub.balanceOf(await this.address());
    if (balance > 0n && balance >= (this.options.withdrawAt ?? 1n)) {
      await (await hub.withdraw()).wait();
      this.log(`withdrew ${formatUnits(balance)} PGT`);
    }
  }

  /** Polls every `pollMs` until stop(); a failing poll is retried with backoff up to 10 s. */
  start(): void {
    this.#poller.start();
  }

  /** Stops polling; the prover's worker threads are freed once no proof in this process needs them. */
  async stop(): Promise<void> {
    await this.#poller.stop();
    await releaseProver();
  }
}
