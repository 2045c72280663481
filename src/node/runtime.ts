/**
 * The operator runtime: one per node. It watches the hub for jobs assigned to its operator, runs
 * the model with the fixed-point engine and submits at the job's level (ZK: a Groth16 proof; TEE:
 * the simulated enclave's signature; VANILLA: the output, then finalizes it after the challenge
 * window), votes when drawn into a committee, sends enclave heartbeats and withdraws its earnings.
 *
 * Idempotent: before every submission it reads the job's status on chain, so a restart (or a
 * second copy of the process) never submits twice; the state file saves rescanning and keeps the
 * salts of committed committee votes, so a restarted node can still reveal them.
 * Resilient: a failed scan (a dropped RPC connection) is retried with backoff without moving the
 * block cursor; every job, committee duty and dispute is a step of its own, so one that fails (a
 * bad input, a revert) is logged and retried later and never stops the others, nor the node's
 * finalizations, heartbeats, unjailing and withdrawals.
 */
import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { formatUnits, hexlify, MaxUint256, randomBytes, ZeroHash, type Signer } from "ethers";
import type { Proofgrid } from "../../deploy/proofgrid.js";
import { evaluate } from "../engine/fixed.js";
import type { ModelArtifacts } from "../pipeline/prove.js";
import { proveInference } from "../pipeline/prove.js";
import { hashValues, hubDomain, JobStatus, levelMask, Penalty, releaseKey, TRUST_NAMES, TrustLevel, unpackVersion, voteCommitment } from "../protocol/index.js";
import { checkRelease, findRelease, ReleaseMismatchError } from "./release.js";
import { driveDispute, jobInput } from "./disputes.js";
import { Steps } from "./steps.js";
import type { SimulatedEnclave } from "./enclave.js";

const PENALTIES: Record<number, string> = { [Penalty.Timeout]: "missed deadline", [Penalty.Fraud]: "proven wrong", [Penalty.Absent]: "absent from a committee" };

export type Behaviour = "honest" | "lazy" | "lying";

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

interface VoteState {
  outputHash: string;
  salt: string;
}

interface State {
  lastBlock: number;
  handled: string[];
  /** Committee votes this node committed, by job id: what it must reveal (kept across restarts). */
  votes?: Record<string, VoteState>;
  /** VANILLA outputs this node posted and has not seen end, by job id: to finalize, or to defend. */
  submitted?: Record<string, string[]>;
  /** Jobs assigned to this node and not yet served, by job id (kept across restarts). */
  pending?: Record<string, { modelId: number; version: string; level: number; input: string[] }>;
  /** Committees this node sits on and disputes it drives, by job id. */
  duties?: string[];
  disputes?: string[];
}

/** Most blocks one scan reads, so that catching up after downtime stays within RPC limits. */
const MAX_SCAN_BLOCKS = 5_000;

interface PendingJob {
  modelId: number;
  version: bigint;
  level: TrustLevel;
  input: bigint[];
}

const SLOTS = 64;

export class NodeRuntime {
  readonly name: string;
  readonly behaviour: Behaviour;
  #address = "";
  #state: State = { lastBlock: -1, handled: [] };
  #pending = new Map<bigint, PendingJob>();
  /** The releases this node serves, by release key, each with its artifacts. */
  #releases = new Map<bigint, { modelId: number; version: number; artifacts: ModelArtifacts }>();
  #submitted = new Map<bigint, bigint[]>();
  /** Committees this node sits on, and disputes of its own results: jobs whose dispute it drives. */
  #duties = new Set<bigint>();
  #disputes = new Set<bigint>();
  /** The last error logged per step, so that a step failing the same way every poll logs once. */
  #steps = new Steps((line) => this.log(line));
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

