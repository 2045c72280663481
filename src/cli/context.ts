/**
 * What the CLI commands share: connecting to a network through Hardhat's config, the deployments
 * directory, input files and built models.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Signer } from "ethers";
import type { DeploymentFile } from "../../deploy/proofgrid.js";
import { ProofgridError } from "../errors.js";

export class CliError extends ProofgridError {
  override name = "CliError";
}

export interface Connection {
  name: string;
  chainId: bigint;
  signers: Signer[];
  /** The in-process network (time can be moved, state dies with the process). */
  inProcess: boolean;
  close(): Promise<void>;
}

/** Hardhat, with the contract types built on a fresh clone (the deploy module imports them). */
async function hardhat() {
  process.env.CI ??= "true";
  process.env.HARDHAT_DISABLE_TELEMETRY ??= "true";
  const hre = (await import("hardhat")).default;
  if (!existsSync(new URL("../../types/contracts/index.ts", import.meta.url))) {
    console.error("building contracts (first run)...");
    await hre.tasks.getTask("build").run({ quiet: true });
  }
  return hre;
}

/** Builds the contracts and their types when a fresh clone has none yet. */
export async function ensureContractTypes(): Promise<void> {
  if (!existsSync(new URL("../../types/contracts/index.ts", import.meta.url))) await hardhat();
}

/** Connects to a network of hardhat.config.ts (default: the in-process network). */
export async function connect(name?: string): Promise<Connection> {
  const hre = await hardhat();
  let connection;
  try {
    connection = await hre.network.create(name);
  } catch (err) {
    throw new CliError(`cannot use network '${name}': ${(err as Error).message.split("\n")[0]}`);
  }
  const { ethers } = connection;
  let signers: Signer[];
  let chainId: bigint;
  try {
    signers = await ethers.getSigners();
    chainId = (await ethers.provider.getNetwork()).chainId;
  } catch (err) {
    await connection.close().catch(() => {});
    const url = name === "localhost" ? ` (${process.env.PROOFGRID_RPC_URL ?? "http://127.0.0.1:8545"})` : "";
    throw new CliError(`network '${name ?? "default"}'${url} is unreachable: ${(err as Error).message.split("\n")[0]}`);
  }
  return {
    name: name ?? "default",
    chainId,
    signers,
    inProcess: name === undefined || connection.networkConfig.type === "edr-simulated",
    close: () => connection.close(),
  };
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
  const names = ["token", "models", "nodes", "attestation", "tee", "hub"] as const;
  const missing = names.filter((n) => !isAddress(doc?.contracts?.[n]));
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
  return deployment;
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
  if (!Array.isArray(values)) throw new CliError(`input file ${file} must hold {"input": [numbers]} or {"input_data": [[numbers]]}`);
  return values.map((v, i) => {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new CliError(`input file ${file}: value ${i} is ${JSON.stringify(v)}, not a finite number`);
    return v;
  });
}

export function signerAt(conn: Connection, index: number, role: string): Signer {
  const signer = conn.signers[index];
  if (!signer) throw new CliError(`network '${conn.name}' has ${conn.signers.length} accounts; ${role} needs account #${index}`);
  return signer;
}

export function parseTrust(value: string | undefined, flag = "--trust"): "vanilla" | "tee" | "zk" {
  if (value === undefined) throw new CliError(`${flag} is required: vanilla, tee or zk`);
  const v = value.toLowerCase();
  if (v !== "vanilla" && v !== "tee" && v !== "zk") throw new CliError(`${flag} ${value} is not one of vanilla, tee, zk`);
  return v;
}

/** JSON with bigints as numbers when safe, else strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_, v) => (typeof v === "bigint" ? (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : v),
    2,
  );
}
