import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { buildConfigured, selectModels } from "../models.js";

/** `npx hardhat proofgrid build [model]`: builds the configured models, their verifiers copied into the project. */
export default async function build(args: { model: string; quiet: boolean }, hre: HardhatRuntimeEnvironment): Promise<void> {
  for (const model of await selectModels(hre.config, args.model || undefined)) {
    const { result } = await buildConfigured(hre.config, model, args.quiet);
    console.log(`${result.manifest.model.name}: ${result.dir} (verifiers in ${hre.config.proofgrid.verifiersDir})`);
  }
}
