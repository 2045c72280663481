/** `proofgrid run`: a model file to a settled, checked result on a network of its own. */
import { launchLocalNetwork } from "../../devnet/launcher.js";
import { buildModel } from "../../pipeline/build.js";
import { loadModel } from "../../pipeline/load.js";
import { consoleProgress, silentProgress } from "../../pipeline/progress.js";
import { loadArtifacts, type ModelArtifacts } from "../../pipeline/prove.js";
import { TrustLevel } from "../../protocol/index.js";
import { realInputRange } from "../../engine/fixed.js";
import { checkCurrent, checkNetworkName, CliError, parse, readDeployment, readInputFile, signerAt, trustFlag, withConnection, writeDeployment } from "../context.js";
import { printResult } from "./print.js";

/** Builds (or reuses) a model given as a model file, a directory with a model, or a build directory. */
async function modelArtifacts(target: string, quiet: boolean): Promise<ModelArtifacts> {
  try {
    return await loadArtifacts(target); // a build directory
  } catch {
    const result = await buildModel(target, { progress: quiet ? silentProgress() : consoleProgress(6) });
    return loadArtifacts(result.dir);
  }
}

export const RUN_USAGE = `usage: proofgrid run <model> --input <file> --trust <vanilla|tee|zk> [--network <name>] [--json]

From a model file to a settled, checked result in one command: builds the model if needed (cached),
deploys (or reuses deployments/<chainId>.json), registers the model at every level, starts one
honest node per level and a watcher in this process, requests the inference, waits, checks the
result itself and prints it. <model> is a model file (JSON spec or ONNX), a directory holding one,
or a build directory. The input file is {"input": [numbers]} or {"input_data": [[numbers]]}; a
nested tensor of any rank is read in row-major order.

Without --network it uses the in-process network. With --network (e.g. localhost for
'npx hardhat node' or anvil) it needs 6 unlocked accounts: deployer, requester, watcher and three
nodes; time is moved forward past the challenge window where the network allows it.

options:
  --input <file>      the input (real numbers; quantized with the model's scale)
  --trust <level>     vanilla, tee or zk
  --network <name>    a network of hardhat.config.ts (default: in-process)
  --deployments <dir> where deployment files live (default deployments)
  --json              print exactly one JSON object on stdout`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { input: { type: "string" }, trust: { type: "string" }, network: { type: "string" }, json: { type: "boolean" }, deployments: { type: "string", default: "deployments" } },
    1,
  );
  if (values.help) return console.log(RUN_USAGE), 0;
  if (positionals.length !== 1) throw new CliError("run takes one model (run 'proofgrid run --help')");
  const trust = trustFlag(values.trust as string | undefined);
  if (!values.input) throw new CliError("--input <file> is required");
  const input = await readInputFile(values.input as string);
  // The network and the input's length before any long step; its range against the circuit's
  // once the model is built (cached), before anything is deployed.
  await checkNetworkName(values.network as string | undefined);
  const target = positionals[0];
  let inputSize: number;
  try {
    inputSize = (await loadArtifacts(target)).model.input.size;
  } catch {
    inputSize = (await loadModel(target)).model.inputSize;
  }
  if (input.length !== inputSize) throw new CliError(`input has ${input.length} values, the model takes ${inputSize}`);
  const json = Boolean(values.json);
  const artifacts = await modelArtifacts(target, json);
  const range = realInputRange(artifacts.model);
  const outside = input.findIndex((x) => x < range[0] || x > range[1]);
  if (outside >= 0) throw new CliError(`input ${outside} is ${input[outside]}, outside the range [${range[0]}, ${range[1]}] model ${artifacts.model.name} accepts`);
  const log = json ? () => {} : (line: string) => console.error(line);

  return withConnection(values.network as string | undefined, async (conn) => {
    const s = (i: number, role: string) => signerAt(conn, i, role);
    const dir = values.deployments as string;
    let existing = conn.inProcess ? undefined : await readDeployment(dir, conn.chainId);
    if (existing) {
      try {
        await checkCurrent(existing, dir, conn);
      } catch (error) {
        log(`${(error as Error).message.split(";")[0]}; deploying again`);
        existing = undefined;
      }
    }
    const net = await launchLocalNetwork({
      deployer: s(0, "the deployer"),
      requester: s(1, "the requester"),
      watcher: s(2, "the watcher"),
      deployment: existing,
      models: [{ artifacts }],
      nodes: [
        { name: "node-zk", signer: s(3, "the ZK node"), levels: [TrustLevel.ZK] },
        { name: "node-tee", signer: s(4, "the TEE node"), levels: [TrustLevel.TEE] },
        { name: "node-vanilla", signer: s(5, "the VANILLA node"), levels: [TrustLevel.VANILLA] },
      ],
      log,
      pollMs: conn.inProcess ? 100 : 500,
    });
    if (!conn.inProcess && !existing) log(`deployment written to ${await writeDeployment(dir, net.deployment)}`);
    try {
      const result = await net.client.infer(net.modelIds[0], input, { trust });
      printResult(result, json);
    } finally {
      await net.stop();
    }
    return 0;
  });
}

