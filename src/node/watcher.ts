/**
 * A watcher (anyone): re-executes every VANILLA result with the engine and challenges the wrong ones
 * with a bond. Where the model has a circuit it settles the challenge at once with a proof of the
 * true output (made for itself, so nobody can take it); otherwise the committee the hub draws votes.
 */
import { MaxUint256, type Signer } from "ethers";
import type { Proofgrid } from "../../deploy/proofgrid.js";
import { evaluate } from "../engine/fixed.js";
import { proveInference, type ModelArtifacts } from "../pipeline/prove.js";
import { ChallengeMode, hashValues, JobStatus, TrustLevel } from "../protocol/index.js";
import { toTypedError } from "../sdk/errors.js";

export interface WatcherOptions {
  signer: Signer;
  contracts: Proofgrid;
  models: Map<number, ModelArtifacts>;
  log?: (line: string) => void;
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
  #seen = new Set<bigint>();
  readonly challenges: ChallengeRecord[] = [];

  constructor(private readonly options: WatcherOptions) {}

  private log(line: string) {
    (this.options.log ?? ((l: string) => console.error(l)))(`[watcher] ${line}`);
  }

  /** Scans new VANILLA results and challenges the wrong ones. */
  async poll(): Promise<void> {
    const { hub, token } = this.options.contracts;
    const provider = this.options.signer.provider!;
    if (this.#lastBlock < 0) this.#lastBlock = this.options.contracts.startBlock - 1;
    const latest = await provider.getBlockNumber();
    if (latest <= this.#lastBlock) return;
    const events = await hub.queryFilter(hub.filters.ResultSubmitted(), this.#lastBlock + 1, latest);
    this.#lastBlock = latest;
    for (const e of events) {
      const jobId = e.args.jobId;
      if (Number(e.args.level) !== TrustLevel.VANILLA || this.#seen.has(jobId)) continue;
      this.#seen.add(jobId);
      const job = await hub.getJob(jobId);
      const artifacts = this.options.models.get(Number(job.modelId));
      const requested = (await hub.queryFilter(hub.filters.JobRequested(jobId)))[0];
      if (!artifacts || !requested) continue;
      const input = [...requested.args.input];
      const truth = evaluate(artifacts.model, input).output;
      const posted = [...e.args.output];
      if (hashValues(truth) === hashValues(posted)) continue;
      if (Number(job.status) !== JobStatus.Submitted) continue;
      this.log(`job ${jobId}: posted [${posted.join(", ")}], re-execution gives [${truth.join(", ")}]: challenging`);
      const me = await this.options.signer.getAddress();
      const record: ChallengeRecord = { jobId, posted, truth, resolved: "committee", txs: [], gas: {} };
      try {
        const bond = (await hub.parameters()).challengeBond;
        if ((await token.allowance(me, await hub.getAddress())) < bond) await (await token.approve(await hub.getAddress(), MaxUint256)).wait();
        const receipt = (await (await hub.challenge(jobId)).wait())!;
        record.txs.push(receipt.hash);
        record.gas.challenge = receipt.gasUsed;
        const [challenge] = await hub.getChallenge(jobId);
        if (Number(challenge.mode) === ChallengeMode.Proof) {
          const { chainId } = await provider.getNetwork();
          const proof = await proveInference(artifacts, input, { chainId, hub: await hub.getAddress(), jobId, prover: me });
          const resolved = (await (await hub.resolveWithProof(jobId, input, proof.output, proof.calldata)).wait())!;
          record.txs.push(resolved.hash);
          record.gas.resolve = resolved.gasUsed;
          record.resolved = "proof";
          this.log(`job ${jobId}: proven wrong with a Groth16 proof; node slashed, requester refunded`);
        } else {
          this.log(`job ${jobId}: committee drawn; its members vote`);
        }
      } catch (error) {
        this.log(`job ${jobId}: challenge failed: ${toTypedError(error, "challenge").message}`);
      }
      this.challenges.push(record);
    }
  }
}
