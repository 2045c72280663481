/**
 * A watcher (anyone): re-executes every VANILLA result with the engine and disputes the wrong ones.
 * Where the release has a proof verifier it proves the true output to the court (`proveFraud`,
 * bound to itself, so nobody can take it from the mempool) and resolves the claim once its answer
 * window closes; otherwise it opens a committee challenge with a bond and drives it (draw, resolve)
 * while the committee votes. It also answers other parties' fraud proofs of outputs the model does
 * not compute against right results: a proof of the posted output beside the claim's freezes the
 * release as unsound, so a forged proof never slashes an honest node.
 *
 * The block cursor moves only once the new results are queued; each queued result is judged in a
 * step of its own, so one that fails (a bad value, a revert, an RPC error) is retried on the next
 * poll and never hides the others. A dispute that could not be opened is retried until the
 * challenge window closes.
 */
import { ZeroAddress, type Signer } from "ethers";
import type { Proofgrid } from "../chain/contracts.js";
import { readJobRequest } from "../chain/jobs.js";
import { Poller } from "../chain/poller.js";
import { chainNow } from "../chain/time.js";
import { approveIfNeeded } from "../chain/tokens.js";
import { evaluate } from "../engine/fixed.js";
import { proveInference, releaseProver, type ModelArtifacts } from "../pipeline/prove.js";
import { hashValues, JobStatus, TrustLevel } from "../protocol/index.js";
import { driveDispute } from "./disputes.js";
import { Steps } from "./steps.js";

export interface WatcherOptions {
  signer: Signer;
  contracts: Proofgrid;
  models: Map<number, ModelArtifacts>;
  log?: (line: string) => void;
  /** Poll interval of start() (default 1 s). */
  pollMs?: number;
}

export interface ChallengeRecord {
  jobId: bigint;
  posted: bigint[];
  truth: bigint[];
  resolved: "proof" | "committee";
  txs: string[];
  gas: Record<string, bigint>;
}

export class Watcher {
  #lastBlock = -1;
  /** VANILLA results still to judge, by job id: the posted output. */
  #queue = new Map<bigint, bigint[]>();
  /** Committee disputes this watcher opened and drives until they are resolved. */
  #disputes = new Set<bigint>();
  #steps = new Steps((line) => this.log(line));
  readonly challenges: ChallengeRecord[] = [];
  readonly #poller: Poller;

  constructor(private readonly options: WatcherOptions) {
    this.#poller = new Poller(() => this.pollOnce(), { intervalMs: options.pollMs ?? 1_000, log: (line) => this.log(line) });
  }

  /** Polls until stop(), one poll at a time, backing off while the RPC fails. */
  start(): void {
    this.#poller.start();
  }

  /** Stops polling; the prover's worker threads are freed once no proof in this process needs them. */
  async stop(): Promise<void> {
    await this.#poller.stop();
    await releaseProver();
  }

  private log(line: string) {
    (this.options.log ?? ((l: string) => console.error(l)))(`[watcher] ${line}`);
  }

  /** Queues new VANILLA results, judges every queued one and drives its open disputes. */
  poll(): Promise<void> {
    return this.#poller.once();
  }

