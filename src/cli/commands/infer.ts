/** `proofgrid infer`: request from the nodes serving a deployment, wait, check. */
import { attachProofgrid, type DeploymentFile } from "../../chain/contracts.js";
import { minter } from "../../devnet/launcher.js";
import { supportsTimeTravel, timeTravel } from "../../devnet/time.js";
import { parseTrust, type TrustName } from "../../protocol/index.js";
import { loadArtifacts } from "../../pipeline/prove.js";
import { ProofgridClient } from "../../sdk/client.js";
import { CliError, type Connection, parse, pgt, readInputFile, requireDeployment, signerAt, trustFlag, withConnection } from "../context.js";
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

/**
 * On a local network (one that lets time be moved: a hardhat node, anvil) whose deployer account
 * is at hand, mints the requester what the request costs when it holds less, the way `node start`
 * stakes; elsewhere the requester brings its own tokens.
 */
async function fundOnLocalNetwork(conn: Connection, deployment: DeploymentFile, client: ProofgridClient, model: string, trust: TrustName, log: (line: string) => void) {
  if (!(await supportsTimeTravel(conn.provider))) return;
  const addresses = await Promise.all(conn.signers.map((s) => s.getAddress()));
  const deployer = conn.signers[addresses.indexOf(deployment.deployer)];
  if (!deployer) return;
  const { modelId } = await client.resolveModel(model);
  const [, release] = await client.contracts.models.getRelease(modelId, 0);
  const price = release.prices[parseTrust(trust)];
  const me = await client.signer.getAddress();
  const balance = await client.contracts.token.balanceOf(me);
  if (balance >= price) return;
  await minter(attachProofgrid(deployment, deployer))(me, price - balance);
  log(`funded the requester ${me} with ${pgt(price - balance)} from the local token (this network's deployer mints)`);
}

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
    await fundOnLocalNetwork(conn, deployment, client, positionals[0], trust, values.json ? () => {} : (l) => console.error(l));
    printResult(await client.infer(positionals[0], input, { trust }), Boolean(values.json));
    return 0;
  });
}

