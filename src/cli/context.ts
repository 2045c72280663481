/**
 * What the CLI commands share: connecting to a network through Hardhat's config, the deployments
 * directory, input files and built models.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { formatUnits, type Provider, type Signer } from "ethers";
// Types only: the `ethers` member hardhat-ethers adds to a network connection (erased at run time).
import type {} from "@nomicfoundation/hardhat-ethers";
import { checkDeployed, CONTRACT_NAMES, DeploymentNotFoundError, type DeploymentFile } from "../chain/contracts.js";
import { ProofgridError } from "../errors.js";
import { releaseProver } from "../pipeline/prove.js";
import { parseTrust, TRUST_NAMES, type TrustLevel, type TrustName, UnknownTrustLevelError } from "../protocol/index.js";

export class CliError extends ProofgridError {
  override name = "CliError";
}

export interface Connection {
  name: string;
  chainId: bigint;
  signers: Signer[];
  provider: Provider;
  /** The in-process network (time can be moved, state dies with the process). */
  inProcess: boolean;
  close(): Promise<void>;
}

/** Hardhat's runtime, for its network config and connections. */
async function hardhat() {
  process.env.CI ??= "true";
  process.env.HARDHAT_DISABLE_TELEMETRY ??= "true";
  try {
    return (await import("hardhat")).default;
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_MODULE_NOT_FOUND" && /'hardhat'/.test((error as Error).message)) {
      throw new CliError("this command reaches a network through Hardhat 3, which is not installed here: run it in a Hardhat 3 project (hardhat and @nomicfoundation/hardhat-ethers installed, a hardhat.config.ts)");
    }
    throw error;
  }
}

/** The networks of hardhat.config.ts (`persistent`: only those reached over JSON-RPC, which keep state between commands). */
export async function networkNames(options: { persistent?: boolean } = {}): Promise<string[]> {
  const networks = (await hardhat()).config.networks as Record<string, { type: string }>;
  return Object.keys(networks).filter((name) => !options.persistent || networks[name].type === "http");
}

/**
 * Refuses a network that hardhat.config.ts does not define, naming the ones it does; call it
 * before any long step.
 */
export async function checkNetworkName(name: string | undefined): Promise<void> {
  if (name === undefined) return;
  const names = await networkNames();
  if (!names.includes(name)) throw new CliError(`network '${name}' is not in hardhat.config.ts: use one of ${names.join(", ")} (or no --network for the in-process one)`);
}

/** A Hardhat configuration variable that is not set, in plain words with the two ways to set it. */
function configVariableHint(error: unknown): string | undefined {
  const message = (error as Error)?.message ?? "";
  const missing = /Configuration Variable "([A-Z0-9_]+)" not found/i.exec(message);
  if (missing) return `${missing[1]} is not set: export ${missing[1]}=... or store it with 'npx hardhat keystore set ${missing[1]}'`;
  const invalid = /Invalid (\w+) value for the configuration variable "([A-Z0-9_]+)"/i.exec(message);
  if (invalid) return `${invalid[2]} is not a valid ${invalid[1]}: set it again with export ${invalid[2]}=... or 'npx hardhat keystore set ${invalid[2]}'`;
  return undefined;
}

/** Connects to a network of hardhat.config.ts (default: the in-process network). */
export async function connect(name?: string): Promise<Connection> {
  await checkNetworkName(name);
  const hre = await hardhat();
  let connection;
  try {
    connection = await hre.network.create(name);
  } catch (err) {
    throw new CliError(configVariableHint(err) ?? `cannot use network '${name}': ${plain((err as Error).message)}`);
  }
  const { ethers } = connection;
  let signers: Signer[];
  let chainId: bigint;
  try {
    signers = await ethers.getSigners();
    chainId = (await ethers.provider.getNetwork()).chainId;
  } catch (err) {
    await connection.close().catch(() => {});
    const hint = configVariableHint(err);
    if (hint) throw new CliError(hint);
    const url = name === "localhost" ? ` (${process.env.PROOFGRID_RPC_URL ?? "http://127.0.0.1:8545"})` : "";
    throw new CliError(`network '${name ?? "default"}'${url} is unreachable: ${plain((err as Error).message)}`);
  }
  return {
    name: name ?? "default",
    chainId,
    signers,
    provider: ethers.provider as unknown as Provider,
    inProcess: name === undefined || connection.networkConfig.type === "edr-simulated",
    close: () => connection.close(),
  };
}

