/**
 * proofgrid command line. Every failure prints one line (`proofgrid: <reason>`) and exits non-zero.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";

export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

const USAGE = `usage: proofgrid <command> [options]

commands:
  deploy [--network <name>] [--out <dir>]   deploy the contracts and write <dir>/<chainId>.json
  version                                   print the version

Run 'proofgrid <command> --help' for a command's options. The model pipeline, node runtime,
'run', 'infer' and 'status' commands are being built (see the open issues).`;

const DEPLOY_USAGE = `usage: proofgrid deploy [--network <name>] [--out <dir>]

Deploys the token, the model, node and TEE registries, the attestation verifier and the hub with
the default parameters, and writes their addresses and start block to <dir>/<chainId>.json
(default dir: deployments). --network names a network of hardhat.config.ts: the in-process
network (default), localhost (PROOFGRID_RPC_URL, default http://127.0.0.1:8545) or sepolia
(SEPOLIA_RPC_URL and SEPOLIA_PRIVATE_KEY). On a network without an attestation root of its own,
the deployer's address is the simulated attestation root.`;

async function deploy(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { network: { type: "string" }, out: { type: "string", default: "deployments" }, help: { type: "boolean" } },
    strict: true,
  });
  if (values.help) {
    console.log(DEPLOY_USAGE);
    return 0;
  }
  process.env.CI ??= "true";
  process.env.HARDHAT_DISABLE_TELEMETRY ??= "true";
  const hre = (await import("hardhat")).default;
  const { network } = hre;
  // The deploy module uses the generated contract types; build them on a fresh clone.
  if (!existsSync(new URL("../../types/contracts/index.ts", import.meta.url))) {
    console.error("building contracts (first run)...");
    await hre.tasks.getTask("build").run({ quiet: true });
  }
  const { deployProofgrid, describeDeployment } = await import("../../deploy/proofgrid.js");
  let connection;
  try {
    connection = await network.create(values.network);
  } catch (err) {
    throw new CliError(`cannot use network '${values.network}': ${(err as Error).message.split("\n")[0]}`);
  }
  const { ethers } = connection;
  let deployer;
  try {
    [deployer] = await ethers.getSigners();
    if (!deployer) throw new Error("the network has no account to deploy from");
    await ethers.provider.getBlockNumber();
  } catch (err) {
    throw new CliError(`network '${values.network ?? "default"}' is unreachable: ${(err as Error).message.split("\n")[0]}`);
  }
  const pg = await deployProofgrid(deployer, {
    attestationRoot: process.env.PROOFGRID_ATTESTATION_ROOT ?? deployer.address,
    log: (line) => console.error(`deployed ${line}`),
  });
  const file = await describeDeployment(pg, deployer);
  await mkdir(values.out!, { recursive: true });
  const target = path.join(values.out!, `${file.chainId}.json`);
  // Write to a temporary file and rename, so a failure never leaves a half-written deployment.
  await writeFile(`${target}.tmp`, JSON.stringify(file, null, 2) + "\n");
  await rename(`${target}.tmp`, target);
  console.log(target);
  await connection.close();
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case "help":
      case "--help":
      case "-h":
        console.log(USAGE);
        return command === undefined ? 1 : 0;
      case "version":
      case "--version": {
        const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8"));
        console.log(pkg.version);
        return 0;
      }
      case "deploy":
        return await deploy(rest);
      default:
        throw new CliError(`unknown command '${command}' (run 'proofgrid --help')`);
    }
  } catch (err) {
    const message = err instanceof CliError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
      ? (err as Error).message
      : `${(err as Error).name}: ${(err as Error).message.split("\n")[0]}`;
    console.error(`proofgrid: ${message}`);
    return 2;
  }
}
