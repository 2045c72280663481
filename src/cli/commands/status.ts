/** `proofgrid status`: a job as the hub holds it, in tokens and dates. */
import { formatUnits, ZeroAddress } from "ethers";
import { describeKeys } from "../../protocol/index.js";
import { ProofgridClient } from "../../sdk/client.js";
import type { JobInfo } from "../../sdk/types.js";
import { CliError, parse, pgt, requireDeployment, toJson, withConnection } from "../context.js";

export const STATUS_USAGE = `usage: proofgrid status <jobId> [--network <name>] [--deployments <dir>] [--json]

Prints a job as the hub holds it: status, level, model release, node, the fee paid (in PGT), the
deadline (a date), the output, how the fee was split or why it was refunded, and the job's
transactions.`;

const date = (t: bigint) => new Date(Number(t) * 1000).toISOString();

/** The job in the user's units: tokens, release "1.0", dates. */
export function describeJob(info: JobInfo) {
  return {
    jobId: info.jobId,
    status: info.status,
    trust: info.trust,
    modelId: info.modelId,
    release: info.release,
    node: info.node,
    requester: info.requester,
    unit: "PGT",
    fee: formatUnits(info.fee, 18),
    deadline: date(info.deadline),
    output: info.output ?? null,
    settled: info.settled ? { node: formatUnits(info.settled.node, 18), owner: formatUnits(info.settled.owner, 18), protocol: formatUnits(info.settled.protocol, 18) } : null,
    refunded: info.refunded ? { reason: info.refunded.reason, amount: formatUnits(info.refunded.amount, 18) } : null,
    txs: info.txs,
  };
}

export async function status(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { network: { type: "string" }, deployments: { type: "string", default: "deployments" }, json: { type: "boolean" } }, 1);
  if (values.help) return console.log(STATUS_USAGE), 0;
  if (positionals.length !== 1 || !/^\d+$/.test(positionals[0])) throw new CliError("status takes one job id (a number)");
  return withConnection(values.network as string | undefined, async (conn) => {
    const deployment = await requireDeployment(values.deployments as string, conn);
    const client = await ProofgridClient.connect({ signer: conn.signers[0], deployment });
    const info = await client.status(BigInt(positionals[0]));
    // What a ZK release's keys rest on (the registry's record of its ceremony, or none).
    const [, release] = await client.contracts.models.getRelease(info.modelId, info.version);
    const ceremony = Number(release.ceremony);
    const setup = release.verifier === ZeroAddress ? undefined : describeKeys(ceremony);
    if (values.json) {
      console.log(toJson({ ...describeJob(info), ...(setup ? { setup: ceremony === 0 ? "development" : "ceremony", ceremonyId: ceremony || null } : {}) }));
      return 0;
    }
    const lines = [
      `job ${info.jobId}: ${info.status} (${info.trust}), model #${info.modelId} release ${info.release}, node ${info.node}`,
      `  fee ${pgt(info.fee)}, deadline ${date(info.deadline)}${info.output ? `, output [${info.output.join(", ")}]` : ""}`,
    ];
    if (info.settled) lines.push(`  settled: node ${pgt(info.settled.node)}, model owner ${pgt(info.settled.owner)}, protocol ${pgt(info.settled.protocol)}`);
    if (info.refunded) lines.push(`  refunded (${info.refunded.reason}): ${pgt(info.refunded.amount)} to the requester's hub balance`);
    if (setup) lines.push(`  keys: ${setup}`);
    lines.push(`  txs: ${Object.entries(info.txs).map(([k, v]) => `${k} ${v}`).join(", ")}`);
    console.log(lines.join("\n"));
    return 0;
  });
}
