/** The `proofgrid` entry of hardhat.config.ts. */
import "hardhat/types/config";

export interface ProofgridModelConfig {
  /** The model file (ONNX or JSON spec) or a directory holding one, relative to the project. */
  file: string;
  /** Overrides the model's name (the contracts are named after it). */
  name?: string;
  /** The real range of every input (ONNX files carry none; default [-1, 1]). */
  inputRange?: [number, number];
  scaleBits?: number;
}

export interface ProofgridUserConfig {
  /** The models `proofgrid build` builds and the test helper registers. */
  models?: (string | ProofgridModelConfig)[];
  /** Where each model's build directory goes (default build/proofgrid). */
  buildDir?: string;
  /** Where the generated verifier and adapter are copied, so that the project compiles them (default contracts/proofgrid). */
  verifiersDir?: string;
  /** A powers-of-tau ceremony file for production keys (default: a local one, cached). */
  ptau?: string;
}

export interface ProofgridConfig {
  models: ProofgridModelConfig[];
  buildDir: string;
  verifiersDir: string;
  ptau?: string;
}

declare module "hardhat/types/config" {
  interface HardhatUserConfig {
    proofgrid?: ProofgridUserConfig;
  }
  interface HardhatConfig {
    proofgrid: ProofgridConfig;
  }
}
