/**
 * What a node checks about a release's keys before it stakes on them. A Groth16 verifier is only
 * as sound as its setup: whoever knows the key's delta (or phase 1's tau) can prove any output,
 * settle lies at ZK and slash honest nodes with forged fraud proofs. So, for a release with a
 * verifier, the node
 *   1. refuses a single-party development key (the release names no ceremony) unless its operator
 *      says this is a development chain;
 *   2. rebuilds the circuit itself from the quantized model whose weights commitment the release
 *      holds (generated code carries nothing else), compiles it, and requires the r1cs the
 *      ceremony named;
 *   3. checks the final zkey with snarkjs' `zkey verify` against its own r1cs and a
 *      powers-of-tau file it trusts (the ceremony's phase 1, by hash);
 *   4. requires the transcript to end in the ceremony's on-chain beacon, every contribution to be
 *      recorded on chain, and one of them to be recorded by the node itself (or by an address its
 *      operator trusts);
 *   5. compiles the verifier and adapter from that zkey itself; the caller then compares them with
 *      the code on chain.
 * Steps 2, 3 and 5 are the slow ones (seconds for small circuits); their result is kept in this
 * machine's cache, keyed by every hash that went into them.
 */
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { getAddress, ZeroAddress } from "ethers";
import type { Proofgrid } from "../chain/contracts.js";
import { weightsCommitment } from "../protocol/hashing.js";
import { findPtau } from "../pipeline/adopt.js";
import { circuitSourceOf, checkCompiled, writeContracts } from "../pipeline/build.js";
import { SetupError, verifySetup, type TranscriptEntry } from "../pipeline/ceremony.js";
import { circuitLayout } from "../pipeline/circuit.js";
import { compileCircuit, libraryHash, toolVersions } from "../pipeline/circom.js";
import { hashFile, PIPELINE_VERSION } from "../pipeline/manifest.js";
import { silentProgress } from "../pipeline/progress.js";
import type { ModelArtifacts } from "../pipeline/prove.js";
import { cacheDir, releaseCurve } from "../pipeline/ptau.js";
import { countConstraints, readR1cs } from "../pipeline/witness.js";
import { hashBytes } from "../protocol/hashing.js";

/** What a node operator trusts about setups. */
export interface SetupTrust {
  /**
   * Serve releases whose keys are a single-party development setup (no ceremony). Whoever made
   * such a key can prove anything: only for a development chain whose keys this machine made.
   * Default false.
   */
  developmentKeys?: boolean;
  /** Addresses whose recorded ceremony contributions this operator trusts (default: the node's own). */
  contributors?: string[];
  /** Powers-of-tau files this operator trusts (ceremony files); this machine's local cache is searched too. */
  ptau?: string[];
}

/** A release's setup as the node found it. */
export interface CheckedSetup {
  kind: "none" | "development" | "ceremony";
  ceremonyId?: number;
  transcript?: TranscriptEntry[];
  /** The creation bytecode the node compiled itself from the checked zkey (ceremony releases). */
  deployable?: { bytecode: string; verifierBytecode: string };
  /** The witness calculator the node compiled itself (ceremony releases): prove with this one. */
  wasm?: string;
}

interface Audit {
  transcript: TranscriptEntry[];
  deployable: { bytecode: string; verifierBytecode: string };
  /** The witness calculator compiled here from the node's own circuit: the only one it proves with. */
  wasm: string;
}

/**
 * Rebuilds the circuit and the contracts of `artifacts` from its quantized model and zkey in a
 * scratch directory, and verifies the zkey against the rebuilt r1cs and `ptauFile` (whose
 * keccak256 the caller has checked to be `ptauHash`). Throws
 * SetupError on any difference.
 */
