/**
 * What a node keeps across restarts (optional, in a JSON file written atomically): the scan
 * position, the jobs it handled, the jobs assigned and not yet served, the VANILLA outputs it
 * posted and must finalize or defend, the committee votes it committed (their salts, so that it
 * can still reveal them) and the disputes it drives.
 */
import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import type { TrustLevel } from "../protocol/index.js";

export interface VoteState {
  outputHash: string;
  salt: string;
}

export interface PendingJob {
  modelId: number;
  version: bigint;
  level: TrustLevel;
  input: bigint[];
}

/** How many handled job ids the file remembers (older ones are re-checked on chain if seen again). */
const HANDLED_KEPT = 1_024;

interface StateFile {
  lastBlock: number;
  handled: string[];
  votes?: Record<string, VoteState>;
  submitted?: Record<string, string[]>;
  pending?: Record<string, { modelId: number; version: string; level: number; input: string[] }>;
  duties?: string[];
  disputes?: string[];
}

export class NodeState {
  lastBlock = -1;
  handled: string[] = [];
  /** Committee votes committed, by job id. */
  votes: Record<string, VoteState> = {};
  /** VANILLA outputs posted and not yet seen end, by job id. */
  readonly submitted = new Map<bigint, bigint[]>();
  /** Jobs assigned and not yet served. */
  readonly pending = new Map<bigint, PendingJob>();
  /** Committees this node sits on. */
  readonly duties = new Set<bigint>();
  /** Disputes this node drives (of its results, or of its committees and pools). */
  readonly disputes = new Set<bigint>();

  constructor(private readonly file?: string) {}

  get loaded(): boolean {
    return this.lastBlock >= 0;
  }

  async load(startBlock: number): Promise<void> {
    if (this.file && existsSync(this.file)) {
      const s = JSON.parse(await readFile(this.file, "utf8")) as StateFile;
      this.lastBlock = s.lastBlock;
      this.handled = s.handled ?? [];
      this.votes = s.votes ?? {};
      for (const [jobId, output] of Object.entries(s.submitted ?? {})) this.submitted.set(BigInt(jobId), output.map(BigInt));
      for (const [jobId, job] of Object.entries(s.pending ?? {})) {
        this.pending.set(BigInt(jobId), { modelId: job.modelId, version: BigInt(job.version), level: job.level as TrustLevel, input: job.input.map(BigInt) });
      }
      for (const jobId of [...Object.keys(this.votes), ...(s.duties ?? [])]) this.duties.add(BigInt(jobId));
      for (const jobId of s.disputes ?? []) this.disputes.add(BigInt(jobId));
    }
    if (this.lastBlock < 0) this.lastBlock = startBlock - 1;
  }

  async save(): Promise<void> {
    if (!this.file) return;
    this.handled = this.handled.slice(-HANDLED_KEPT);
    const s: StateFile = {
      lastBlock: this.lastBlock,
      handled: this.handled,
      votes: this.votes,
      submitted: Object.fromEntries([...this.submitted].map(([jobId, output]) => [jobId.toString(), output.map(String)])),
      pending: Object.fromEntries(
        [...this.pending].map(([jobId, job]) => [jobId.toString(), { modelId: job.modelId, version: job.version.toString(), level: job.level, input: job.input.map(String) }]),
      ),
      duties: [...this.duties].map(String),
      disputes: [...this.disputes].map(String),
    };
    await writeFile(`${this.file}.tmp`, JSON.stringify(s));
    await rename(`${this.file}.tmp`, this.file);
  }
}
