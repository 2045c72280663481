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
  model build <file|dir> [options]          model file -> quantized model, circuit, keys, verifier
  version                                   print the version

Run 'proofgrid <command> --help' for a command's options. The node runtime, 'run', 'infer' and
'status' commands are being built (see the open issues).`;

const MODEL_BUILD_USAGE = `usage: proofgrid model build <file|dir> [options]

Turns a model file (JSON spec or ONNX; a directory holding model.json or one model file) into a
quantized model, a circom circuit, Groth16 keys, a Solidity verifier and its IProofVerifier adapter,
and writes a manifest with the hashes of each. Steps whose inputs did not change are skipped.

options:
  --out <dir>            output directory (default build/<model name>)
  --ptau <file>          powers-of-tau ceremony file (default: a local one, made once and cached in
                         $PROOFGRID_CACHE or ~/.cache/proofgrid; development only)
  --scale-bits <S>       fixed-point scale 2^S (default: the smallest S in 4..16 within 0.5% error)
  --input-range <lo,hi>  range of every input feature (ONNX files carry none; default -1,1)
  --name <name>          model name (default: from the file); contracts are named after it
  --contracts <dir>      where to write the verifier and adapter (default contracts/verifiers)
  --no-contracts         write them only into the output directory
  --json                 print the manifest as JSON on stdout
  --quiet                print only errors`;

async function modelCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    console.log(MODEL_BUILD_USAGE);
    return sub === undefined ? 1 : 0;
  }
  if (sub !== "build") throw new CliError(`unknown model command '${sub}' (run 'proofgrid model --help')`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      out: { type: "string" },
      ptau: { type: "string" },
      "scale-bits": { type: "string" },
      "input-range": { type: "string" },
      name: { type: "string" },
      contracts: { type: "string" },
      "no-contracts": { type: "boolean" },
      json: { type: "boolean" },
      quiet: { type: "boolean" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(MODEL_BUILD_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError("model build takes one model file or directory (run 'proofgrid model build --help')");
  let scaleBits: number | undefined;
  if (values["scale-bits"] !== undefined) {
    scaleBits = Number(values["scale-bits"]);
    if (!Number.isInteger(scaleBits) || scaleBits < 1 || scaleBits > 32) throw new CliError(`--scale-bits ${values["scale-bits"]} must be an integer from 1 to 32`);
  }
  let inputRange: [number, number] | undefined;
  if (values["input-range"] !== undefined) {
    const parts = values["input-range"].split(",").map(Number);
    if (parts.length !== 2 || !parts.every(Number.isFinite) || !(parts[0] < parts[1])) {
      throw new CliError(`--input-range ${values["input-range"]} must be two numbers lo,hi with lo < hi`);
    }
    inputRange = [parts[0], parts[1]];
  }
  const { buildModel } = await import("../pipeline/build.js");
  const { consoleProgress, silentProgress } = await import("../pipeline/progress.js");
  const result = await buildModel(positionals[0], {
    out: values.out,
    ptau: values.ptau,
    scaleBits,
    inputRange,
    name: values.name,
    verifiersDir: values["no-contracts"] ? null : values.contracts,
    progress: values.json || values.quiet ? silentProgress() : consoleProgress(6),
  });
  if (values.json) console.log(JSON.stringify(result.manifest, null, 2));
  else if (!values.quiet) console.log(path.relative(process.cwd(), path.join(result.dir, "manifest.json")));
  return 0;
}

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
      case "model":
        return await modelCommand(rest);
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
