import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { DeploymentFile } from "../../chain/contracts.js";
import { deployProofgrid, describeDeployment } from "../../../deploy/proofgrid.js";
import { ProofgridConfigError } from "../models.js";

/**
 * `npx hardhat proofgrid deploy --network <name>`: deploys proofgrid and writes
 * deployments/<chainId>.json. Refuses to replace a deployment that is live on that chain (what was
 * registered and deployed against it would be left behind) unless --force.
 */
export default async function deploy(args: { attestationRoot: string; force: boolean }, hre: HardhatRuntimeEnvironment): Promise<void> {
  const connection = await hre.network.create();
  const [deployer] = await connection.ethers.getSigners();
  const provider = connection.ethers.provider;
  const chainId = (await provider.getNetwork()).chainId;
  const dir = path.join(hre.config.paths.root, "deployments");
  const file = path.join(dir, `${chainId}.json`);
  if (existsSync(file) && !args.force) {
    const existing = JSON.parse(await readFile(file, "utf8")) as DeploymentFile;
    if ((await provider.getCode(existing.contracts.hub)) !== "0x") {
      throw new ProofgridConfigError(`proofgrid is already deployed on chain ${chainId} (${path.relative(hre.config.paths.root, file)}, hub ${existing.contracts.hub}); pass --force to deploy a new one and replace the file`);
    }
  }
  const contracts = await deployProofgrid(deployer, { attestationRoot: args.attestationRoot || (await deployer.getAddress()), log: (l) => console.log(`deployed ${l}`) });
  const deployment = await describeDeployment(contracts, deployer);
  await mkdir(dir, { recursive: true });
  await writeFile(file, JSON.stringify(deployment, null, 2) + "\n");
  console.log(`deployment written to ${path.relative(hre.config.paths.root, file)}`);
}
