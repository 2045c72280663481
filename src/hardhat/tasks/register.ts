import { readFile } from "node:fs/promises";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { DeploymentFile } from "../../chain/contracts.js";
import { TOKEN } from "../../chain/contracts.js";
import { topUpFromFaucet } from "../../chain/tokens.js";
import { TrustLevel } from "../../protocol/index.js";
import { ProofgridClient } from "../../sdk/client.js";
import { buildConfigured, ProofgridConfigError, selectModels } from "../models.js";

/** `npx hardhat proofgrid register [model] --network <name>`: registers the configured models (built, cached) at every level, deploying each ZK verifier. */
export default async function register(args: { model: string; prices: string }, hre: HardhatRuntimeEnvironment): Promise<void> {
  const connection = await hre.network.create();
  const [owner] = await connection.ethers.getSigners();
  const chainId = (await owner.provider!.getNetwork()).chainId;
  const file = path.join(hre.config.paths.root, "deployments", `${chainId}.json`);
  let deployment: DeploymentFile;
  try {
    deployment = JSON.parse(await readFile(file, "utf8")) as DeploymentFile;
  } catch {
    throw new ProofgridConfigError(`no deployment of proofgrid on chain ${chainId}: ${path.relative(hre.config.paths.root, file)} is missing (run npx hardhat proofgrid deploy first)`);
  }
  const prices = args.prices.split(",").map((p) => {
    if (!/^\d+$/.test(p.trim())) throw new ProofgridConfigError(`--prices ${args.prices}: each price is a whole number of tokens`);
    return BigInt(p.trim()) * TOKEN;
  });
  if (prices.length !== 3) throw new ProofgridConfigError("--prices takes three prices: vanilla,tee,zk");
  const client = await ProofgridClient.connect({ signer: owner, deployment });
  for (const model of await selectModels(hre.config, args.model || undefined)) {
    const { artifacts } = await buildConfigured(hre.config, model, true);
    // The ZK release's soundness bond: minted by an owner that owns the token (local, test networks).
    await topUpFromFaucet(client.contracts.token, await owner.getAddress(), await client.contracts.bonds.minBond());
    const modelId = await client.registerModel(artifacts, { levels: [TrustLevel.VANILLA, TrustLevel.TEE, TrustLevel.ZK], prices: prices as [bigint, bigint, bigint], royaltyBps: 1000 });
    console.log(`registered model #${modelId} ${artifacts.model.name}, release 1.0`);
  }
}
