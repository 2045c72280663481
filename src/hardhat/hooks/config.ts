import path from "node:path";
import type { HardhatUserConfigValidationError } from "hardhat/types/hooks";
import type { ConfigHooks } from "hardhat/types/hooks";
import type { ProofgridModelConfig } from "../type-extensions.js";

export default async (): Promise<Partial<ConfigHooks>> => ({
  async validateUserConfig(userConfig) {
    const errors: HardhatUserConfigValidationError[] = [];
    const pg = userConfig.proofgrid;
    if (pg === undefined) return errors;
    if (typeof pg !== "object" || pg === null) return [{ path: ["proofgrid"], message: "must be an object" }];
    (pg.models ?? []).forEach((m, i) => {
      const file = typeof m === "string" ? m : m?.file;
      if (typeof file !== "string" || file === "") errors.push({ path: ["proofgrid", "models", i], message: "must be a model file path or { file: <path> }" });
      if (typeof m === "object" && m.inputRange !== undefined && (!Array.isArray(m.inputRange) || m.inputRange.length !== 2 || !(m.inputRange[0] < m.inputRange[1]))) {
        errors.push({ path: ["proofgrid", "models", i, "inputRange"], message: "must be [low, high] with low < high" });
      }
    });
    for (const key of ["buildDir", "verifiersDir", "ptau"] as const) {
      if (pg[key] !== undefined && typeof pg[key] !== "string") errors.push({ path: ["proofgrid", key], message: "must be a path" });
    }
    return errors;
  },
  async resolveUserConfig(userConfig, resolveConfigurationVariable, next) {
    const resolved = await next(userConfig, resolveConfigurationVariable);
    const pg = userConfig.proofgrid ?? {};
    const root = resolved.paths.root;
    const models: ProofgridModelConfig[] = (pg.models ?? []).map((m) => {
      const model = typeof m === "string" ? { file: m } : m;
      return { ...model, file: path.resolve(root, model.file) };
    });
    return {
      ...resolved,
      proofgrid: {
        models,
        buildDir: path.resolve(root, pg.buildDir ?? "build/proofgrid"),
        verifiersDir: path.resolve(root, pg.verifiersDir ?? "contracts/proofgrid"),
        ...(pg.ptau ? { ptau: path.resolve(root, pg.ptau) } : {}),
      },
    };
  },
});
