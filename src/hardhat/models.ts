/** The configured models, built (cached) into the project's build directory. */
import path from "node:path";
import type { HardhatConfig } from "hardhat/types/config";
import { ProofgridError } from "../errors.js";
import { buildModel, type BuildResult } from "../pipeline/build.js";
import { loadModel } from "../pipeline/load.js";
import { consoleProgress, silentProgress } from "../pipeline/progress.js";
import { loadArtifacts, type ModelArtifacts } from "../pipeline/prove.js";
import type { ProofgridModelConfig } from "./type-extensions.js";

export class ProofgridConfigError extends ProofgridError {
  override name = "ProofgridConfigError";
}

/** The configured models named `only` (a name or a file), or all of them. */
export async function selectModels(config: HardhatConfig, only?: string): Promise<ProofgridModelConfig[]> {
  const models = config.proofgrid.models;
  if (models.length === 0) throw new ProofgridConfigError("no models in hardhat.config.ts: add proofgrid: { models: [\"models/my-model.onnx\"] }");
  if (!only) return models;
  const wanted = path.resolve(config.paths.root, only);
  for (const m of models) {
    const name = m.name ?? (await loadModel(m.file)).model.name;
    if (name === only || m.file === wanted) return [m];
  }
  throw new ProofgridConfigError(`no configured model is named or found at ${only}; configured: ${models.map((m) => path.relative(config.paths.root, m.file)).join(", ")}`);
}

/** Builds one configured model (cached: a second build of an unchanged model is instant). */
export async function buildConfigured(config: HardhatConfig, model: ProofgridModelConfig, quiet = false): Promise<{ result: BuildResult; artifacts: ModelArtifacts }> {
  const name = model.name ?? (await loadModel(model.file, { inputRange: model.inputRange })).model.name;
  const result = await buildModel(model.file, {
    out: path.join(config.proofgrid.buildDir, name),
    name: model.name,
    inputRange: model.inputRange,
    scaleBits: model.scaleBits,
    ptau: config.proofgrid.ptau,
    verifiersDir: config.proofgrid.verifiersDir,
    progress: quiet ? silentProgress() : consoleProgress(6),
  });
  return { result, artifacts: await loadArtifacts(result.dir) };
}
