/** Finding a model and its releases in the registry. */
import type { ModelArtifacts } from "../pipeline/prove.js";
import type { Proofgrid } from "./contracts.js";
import { providerOf } from "./jobs.js";
import { allEvents } from "./logs.js";

/** The id of the model registered under `name` (names are unique: the first registrant's), or undefined. */
export async function modelIdByName(contracts: Proofgrid, name: string): Promise<number | undefined> {
  const id = Number(await contracts.models.modelIdOf(name));
  return id === 0 ? undefined : id;
}

/**
 * The id of the model registered under `name` when its latest release has these weights, is not
 * deprecated and (when given) serves exactly these levels; otherwise undefined.
 */
export async function findModel(contracts: Proofgrid, name: string, weightsCommitment: string, levels?: number): Promise<number | undefined> {
  const id = await modelIdByName(contracts, name);
  if (id === undefined) return undefined;
  const [, release] = await contracts.models.getRelease(id, 0);
  const matches = release.weightsCommitment === weightsCommitment && !release.deprecated && (levels === undefined || Number(release.levels) === levels);
  return matches ? id : undefined;
}

/**
 * The newest release of `modelId` that is `artifacts`' model (same weights and model file), or
 * undefined. The latest release is read from storage; only an older one is looked for in the
 * registry's events (window by window from the deployment: there is no stored list of versions).
 */
export async function findRelease(contracts: Proofgrid, modelId: number, artifacts: ModelArtifacts): Promise<number | undefined> {
  const { models } = contracts;
  const mine = (r: { weightsCommitment: string; contentHash: string }) => r.weightsCommitment === artifacts.manifest.quantized.weightsCommitment && r.contentHash === artifacts.manifest.model.hash;
  if (!(modelId >= 1 && modelId <= Number(await models.modelCount()))) return undefined;
  const [latest, release] = await models.getRelease(modelId, 0);
  if (mine(release)) return Number(latest);
  const added = await allEvents(providerOf(contracts), contracts.startBlock, (from, to) => models.queryFilter(models.filters.ReleaseAdded(modelId), from, to));
  for (const e of added.reverse()) {
    if (mine(e.args)) return Number(e.args.version);
  }
  return undefined;
}