  /**
   * Finds and checks the releases to serve (see NodeOptions.versions); throws ReleaseMismatchError
   * for a release that is not the loaded model or whose verifier is not the build's code.
   */
  async resolveReleases(): Promise<bigint[]> {
    if (this.#releases.size > 0) return [...this.#releases.keys()];
    const { contracts } = this.options;
    for (const [modelId, artifacts] of this.options.models) {
      const version = this.options.versions?.get(modelId) ?? (await findRelease(contracts, modelId, artifacts));
      if (version === undefined) throw new ReleaseMismatchError(`model #${modelId} has no release of ${artifacts.dir} (weights ${artifacts.manifest.quantized.weightsCommitment.slice(0, 10)}...)`);
      await checkRelease(contracts, this.options.signer.provider!, modelId, version, artifacts);
      const [owner] = await contracts.models.getModel(modelId);
      this.log(`serving model #${modelId} release ${unpackVersion(version)} (owner ${owner}): weights, model file and verifier code checked`);
      this.#releases.set(releaseKey(modelId, version), { modelId, version, artifacts });
    }
    return [...this.#releases.keys()];
  }

  /** Joins with `stake` for the checked releases and the levels of the options, unless already joined. */
  async join(stake: bigint): Promise<void> {
    const { nodes, token } = this.options.contracts;
    const me = await this.address();
    const releases = await this.resolveReleases();
    const info = await nodes.getNode(me);
    if (info.stake > 0n) return;
    const allowance = await token.allowance(me, await nodes.getAddress());
    if (allowance < stake) await (await token.approve(await nodes.getAddress(), MaxUint256)).wait();
    await (await nodes.join(stake, releases, levelMask(...this.options.levels))).wait();
    this.log(`joined with ${stake} stake for ${[...this.#releases.values()].map((r) => `#${r.modelId} ${unpackVersion(r.version)}`).join(", ")} at ${this.options.levels.map((l) => TRUST_NAMES[l]).join(", ")}`);
  }

  /** The artifacts of a job's own release, when this node serves it. */
  private artifactsFor(modelId: number | bigint, version: number | bigint): ModelArtifacts | undefined {
    return this.#releases.get(releaseKey(modelId, version))?.artifacts;
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
    const [first] = this.options.models.keys();
    if (await contracts.tee.isEnclaveValid(enclave.address, await this.address(), first ?? 0)) return;
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
    for (const jobId of Object.keys(this.#state.votes ?? {})) this.#duties.add(BigInt(jobId));
    for (const [jobId, output] of Object.entries(this.#state.submitted ?? {})) this.#submitted.set(BigInt(jobId), output.map(BigInt));
    for (const [jobId, job] of Object.entries(this.#state.pending ?? {})) {
      this.#pending.set(BigInt(jobId), { modelId: job.modelId, version: BigInt(job.version), level: job.level as TrustLevel, input: job.input.map(BigInt) });
    }
    for (const jobId of this.#state.duties ?? []) this.#duties.add(BigInt(jobId));
    for (const jobId of this.#state.disputes ?? []) this.#disputes.add(BigInt(jobId));
  }

  private async saveState(): Promise<void> {
    const file = this.options.stateFile;
    if (!file) return;
    this.#state.submitted = Object.fromEntries([...this.#submitted].map(([jobId, output]) => [jobId.toString(), output.map(String)]));
    this.#state.pending = Object.fromEntries(
      [...this.#pending].map(([jobId, job]) => [jobId.toString(), { modelId: job.modelId, version: job.version.toString(), level: job.level, input: job.input.map(String) }]),
    );
    this.#state.duties = [...this.#duties].map(String);
    this.#state.disputes = [...this.#disputes].map(String);
    this.#state.handled = this.#state.handled.slice(-SLOTS * 16);
    await writeFile(`${file}.tmp`, JSON.stringify(this.#state));
    await rename(`${file}.tmp`, file);
  }

  /** One pass: scan new blocks, then work on every open job, committee and dispute, finalize, heartbeat, unjail, withdraw. */
  async poll(): Promise<void> {
    if (!this.#polling) {
      this.#polling = this.pollOnce().finally(() => (this.#polling = undefined));
    }
    return this.#polling;
  }

  private async pollOnce(): Promise<void> {
    if (this.#state.lastBlock < 0) await this.loadState();
    if (this.#releases.size === 0) await this.resolveReleases();
    // A failed scan throws before the cursor moves, so no event is skipped; everything after it is
    // isolated step by step: one failing job never stops the others, nor the node's upkeep.
    await this.scan();
    for (const [jobId, job] of this.#pending) await this.#steps.run(`job ${jobId}`, () => this.work(jobId, job));
    for (const jobId of this.#duties) await this.#steps.run(`committee of job ${jobId}`, () => this.vote(jobId));
    for (const jobId of this.#disputes) await this.#steps.run(`dispute of job ${jobId}`, () => this.drive(jobId));
    await this.#steps.run("finalize", () => this.finalizeOwn());
    await this.#steps.run("heartbeat", () => this.heartbeat());
    await this.#steps.run("unjail", () => this.unjail());
    await this.#steps.run("withdraw", () => this.withdraw());
  }


  /** Queues the new blocks' events; the cursor moves only once they are all queued. */
  private async scan(): Promise<void> {
    const { hub, court } = this.options.contracts;
    const provider = this.options.signer.provider!;
    const me = await this.address();
    const head = await provider.getBlockNumber();
    if (head <= this.#state.lastBlock) return;
    const from = this.#state.lastBlock + 1;
    const latest = Math.min(head, from + MAX_SCAN_BLOCKS - 1);
    const requested = await hub.queryFilter(hub.filters.JobRequested(undefined, undefined, me), from, latest);
    const drawn = await court.queryFilter(court.filters.CommitteeDrawn(), from, latest);
    const opened = await court.queryFilter(court.filters.ChallengeOpened(), from, latest);
    const penalized = await hub.queryFilter(hub.filters.NodePenalized(undefined, me), from, latest);
    for (const e of requested) {
      const jobId = e.args.jobId;
      if (this.#state.handled.includes(jobId.toString())) continue;
      this.#pending.set(jobId, { modelId: Number(e.args.modelId), version: e.args.version, level: Number(e.args.level) as TrustLevel, input: [...e.args.input] });
    }
    for (const e of drawn) {
      if (e.args.committee.includes(me)) {
        this.#duties.add(e.args.jobId);
        this.#disputes.add(e.args.jobId);
      }
    }
    // Every dispute in a pool this node serves is driven by it (drawn as soon as its seed block is
    // mined, resolved once due), so no dispute holds the pool longer than it must.
    for (const e of opened) {
      const job = await hub.getJob(e.args.jobId);
      if (this.#submitted.has(e.args.jobId) || this.#releases.has(releaseKey(job.modelId, job.version))) this.#disputes.add(e.args.jobId);
    }
    for (const e of penalized) this.log(`slashed ${formatUnits(e.args.slashed)} and jailed (job ${e.args.jobId}, ${PENALTIES[Number(e.args.reason)]})`);
    this.#state.lastBlock = latest;
    await this.saveState();
  }

  private async done(jobId: bigint) {
    this.#pending.delete(jobId);
    this.#state.handled.push(jobId.toString());
    await this.saveState();
  }

  private async work(jobId: bigint, job: PendingJob) {
    const { hub } = this.options.contracts;
    const onChain = await hub.getJob(jobId);
    if (Number(onChain.status) !== JobStatus.Requested) return this.done(jobId); // already submitted or ended
    const now = BigInt((await this.options.signer.provider!.getBlock("latest"))!.timestamp);
    if (now > onChain.deadline) {
      this.log(`job ${jobId}: the deadline passed; dropping it`);
      return this.done(jobId);
    }
    if (this.behaviour === "lazy") {
      this.log(`job ${jobId}: lazy, ignoring it`);
      return this.done(jobId);
    }
    if (this.#releases.size === 0) await this.resolveReleases();
    const artifacts = this.artifactsFor(job.modelId, job.version);
    if (!artifacts) {
      this.log(`job ${jobId}: model #${job.modelId} release ${unpackVersion(job.version)} is not one this node serves; it will not answer`);
      return this.done(jobId);
    }
    const me = await this.address();
    const started = Date.now();
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
        weightsCommitment: artifacts.manifest.quantized.weightsCommitment,
      });
      await (await hub.submitTeeResult(jobId, signed.output, signed.signature)).wait();
      this.log(`job ${jobId}: enclave-signed result submitted`);
    } else {
      let output = evaluate(artifacts.model, job.input).output;
      if (this.behaviour === "lying") {
        const classes = artifacts.model.labels?.length;
        output = output.map((v, i) => (i === 0 ? (classes && output.length === 1 ? (v + 1n) % BigInt(classes) : v + 1n) : v));
        this.log(`job ${jobId}: lying, submitting a wrong output`);
      }
      await (await hub.submitResult(jobId, output)).wait();
      this.#submitted.set(jobId, output);
      await this.saveState();
      this.log(`job ${jobId}: result submitted (vanilla; final after the challenge window)`);
    }
    await this.done(jobId);
  }

  /** Commits, then reveals, the engine's output in a committee this node was drawn into. */
  private async vote(jobId: bigint) {
    const { hub, court } = this.options.contracts;
    const me = await this.address();
    const [d, committee] = await court.getDispute(jobId);
    const seat = committee.indexOf(me);
    const key = jobId.toString();
    const forget = async () => {
      this.#duties.delete(jobId);
      if (this.#state.votes) delete this.#state.votes[key];
      await this.saveState();
    };
    if (d.resolved || seat < 0) return forget();
    const vote = await court.getVote(jobId, seat);
    const now = BigInt((await this.options.signer.provider!.getBlock("latest"))!.timestamp);
    if (vote.commitment === ZeroHash) {
      if (now > d.commitBy) return forget();
      const job = await hub.getJob(jobId);
      if (this.#releases.size === 0) await this.resolveReleases();
      const artifacts = this.artifactsFor(job.modelId, job.version);
      const input = await jobInput(this.options.contracts, jobId);
      if (!artifacts || !input) {
        this.log(`job ${jobId}: drawn into its committee but release ${unpackVersion(job.version)} of model #${job.modelId} is not loaded; cannot vote`);
        return forget();
      }
      const mine: VoteState = { outputHash: hashValues(evaluate(artifacts.model, input).output), salt: hexlify(randomBytes(32)) };
      // Saved before the commitment is sent, so that a restart can still reveal it.
      this.#state.votes = { ...this.#state.votes, [key]: mine };
      await this.saveState();
      await (await court.commitVote(jobId, voteCommitment(jobId, me, mine.outputHash, mine.salt))).wait();
      this.log(`job ${jobId}: committee vote committed`);
      return;
    }
    if (vote.outputHash !== ZeroHash) return forget();
    const revealOpen = d.committed === BigInt(committee.length) || now > d.commitBy;
    if (now > d.revealBy) return forget();
    if (!revealOpen) return;
    const mine = this.#state.votes?.[key];
    if (!mine) {
      this.log(`job ${jobId}: committed, but the vote's salt is lost (state file?); cannot reveal`);
      return forget();
    }
    await (await court.revealVote(jobId, mine.outputHash, mine.salt)).wait();
    this.log(`job ${jobId}: committee vote revealed`);
    await forget();
  }

  /** Draws or resolves a dispute of this node's result, or of a committee it sits on, once due. */
  private async drive(jobId: bigint) {
    const step = await driveDispute(this.options.contracts, this.options.signer, jobId);
    if (step === "resolved") this.log(`job ${jobId}: dispute resolved`);
    if (step === "drawn") this.log(`job ${jobId}: committee drawn`);
    if (step === "gone" || step === "resolved") {
      this.#disputes.delete(jobId);
      await this.saveState();
    }
  }

  /** Finalizes this node's undisputed VANILLA results once their window has passed. */
  private async finalizeOwn() {
    if (this.#submitted.size === 0) return;
    const { hub } = this.options.contracts;
    const now = BigInt((await this.options.signer.provider!.getBlock("latest"))!.timestamp);
    for (const [jobId, output] of this.#submitted) {
      const job = await hub.getJob(jobId);
      const status = Number(job.status);
      if (status === JobStatus.Submitted && now > job.deadline) {
        await this.#steps.run(`finalize job ${jobId}`, async () => {
          await (await hub.finalize(jobId, output)).wait();
          this.log(`job ${jobId}: finalized`);
        });
      }
      if (status === JobStatus.Challenged) this.#disputes.add(jobId);
      if (status !== JobStatus.Submitted && status !== JobStatus.Challenged) {
        this.#submitted.delete(jobId);
        await this.saveState();
      }
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

  /** Leaves jail as soon as the registry allows it. */
  private async unjail() {
    const { nodes } = this.options.contracts;
    const info = await nodes.getNode(await this.address());
    if (info.jailedUntil === 0n) return;
    const now = BigInt((await this.options.signer.provider!.getBlock("latest"))!.timestamp);
    if (now < info.jailedUntil || info.stake < (await nodes.minStake())) return;
    await (await nodes.unjail()).wait();
    this.log("left jail: drawable again");
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
