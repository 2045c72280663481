import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { deployProofgrid, describeDeployment } from "../../../deploy/proofgrid.js";

/** `npx hardhat proofgrid deploy --network <name>`: deploys proofgrid and writes deployments/<chainId>.json. */
export default async function deploy(args: { attestationRoot: string }, hre: HardhatRuntimeEnvironment): Promise<void> {
  const connection = await hre.network.create();
  const [deployer] = await connection.ethers.getSigners();
  const contracts = await deployProofgrid(deployer, { attestationRoot: args.attestationRoot || (await deployer.getAddress()), log: (l) => console.log(`deployed ${l}`) });
  const deployment = await describeDeployment(contracts, deployer);
  const dir = path.join(hre.config.paths.root, "deployments");
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${deployment.chainId}.json`);
  await writeFile(file, JSON.stringify(deployment, null, 2) + "\n");
  console.log(`deployment written to ${path.relative(hre.config.paths.root, file)}`);
}
