/** `proofgrid status`: a job as the hub holds it. */
import { unpackVersion } from "../../protocol/index.js";
import { ProofgridClient } from "../../sdk/client.js";
import { CliError, parse, requireDeployment, toJson, withConnection } from "../context.js";

export const STATUS_USAGE = `usage: proofgrid status <jobId> [--network <name>] [--deployments <dir>] [--json]

Prints a job as the hub holds it: status, level, model, node, fee, deadline and output.`;

export async function status(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { network: { type: "string" }, deployments: { type: "string", default: "deployments" }, json: { type: "boolean" } }, 1);
  if (values.help) return console.log(STATUS_USAGE), 0;
  if (positionals.length !== 1 || !/^\d+$/.test(positionals[0])) throw new CliError("status takes one job id (a number)");
  return withConnection(values.network as string | undefined, async (conn) => {
    const deployment = await requireDeployment(values.deployments as string, conn);
    const client = await ProofgridClient.connect({ signer: conn.signers[0], deployment });
    const info = await client.status(BigInt(positionals[0]));
    if (values.json) console.log(toJson(info));
    else
      console.log(
        `job ${info.jobId}: ${info.status} (${info.trust}), model #${info.modelId} v${unpackVersion(info.version)}, node ${info.node}, fee ${info.fee}, deadline ${info.deadline}` +
          (info.output ? `, output [${info.output.join(", ")}]` : ""),
      );
    return 0;
  });
}

