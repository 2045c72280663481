/**
 * proofgrid command line: a dispatch table of commands, each in commands/<command>.ts with its
 * usage text. Every failure prints one line (`proofgrid: <reason>`) and exits non-zero.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { PACKAGE_ROOT } from "../package.js";
import { toTypedError } from "../chain/errors.js";
import { CliError } from "./context.js";

export { CliError };

const USAGE = `usage: proofgrid <command> [options]

commands:
  run <model> --input <file> --trust <level>   model file -> settled, checked result, in one command
  infer <model> --input <file> --trust <level> request from the nodes of a deployment, wait, check
  deploy [--network <name>]                    deploy the contracts, write deployments/<chainId>.json
  model build <file|dir>                       model -> quantized model, circuit, keys, verifier
  model register <build dir>                   register a built model (deploys its ZK verifier)
  ceremony open|contribute|close|finalize      make a model's Groth16 keys with many parties (production)
  bonds show|post|claim|pay                    ZK releases' soundness bonds; claims of a frozen release
  node start --trust <levels> --model <dir>    run a node (zk proves, tee signs, vanilla submits)
  status <jobId>                               a job as the hub holds it
  init [dir] [--model <file>]                  a Hardhat 3 project that uses proofgrid, ready for npm test
  version                                      print the version

Trust levels: vanilla (optimistic, challengeable), tee (enclave-signed), zk (Groth16 proof).
Networks: the in-process network (default), localhost (PROOFGRID_RPC_URL, default
http://127.0.0.1:8545: 'npx hardhat node', anvil) or sepolia (SEPOLIA_RPC_URL, SEPOLIA_PRIVATE_KEY).
Run 'proofgrid <command> --help' for a command's options.`;

type Command = (argv: string[]) => Promise<number>;

/** Each command is loaded only when run, so `--help` and `version` stay instant. */
const COMMANDS: Record<string, Command> = {
  deploy: async (argv) => (await import("./commands/deploy.js")).deploy(argv),
  run: async (argv) => (await import("./commands/run.js")).run(argv),
  infer: async (argv) => (await import("./commands/infer.js")).infer(argv),
  model: async (argv) => (await import("./commands/model.js")).modelCommand(argv),
  node: async (argv) => (await import("./commands/node.js")).nodeCommand(argv),
  ceremony: async (argv) => (await import("./commands/ceremony.js")).ceremonyCommand(argv),
  bonds: async (argv) => (await import("./commands/bonds.js")).bondsCommand(argv),
  status: async (argv) => (await import("./commands/status.js")).status(argv),
  init: async (argv) => (await import("./commands/init.js")).init(argv),
  version: async () => {
    const pkg = JSON.parse(await readFile(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string };
    console.log(pkg.version);
    return 0;
  },
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "help" || command === "--help" || command === "-h") {
      console.log(USAGE);
      return command === undefined ? 1 : 0;
    }
    const run = COMMANDS[command === "--version" ? "version" : command];
    if (!run) throw new CliError(`unknown command '${command}' (run 'proofgrid --help')`);
    return await run(rest);
  } catch (err) {
    console.error(`proofgrid: ${oneLine(err)}`);
    return 2;
  }
}

/** One plain line for any failure: the reason, never a class name, a Hardhat code or a stack trace. */
function oneLine(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const typed = toTypedError(err, "the transaction");
  const message = (typed as { shortMessage?: string }).shortMessage ?? typed.message;
  return message.split("\n")[0].replace(/^HHE\d+:\s*/, "");
}
