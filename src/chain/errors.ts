/**
 * Contract custom errors as typed errors: any revert from any proofgrid contract (the hub, the
 * court, the registries, a verifier adapter) is decoded by name with its arguments.
 */
import { Interface, isError, type ErrorDescription } from "ethers";
import { ProofgridError } from "../errors.js";
import { explainRevert } from "./explain.js";
import {
  CommitteeCourt__factory,
  Groth16InferenceAdapter__factory,
  InferenceHub__factory,
  ModelRegistry__factory,
  NodeRegistry__factory,
  ProofgridToken__factory,
  SoundnessBonds__factory,
  TEERegistry__factory,
} from "./types/index.js";

const INTERFACES: Interface[] = [
  InferenceHub__factory.createInterface(),
  CommitteeCourt__factory.createInterface(),
  SoundnessBonds__factory.createInterface(),
  ModelRegistry__factory.createInterface(),
  NodeRegistry__factory.createInterface(),
  TEERegistry__factory.createInterface(),
  ProofgridToken__factory.createInterface(),
  Groth16InferenceAdapter__factory.createInterface(),
];

/** A revert with a decoded custom error: `errorName` and `args` as the contract declares them. */
export class ContractRevertError extends ProofgridError {
  override name = "ContractRevertError";
  constructor(
    readonly errorName: string,
    readonly args: readonly unknown[],
    readonly action: string,
    cause?: unknown,
  ) {
    const explained = explainRevert(errorName, args);
    super(explained ? `${action} reverted: ${explained} (${errorName})` : `${action} reverted: ${errorName}(${args.map(String).join(", ")})`, { cause });
  }
}

/** Revert data (hex) found anywhere in an ethers or provider error. */
function revertData(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const walk = (e: unknown): string | undefined => {
    if (!e || typeof e !== "object" || seen.has(e)) return undefined;
    seen.add(e);
    const o = e as Record<string, unknown>;
    if (typeof o.data === "string" && o.data.startsWith("0x") && o.data.length >= 10) return o.data;
    for (const key of ["error", "info", "cause", "data"]) {
      const found = walk(o[key]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(error);
}

export function decodeRevert(data: string): ErrorDescription | undefined {
  for (const iface of INTERFACES) {
    try {
      const parsed = iface.parseError(data);
      if (parsed) return parsed;
    } catch {
      // not this interface's error
    }
  }
  return undefined;
}

/** Turns a failed call into a ContractRevertError when its revert is a known custom error. */
export function toTypedError(error: unknown, action: string): Error {
  if (error instanceof ProofgridError) return error;
  const data = revertData(error);
  const decoded = data ? decodeRevert(data) : undefined;
  if (decoded) return new ContractRevertError(decoded.name, [...decoded.args], action, error);
  if (isError(error, "CALL_EXCEPTION") && error.reason) return new ProofgridError(`${action} reverted: ${error.reason}`, { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}

/** Runs `fn` and rethrows contract reverts as typed errors naming `action`. */
export async function typed<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toTypedError(error, action);
  }
}