export async function auditBuild(artifacts: ModelArtifacts, ptauFile: string, ptauHash: string, expectedR1cs: string): Promise<Audit> {
  const { manifest, model } = artifacts;
  const commitment = weightsCommitment(model);
  if (commitment !== manifest.quantized.weightsCommitment) throw new SetupError(`${artifacts.dir}: the quantized model's weights commitment ${commitment} is not the manifest's`);
  const zkeyHash = await hashFile(artifacts.zkey);
  const tools = await toolVersions();
  const key = hashBytes([PIPELINE_VERSION, tools.circom, tools.snarkjs, await libraryHash(), commitment, manifest.model.hash, expectedR1cs, zkeyHash, ptauHash].join("\0"));
  const cacheFile = path.join(cacheDir(), "audits", `${key.slice(2)}.json`);
  const keptWasm = path.join(cacheDir(), "audits", `${key.slice(2)}.wasm`);
  if (existsSync(cacheFile) && existsSync(keptWasm)) return JSON.parse(await readFile(cacheFile, "utf8")) as Audit;

  const dir = await mkdtemp(path.join(os.tmpdir(), "proofgrid-audit-"));
  try {
    const stem = "audit";
    const source = circuitSourceOf(model, manifest.model.hash);
    await writeFile(path.join(dir, `${stem}.circom`), source);
    await compileCircuit(path.join(dir, `${stem}.circom`), dir);
    const r1csFile = path.join(dir, `${stem}.r1cs`);
    const r1csHash = await hashFile(r1csFile);
    if (r1csHash !== expectedR1cs) {
      throw new SetupError(`the circuit of weights ${commitment.slice(0, 10)}... compiles here to r1cs ${r1csHash.slice(0, 10)}..., the ceremony's is ${expectedR1cs.slice(0, 10)}...: not this model's circuit (or another circom/pipeline version)`);
    }
    const r1cs = await readR1cs(r1csFile);
    await checkCompiled(r1cs, countConstraints(r1cs), path.join(dir, `${stem}.sym`), circuitLayout(model));
    const { entries } = await verifySetup(r1csFile, ptauFile, artifacts.zkey);
    const contracts = await writeContracts(dir, manifest.model.name, model, artifacts.zkey, undefined, silentProgress());
    const deployable = JSON.parse(await readFile(path.join(dir, contracts.entries.deployable.file), "utf8")) as Audit["deployable"];
    // The build's own wasm is the owner's file and could refuse (or loop on) chosen inputs with the
    // same r1cs: the node keeps the one it compiled and proves with that.
    await mkdir(path.dirname(cacheFile), { recursive: true });
    await copyFile(path.join(dir, `${stem}_js`, `${stem}.wasm`), keptWasm);
    const audit: Audit = { transcript: entries, deployable: { bytecode: deployable.bytecode, verifierBytecode: deployable.verifierBytecode }, wasm: keptWasm };
    await writeFile(cacheFile, JSON.stringify(audit));
    return audit;
  } finally {
    await releaseCurve();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Checks the setup of release `version` of `modelId` for a node whose operator is `node`. Returns
 * what it found; throws SetupError when the node must not stake on the release.
 */
export async function checkSetup(
  contracts: Proofgrid,
  modelId: number,
  version: number,
  artifacts: ModelArtifacts,
  node: string,
  trust: SetupTrust = {},
  where = `model #${modelId}`,
): Promise<CheckedSetup> {
  const [, release] = await contracts.models.getRelease(modelId, version);
  if (release.verifier === ZeroAddress) return { kind: "none" };
  const ceremonyId = Number(release.ceremony);
  if (ceremonyId === 0) {
    if (trust.developmentKeys) return { kind: "development" };
    throw new SetupError(
      `${where}: its verifier comes from a single-party development key (the release names no ceremony); whoever made that key can prove any output, ` +
        `and a fraud proof made with it would slash this node. Refusing to stake on it (on a development chain, accept development keys explicitly).`,
    );
  }
  const [c, phase] = await contracts.models.getCeremony(ceremonyId);
  if (Number(phase) !== 4) throw new SetupError(`${where}: ceremony #${ceremonyId} is not final (phase ${phase})`);
  if (c.weightsCommitment !== release.weightsCommitment) throw new SetupError(`${where}: ceremony #${ceremonyId} is for other weights`);
  const zkeyHash = await hashFile(artifacts.zkey);
  if (zkeyHash !== c.finalZkey) throw new SetupError(`${where}: ${artifacts.zkey} (${zkeyHash.slice(0, 10)}...) is not ceremony #${ceremonyId}'s final zkey (${c.finalZkey.slice(0, 10)}...)`);
  const ptau = await findPtau({ hash: c.ptauHash, name: artifacts.manifest.ptau.name }, trust.ptau ?? []);
  const audit = await auditBuild(artifacts, ptau, c.ptauHash, c.r1csHash); // findPtau matched the file to this hash

  const entries = audit.transcript;
  const last = entries.at(-1);
  if (!last || last.kind !== "beacon" || last.beacon?.toLowerCase() !== c.beacon.toLowerCase()) {
    throw new SetupError(`${where}: the zkey's transcript does not end with ceremony #${ceremonyId}'s beacon ${c.beacon}`);
  }
  const contributions = entries.slice(0, -1);
  if (contributions.length === 0 || contributions.some((e) => e.kind !== "contribution")) throw new SetupError(`${where}: the zkey's transcript holds no contribution before its beacon`);
  const trusted = new Set((trust.contributors ?? [node]).map((a) => getAddress(a)));
  let ours = false;
  for (const e of contributions) {
    const by = await contracts.models.contributorOf(ceremonyId, e.id);
    if (by === ZeroAddress) throw new SetupError(`${where}: contribution ${e.index + 1} (${e.id.slice(0, 10)}...) of the zkey is not recorded in ceremony #${ceremonyId}`);
    if (trusted.has(getAddress(by))) ours = true;
  }
  if (!ours) {
    throw new SetupError(
      `${where}: the final key's transcript holds no contribution by ${[...trusted].join(" or ")} (one recorded on chain but built on an older key than the last one is not in it); contribute to the ceremony (or name a contributor you trust) before serving it`,
    );
  }
  return { kind: "ceremony", ceremonyId, transcript: entries, deployable: audit.deployable, wasm: audit.wasm };
}