/** The first line of a message, without a Hardhat error code ("HHE705: "). */
export function plain(message: string): string {
  return message.split("\n")[0].replace(/^HHE\d+:\s*/, "");
}

export function deploymentPath(dir: string, chainId: bigint): string {
  return path.join(dir, `${chainId}.json`);
}

export async function readDeployment(dir: string, chainId: bigint): Promise<DeploymentFile | undefined> {
  const file = deploymentPath(dir, chainId);
  if (!existsSync(file)) return undefined;
  let doc: DeploymentFile;
  try {
    doc = JSON.parse(await readFile(file, "utf8")) as DeploymentFile;
  } catch (err) {
    throw new CliError(`${file} is not valid JSON (${(err as Error).message}); delete it or deploy again`);
  }
  const isAddress = (a: unknown) => typeof a === "string" && /^0x[0-9a-fA-F]{40}$/.test(a);
  // Every contract of a deployment (a file from an older version lacks the newer ones: deploy again).
  const missing = CONTRACT_NAMES.filter((n) => !isAddress(doc?.contracts?.[n]));
  if (missing.length > 0 || !Number.isInteger(doc.startBlock)) {
    throw new CliError(`${file} is not a proofgrid deployment (missing or bad: ${[...missing, ...(Number.isInteger(doc.startBlock) ? [] : ["startBlock"])].join(", ")})`);
  }
  if (BigInt(doc.chainId) !== chainId) throw new CliError(`${file} is for chain ${doc.chainId}, the network is chain ${chainId}`);
  return doc;
}

/** Writes atomically: a failure never leaves a half-written deployment. */
export async function writeDeployment(dir: string, deployment: DeploymentFile): Promise<string> {
  await mkdir(dir, { recursive: true });
  const target = deploymentPath(dir, BigInt(deployment.chainId));
  await writeFile(`${target}.tmp`, JSON.stringify(deployment, null, 2) + "\n");
  await rename(`${target}.tmp`, target);
  return target;
}

export async function requireDeployment(dir: string, conn: Connection): Promise<DeploymentFile> {
  if (conn.inProcess) throw new CliError("the in-process network keeps nothing between commands: pass --network (e.g. localhost), or use 'proofgrid run'");
  const deployment = await readDeployment(dir, conn.chainId);
  if (!deployment) throw new CliError(`no deployment for chain ${conn.chainId} in ${dir}/: run 'proofgrid deploy --network ${conn.name}' first`);
  await checkCurrent(deployment, dir, conn);
  return deployment;
}

/** Throws a CliError naming the file and the fix when the deployment's contracts are not on the chain. */
export async function checkCurrent(deployment: DeploymentFile, dir: string, conn: Connection): Promise<void> {
  try {
    await checkDeployed(deployment, conn.provider, deploymentPath(dir, conn.chainId));
  } catch (error) {
    if (error instanceof DeploymentNotFoundError) throw new CliError(`${error.message}; run 'proofgrid deploy --network ${conn.name}'`);
    throw error;
  }
}

