/**
 * A Groth16 phase-2 ceremony for a built model, on chain (ModelRegistry) and on disk: open it from
 * the build's r1cs and powers of tau, contribute in turn, close, seal with the beacon block's hash,
 * and finalize into the build directory, whose release then names the ceremony. The files move
 * between parties however they like (the chain records each zkey's hash); src/pipeline/ceremony.ts
 * does the cryptography.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Provider } from "ethers";
import { typed } from "../../chain/errors.js";
import { ProofgridError } from "../../errors.js";
import { adoptCeremonyKey, findPtau } from "../../pipeline/adopt.js";
import { applyBeacon, contribute, initialZkey, SetupError, type Contribution } from "../../pipeline/ceremony.js";
import { hashFile, readManifestFile, type Manifest } from "../../pipeline/manifest.js";
import { releaseCurve } from "../../pipeline/ptau.js";
import type { ActionContext } from "../types.js";

/** The registry's ceremony phases (IModelRegistry.CeremonyPhase). */
export const CeremonyPhase = { None: 0, Open: 1, Closed: 2, Sealed: 3, Final: 4 } as const;
const PHASE_NAMES = ["none", "open", "closed", "sealed", "final"];

/** Where a build keeps its ceremony's zkeys: <build>/ceremony/<n>.zkey (0: the initial one). */
export const ceremonyDir = (buildDir: string) => path.join(buildDir, "ceremony");

/**
 * Opens a ceremony for the circuit of the build in `buildDir`: writes the initial zkey (no
 * contribution) to <build>/ceremony/0.zkey and records the hashes on chain. The caller coordinates.
 */
export async function openCeremony(context: ActionContext, buildDir: string, options: { ptau?: string } = {}): Promise<{ ceremonyId: number; zkey: string }> {
  const manifest = await readManifestFile(buildDir);
  const r1cs = path.resolve(buildDir, manifest.r1cs.file);
  if ((await hashFile(r1cs)) !== manifest.r1cs.hash) throw new SetupError(`${r1cs} is not the r1cs ${buildDir}'s manifest names: build again`);
  const ptau = await findPtau(manifest.ptau, options.ptau ? [options.ptau] : []);
  await mkdir(ceremonyDir(buildDir), { recursive: true });
  const zkey = path.join(ceremonyDir(buildDir), "0.zkey");
  try {
    await initialZkey(r1cs, ptau, zkey);
  } finally {
    await releaseCurve();
  }
  const { models } = context.contracts;
  const receipt = await typed("openCeremony", async () =>
    (await (await models.openCeremony(manifest.quantized.weightsCommitment, manifest.r1cs.hash, manifest.ptau.hash, await hashFile(zkey))).wait())!,
  );
  for (const log of receipt.logs) {
    const parsed = models.interface.parseLog(log);
    if (parsed?.name === "CeremonyOpened") return { ceremonyId: Number(parsed.args.ceremonyId), zkey };
  }
  throw new ProofgridError(`openCeremony: transaction ${receipt.hash} emitted no CeremonyOpened event`);
}

/**
 * Contributes to open ceremony `ceremonyId`: reads `inZkey` (the latest zkey), writes `outZkey`
 * with a fresh secret that is forgotten when this returns, and records the contribution on chain
 * under the signer's address (a node's check looks for its own).
 */
export async function contributeToCeremony(context: ActionContext, ceremonyId: number, inZkey: string, outZkey: string, name = "proofgrid contributor"): Promise<Contribution> {
  const [, phase] = await context.contracts.models.getCeremony(ceremonyId);
  if (Number(phase) !== CeremonyPhase.Open) throw new SetupError(`ceremony #${ceremonyId} is ${PHASE_NAMES[Number(phase)] ?? phase}, not open`);
  let c: Contribution;
  try {
    c = await contribute(inZkey, outZkey, name);
  } finally {
    await releaseCurve();
  }
  await typed("contribute", async () => (await context.contracts.models.contribute(ceremonyId, await hashFile(inZkey), await hashFile(outZkey), c.id)).wait());
  return c;
}

/** Closes ceremony `ceremonyId` (coordinator only): its beacon block is fixed a few blocks ahead. */
export async function closeCeremony(context: ActionContext, ceremonyId: number): Promise<bigint> {
  await typed("closeCeremony", async () => (await context.contracts.models.closeCeremony(ceremonyId)).wait());
  const [c] = await context.contracts.models.getCeremony(ceremonyId);
  return c.beaconBlock;
}

/**
 * Seals (once the beacon block is mined), applies the beacon to `lastZkey`, puts the final zkey
 * into `buildDir` (checked against its r1cs and powers of tau, verifier and adapter remade) and
 * records it on chain. `waitForBlock` is called while the beacon block is ahead (on a development
 * chain: mine a block; elsewhere: wait). Returns the build's new manifest.
 */
export async function finalizeCeremony(
  context: ActionContext,
  ceremonyId: number,
  buildDir: string,
  lastZkey: string,
  options: { ptau?: string; verifiersDir?: string; waitForBlock?: (provider: Provider) => Promise<void> } = {},
): Promise<Manifest> {
  const { models } = context.contracts;
  const provider = context.signer.provider!;
  const wait = options.waitForBlock ?? (() => new Promise<void>((resolve) => setTimeout(resolve, 4_000)));
  for (;;) {
    const [c, phase] = await models.getCeremony(ceremonyId);
    if (Number(phase) === CeremonyPhase.Sealed) break;
    if (Number(phase) !== CeremonyPhase.Closed) throw new SetupError(`ceremony #${ceremonyId} is ${PHASE_NAMES[Number(phase)] ?? phase}; close it first`);
    if (BigInt(await provider.getBlockNumber()) > c.beaconBlock) await typed("sealCeremony", async () => (await models.sealCeremony(ceremonyId)).wait());
    else await wait(provider);
  }
  const [c] = await models.getCeremony(ceremonyId);
  const finalZkey = path.join(ceremonyDir(buildDir), "final.zkey");
  try {
    await applyBeacon(lastZkey, finalZkey, c.beacon);
  } finally {
    await releaseCurve();
  }
  const manifest = await adoptCeremonyKey(buildDir, finalZkey, { ceremonyId, beacon: c.beacon, ptau: options.ptau, verifiersDir: options.verifiersDir });
  await typed("finalizeCeremony", async () => (await models.finalizeCeremony(ceremonyId, manifest.zkey.hash)).wait());
  return manifest;
}
