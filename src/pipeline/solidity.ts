/**
 * Compiles a model's generated verifier and adapter with solc-js (the npm `solc` package, the same
 * compiler and settings as hardhat.config.ts: src/pipeline/compiler.ts), so that a build directory holds a deployable contract
 * and the SDK and CLI can deploy it on any network without a Hardhat project.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { BuildError } from "../errors.js";
import { loadSolc, SOLC_SETTINGS } from "./compiler.js";

export interface CompiledContract {
  contractName: string;
  abi: unknown[];
  bytecode: string;
  compiler: string;
  /** Creation bytecode of the `also` contract, when asked for. */
  alsoBytecode?: string;
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
}

/**
 * Compiles `sources` (unit name -> content); imports resolve against `root` and its node_modules.
 * Returns `contract` from `unit`.
 */
export function compileContract(root: string, sources: Record<string, string>, unit: string, contract: string, also?: [unit: string, contract: string]): CompiledContract {
  const solc = loadSolc();
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(Object.entries(sources).map(([name, content]) => [name, { content }])),
    settings: {
      ...SOLC_SETTINGS,
      outputSelection: {
        [unit]: { [contract]: ["abi", "evm.bytecode.object"] },
        ...(also ? { [also[0]]: { [also[1]]: ["evm.bytecode.object"] } } : {}),
      },
    },
  };
  const findImports = (name: string) => {
    for (const candidate of [path.join(root, name), path.join(root, "node_modules", name)]) {
      if (existsSync(candidate)) return { contents: readFileSync(candidate, "utf8") };
    }
    return { error: `not found: ${name}` };
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports })) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new BuildError(`solc failed on ${unit}: ${errors[0].formattedMessage.split("\n")[0]}`, { details: errors.map((e) => e.formattedMessage).join("\n") });
  const compiled = output.contracts[unit]?.[contract];
  if (!compiled) throw new BuildError(`solc produced no contract ${contract} in ${unit}`);
  const extra = also ? output.contracts[also[0]]?.[also[1]] : undefined;
  if (also && !extra) throw new BuildError(`solc produced no contract ${also[1]} in ${also[0]}`);
  return {
    contractName: contract,
    abi: compiled.abi,
    bytecode: `0x${compiled.evm.bytecode.object}`,
    compiler: `solc ${solc.version()}`,
    ...(extra ? { alsoBytecode: `0x${extra.evm.bytecode.object}` } : {}),
  };
}