  private async pollOnce(): Promise<void> {
    const { hub } = this.options.contracts;
    const provider = this.options.signer.provider!;
    if (this.#lastBlock < 0) this.#lastBlock = this.options.contracts.startBlock - 1;
    const head = await provider.getBlockNumber();
    if (head > this.#lastBlock) {
      // At most 5,000 blocks per poll, so that catching up stays within RPC limits.
      const latest = Math.min(head, this.#lastBlock + 5_000);
      const events = await hub.queryFilter(hub.filters.ResultSubmitted(), this.#lastBlock + 1, latest);
      for (const e of events) {
        if (Number(e.args.level) === TrustLevel.VANILLA) this.#queue.set(e.args.jobId, [...e.args.output]);
      }
      // Every fraud proof is watched: one against a right result gets answered (driveDispute).
      const { court } = this.options.contracts;
      for (const e of await court.queryFilter(court.filters.FraudClaimed(), this.#lastBlock + 1, latest)) this.#disputes.add(e.args.jobId);
      this.#lastBlock = latest;
    }
    for (const [jobId, posted] of this.#queue) await this.#steps.run(`job ${jobId}`, () => this.judge(jobId, posted));
    for (const jobId of this.#disputes) {
      await this.#steps.run(`dispute of job ${jobId}`, async () => {
        const step = await driveDispute(this.options.contracts, this.options.signer, jobId, (modelId, version) => this.artifactsOf(modelId, version));
        if (step === "drawn") this.log(`job ${jobId}: committee drawn; its members vote`);
        if (step === "answered") this.log(`job ${jobId}: a fraud proof of an output the model does not compute was answered: the release is frozen as unsound`);
        if (step === "resolved") this.log(`job ${jobId}: dispute resolved`);
        if (step === "gone" || step === "resolved" || step === "answered") this.#disputes.delete(jobId);
      });
    }
  }


  /** The artifacts of a release when they are its own (same weights), else undefined. */
  private async artifactsOf(modelId: bigint, version: bigint): Promise<ModelArtifacts | undefined> {
    const artifacts = this.options.models.get(Number(modelId));
    if (!artifacts) return undefined;
    const [, release] = await this.options.contracts.models.getRelease(modelId, version);
    return release.weightsCommitment === artifacts.manifest.quantized.weightsCommitment ? artifacts : undefined;
  }

  /** Re-executes one posted result; disputes it when wrong. Forgets it once judged or past its window. */
  private async judge(jobId: bigint, posted: bigint[]): Promise<void> {
    const { hub, token, court, models } = this.options.contracts;
    const provider = this.options.signer.provider!;
    const job = await hub.getJob(jobId);
    const now = await chainNow(provider);
    if (Number(job.status) !== JobStatus.Submitted || now > job.deadline) {
      this.#queue.delete(jobId);
      return;
    }
    const artifacts = this.options.models.get(Number(job.modelId));
    const input = (await readJobRequest(this.options.contracts, jobId))?.input;
    // Judge only with the artifacts of the job's own release: another release's weights would
    // call honest results wrong (and lose bonds) or miss lies.
    const [, release] = await models.getRelease(job.modelId, job.version);
    if (!artifacts || !input || release.weightsCommitment !== artifacts.manifest.quantized.weightsCommitment) {
      this.#queue.delete(jobId); // not a release this watcher can judge
      return;
    }
    const truth = evaluate(artifacts.model, input).output;
    if (hashValues(truth) === hashValues(posted)) {
      this.#queue.delete(jobId);
      return;
    }
    const me = await this.options.signer.getAddress();
    const [verifier] = await models.verifierOf(job.modelId, job.version);
    const record: ChallengeRecord = { jobId, posted, truth, resolved: "committee", txs: [], gas: {} };
    if (verifier !== ZeroAddress) {
      this.log(`job ${jobId}: posted [${posted.join(", ")}], re-execution gives [${truth.join(", ")}]: proving fraud`);
      const { chainId } = await provider.getNetwork();
      const proof = await proveInference(artifacts, input, { chainId, hub: await court.getAddress(), jobId, prover: me });
      const bond = (await hub.termsOf(jobId)).challengeBond;
      await approveIfNeeded(token, await hub.getAddress(), bond, { exact: false });
      const receipt = (await (await court.proveFraud(jobId, input, proof.output, proof.calldata)).wait())!;
      record.txs.push(receipt.hash);
      record.gas.proveFraud = receipt.gasUsed;
      record.resolved = "proof";
      this.#disputes.add(jobId);
      this.log(`job ${jobId}: proven wrong with a Groth16 proof; decided when its answer window closes (the node cannot answer a true claim)`);
    } else {
      this.log(`job ${jobId}: posted [${posted.join(", ")}], re-execution gives [${truth.join(", ")}]: challenging before a committee`);
      const bond = (await hub.termsOf(jobId)).challengeBond;
      await approveIfNeeded(token, await hub.getAddress(), bond, { exact: false });
      const receipt = (await (await court.challenge(jobId)).wait())!;
      record.txs.push(receipt.hash);
      record.gas.challenge = receipt.gasUsed;
      this.#disputes.add(jobId);
    }
    this.#queue.delete(jobId);
    this.challenges.push(record);
  }
}
