/** `proofgrid deploy`: deploy the contracts and write deployments/<chainId>.json. */
import { ENCLAVE_MEASUREMENT } from "../../devnet/launcher.js";
import { CliError, networkNames, parse, readDeployment, signerAt, toJson, withConnection, writeDeployment } from "../context.js";

export const DEPLOY_USAGE = `usage: proofgrid deploy --network <name> [--out <dir>]

Deploys the token, the model, node and TEE registries, the attestation verifier and the hub with
the default parameters, and writes their addresses and start block to <dir>/<chainId>.json
(default dir: deployments). --network names a network of hardhat.config.ts: localhost
(PROOFGRID_RPC_URL, default http://127.0.0.1:8545: 'npx hardhat node', anvil) or sepolia
(SEPOLIA_RPC_URL and SEPOLIA_PRIVATE_KEY, from the environment or Hardhat's keystore). The
attestation root is PROOFGRID_ATTESTATION_ROOT, else the deployer, who then also approves the
simulated enclave's measurement (local and test networks).`;

export async function deploy(argv: string[]): Promise<number> {
  const { values } = parse(argv, { network: { type: "string" }, out: { type: "string", default: "deployments" }, json: { type: "boolean" } });
  if (values.help) return console.log(DEPLOY_USAGE), 0;
  // The in-process chain dies with this command: a file written for it would only shadow a local
  // node's deployment of the same chain id.
  const persistent = await networkNames({ persistent: true });
  if (!values.network || !persistent.includes(values.network as string)) {
    const given = values.network ? `--network ${values.network} is an in-process network or unknown` : "deploy needs --network <name>";
    throw new CliError(`${given} (use one of ${persistent.join(", ")}): the in-process network keeps nothing between commands; 'proofgrid run' deploys there by itself`);
  }
  return withConnection(values.network as string | undefined, async (conn) => {
    const { deployProofgrid, describeDeployment } = await import("../../../deploy/proofgrid.js");
    const deployer = signerAt(conn, 0, "the deployer");
    const pg = await deployProofgrid(deployer, {
      attestationRoot: process.env.PROOFGRID_ATTESTATION_ROOT ?? (await deployer.getAddress()),
      log: (line) => console.error(`deployed ${line}`),
    });
    if (!process.env.PROOFGRID_ATTESTATION_ROOT) {
      // The deployer is the simulated attestation root: approve the simulated enclave's measurement.
      await (await pg.tee.approveMeasurement(ENCLAVE_MEASUREMENT)).wait();
      console.error(`approved the simulated enclave measurement ${ENCLAVE_MEASUREMENT}`);
    }
    const file = await writeDeployment(values.out as string, await describeDeployment(pg, deployer));
    console.log(values.json ? toJson({ file, ...(await readDeployment(values.out as string, conn.chainId)) }) : file);
    return 0;
  });
}