/** Reads `{"input": [...]}` or `{"input_data": [[...]]}` (the layout other zkML tools use); values are numbers. */
export async function readInputFile(file: string): Promise<number[]> {
  if (!existsSync(file)) throw new CliError(`input file ${file} does not exist`);
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw new CliError(`input file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const o = doc as { input?: unknown; input_data?: unknown };
  let values: unknown = o?.input;
  if (values === undefined && Array.isArray(o?.input_data)) {
    if (o.input_data.length !== 1) throw new CliError(`input file ${file}: input_data holds ${o.input_data.length} inputs; give exactly one`);
    values = o.input_data[0];
  }
  if (!Array.isArray(values)) throw new CliError(`input file ${file} must hold {"input": [numbers]} or {"input_data": [[numbers]]} (nested arrays are read in row-major order)`);
  // A tensor of any rank (what x.tolist() gives for a [1, 3, 4] input) is read in row-major order.
  return (values.flat(Infinity) as unknown[]).map((v, i) => {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new CliError(`input file ${file}: value ${i} is ${JSON.stringify(v)}, not a finite number`);
    return v;
  });
}

export function signerAt(conn: Connection, index: number, role: string): Signer {
  const signer = conn.signers[index];
  if (!signer) throw new CliError(`network '${conn.name}' has ${conn.signers.length} accounts; ${role} needs account #${index}`);
  return signer;
}

/** A trust level from a flag's value (the protocol's parser), or a CliError naming the flag. */
export function trustFlag(value: string | undefined, flag = "--trust"): TrustName {
  if (value === undefined) throw new CliError(`${flag} is required: ${TRUST_NAMES.join(", ")}`);
  try {
    return TRUST_NAMES[parseTrust(value)];
  } catch (error) {
    if (error instanceof UnknownTrustLevelError) throw new CliError(`${flag} ${value} is not one of ${TRUST_NAMES.join(", ")}`);
    throw error;
  }
}

/** Comma-separated trust levels from a flag's value. */
export function trustListFlag(value: string, flag = "--trust"): TrustLevel[] {
  return value.split(",").map((v) => parseTrust(trustFlag(v.trim(), flag)));
}

export type Values = Record<string, string | boolean | string[] | undefined>;

/** Parses a command's arguments (strict: an unknown flag is an error); every command takes --help. */
export function parse(argv: string[], options: Record<string, { type: "string" | "boolean"; multiple?: boolean; default?: string }>, positionals = 0) {
  try {
    const { values, positionals: rest } = parseArgs({ args: argv, options: { ...options, help: { type: "boolean" } }, allowPositionals: positionals > 0, strict: true });
    return { values: values as Values, positionals: rest };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec((error as Error).message)?.[1];
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown) {
      const guess = closest(unknown.replace(/^-+/, ""), [...Object.keys(options), "help"]);
      throw new CliError(`unknown option ${unknown}${guess ? ` (did you mean --${guess}?)` : ""}`);
    }
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") throw new CliError(`unexpected argument: ${(error as Error).message.replace(/^Unexpected argument '([^']+)'.*$/s, "$1")}`);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") throw new CliError((error as Error).message.split(".")[0]);
    throw error;
  }
}

/** The candidate nearest to `word` (edit distance at most 2, or a prefix), if any. */
function closest(word: string, candidates: string[]): string | undefined {
  const distance = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length][b.length];
  };
  const ranked = candidates.map((c) => ({ c, d: c.startsWith(word) ? 0.5 : distance(word, c) })).sort((x, y) => x.d - y.d);
  return ranked[0] && ranked[0].d <= 2 ? ranked[0].c : undefined;
}

/** Runs `fn` on a connection to `network`, then frees the prover's threads and the connection. */
export async function withConnection<T>(network: string | undefined, fn: (conn: Connection) => Promise<T>): Promise<T> {
  const conn = await connect(network);
  try {
    return await fn(conn);
  } finally {
    await releaseProver();
    await conn.close().catch(() => {});
  }
}

/** A token amount (18 decimals) as the CLI prints it: "4.0 PGT". */
export const pgt = (wei: bigint) => `${formatUnits(wei, 18)} PGT`;

/** JSON with bigints as numbers when safe, else strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_, v) => (typeof v === "bigint" ? (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : v),
    2,
  );
}
