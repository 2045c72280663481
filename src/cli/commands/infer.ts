/** `proofgrid infer`: request from the nodes serving a deployment, wait, check. */
import { timeTravel } from "../../devnet/time.js";
import { loadArtifacts } from "../../pipeline/prove.js";
import { ProofgridClient } from "../../sdk/client.js";
import { CliError, parse, readInputFile, requireDeployment, signerAt, trustFlag, withConnection } from "../context.js";
import { printResult } from "./print.js";

export const INFER_USAGE = `usage: proofgrid infer <model> --input <file> --trust <vanilla|tee|zk> [--network <name>] [options]

Requests an inference from the nodes already serving a deployment (see 'proofgrid node start'),
waits for it to settle and checks it. <model> is a registry id or name; --artifacts <build dir>
lets the client quantize the input, label the output and check ZK proofs itself.

options:
  --input <file>        {"input": [numbers]} or {"input_data": [[numbers]]}
  --trust <level>       vanilla, tee or zk
  --network <name>      default: in-process (which has no nodes: use 'run' there)
  --artifacts <dir>     the model's build directory (e.g. build/support-intents)
  --account <index>     the requester's account (default 1)
  --deployments <dir>   default deployments
  --advance-time        move time past windows (local nodes only)
  --json                print exactly one JSON object on stdout`;

export async function infer(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      input: { type: "string" },
      trust: { type: "string" },
      network: { type: "string" },
      artifacts: { type: "string" },
      account: { type: "string", default: "1" },
      deployments: { type: "string", default: "deployments" },
      "advance-time": { type: "boolean" },
      json: { type: "boolean" },
    },
    1,
  );
  if (values.help) return console.log(INFER_USAGE), 0;
  if (positionals.length !== 1) throw new CliError("infer takes one model id or name (run 'proofgrid infer --help')");
  const trust = trustFlag(values.trust as string | undefined);
  if (!values.input) throw new CliError("--input <file> is required");
  const input = await readInputFile(values.input as string);
  const artifacts = values.artifacts ? await loadArtifacts(values.artifacts as string) : undefined;
  return withConnection(values.network as string | undefined, async (conn) => {
    const deployment = await requireDeployment(values.deployments as string, conn);
    const client = await ProofgridClient.connect({
      signer: signerAt(conn, Number(values.account), "the requester"),
      deployment,
      models: artifacts ? [artifacts] : [],
      onWait: values["advance-time"] ? timeTravel() : undefined,
      pollMs: 500,
    });
    printResult(await client.infer(positionals[0], input, { trust }), Boolean(values.json));
    return 0;
  });
}

