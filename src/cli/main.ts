/**
 * proofgrid command line. Every failure prints one line (`proofgrid: <reason>`) and exits non-zero.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { CliError, ensureContractTypes } from "./context.js";

/** The network commands need the generated contract types: build them first on a fresh clone. */
async function commands() {
  await ensureContractTypes();
  return import("./commands.js");
}

export { CliError };

const USAGE = `usage: proofgrid <command> [options]

commands:
  run <model> --input <file> --trust <level>   model file -> settled, checked result, in one command
  infer <model> --input <file> --trust <level> request from the nodes of a deployment, wait, check
  deploy [--network <name>]                    deploy the contracts, write deployments/<chainId>.json
  model build <file|dir>                       model -> quantized model, circuit, keys, verifier
  model register <build dir>                   register a built model (deploys its ZK verifier)
  node start --trust <levels> --model <dir>    run a node (zk proves, tee signs, vanilla submits)
  status <jobId>                               a job as the hub holds it
  version                                      print the version

Trust levels: vanilla (optimistic, challengeable), tee (enclave-signed), zk (Groth16 proof).
Networks: the in-process network (default), localhost (PROOFGRID_RPC_URL, default
http://127.0.0.1:8545: 'npx hardhat node', anvil) or sepolia (SEPOLIA_RPC_URL, SEPOLIA_PRIVATE_KEY).
Run 'proofgrid <command> --help' for a command's options.`;

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
  if (sub === "register") return (await commands()).register(rest);
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
        return await (await commands()).deploy(rest);
      case "model":
        return await modelCommand(rest);
      case "run":
        return await (await commands()).run(rest);
      case "infer":
        return await (await commands()).infer(rest);
      case "node":
        return await (await commands()).nodeCommand(rest);
      case "status":
        return await (await commands()).status(rest);
      default:
        throw new CliError(`unknown command '${command}' (run 'proofgrid --help')`);
    }
  } catch (err) {
    console.error(`proofgrid: ${await oneLine(err)}`);
    return 2;
  }
}

/** One line for any failure: ours as is, others with their name; never a stack trace. */
async function oneLine(err: unknown): Promise<string> {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  if (err instanceof CliError || (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"))) return err.message;
  let typed: Error = err;
  try {
    typed = (await import("../sdk/errors.js")).toTypedError(err, "the transaction");
  } catch {
    // the contract types are not built: keep the error as it is
  }
  const message = (typed as { shortMessage?: string }).shortMessage ?? typed.message;
  return `${typed.name}: ${message.split("\n")[0]}`;
}
