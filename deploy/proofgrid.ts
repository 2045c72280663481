/**
 * The one deploy module: tests (as their fixture), the demo, a local JSON-RPC node and a testnet
 * all deploy proofgrid through {@link deployProofgrid}. It needs only an ethers v6 signer.
 */
import type { Signer } from "ethers";
import { TOKEN, type DeploymentFile, type Proofgrid } from "../src/chain/contracts.js";
import {
  CommitteeCourt__factory,
  InferenceHub__factory,
  ModelRegistry__factory,
  NodeRegistry__factory,
  ProofgridToken__factory,
  RootKeyAttestationVerifier__factory,
  SoundnessBonds__factory,
  TEERegistry__factory,
} from "../src/chain/types/index.js";
import type { IInferenceHub } from "../src/chain/types/hub/InferenceHub.js";
import { ProofgridError } from "../src/errors.js";

export { attachProofgrid, describeDeployment, TOKEN, type DeploymentFile, type Proofgrid } from "../src/chain/contracts.js";

/** The deployer cannot deploy (no provider, or a step failed). */
export class DeployError extends ProofgridError {
  override name = "DeployError";
}


export interface StakingParameters {
  minStake: bigint;
  activationDelay: bigint;
  unbondingDelay: bigint;
  jailPeriod: bigint;
}

export interface TeeParameters {
  maxAttestationAge: bigint;
  maxHeartbeatAge: bigint;
}

export type HubParameters = IInferenceHub.ParametersStruct;

export interface DeployOptions {
  /** Governance of every contract (defaults to the deployer). */
  owner?: string;
  /** Receives protocol fees and timeout slashes (defaults to the owner). */
  treasury?: string;
  /** The attestation-root key the simulated enclaves' attestations are signed with. */
  attestationRoot: string;
  staking?: Partial<StakingParameters>;
  tee?: Partial<TeeParameters>;
  hub?: Partial<Omit<HubParameters, "treasury">>;
  /** The smallest soundness bond with which a ZK release serves jobs (default {@link DEFAULT_MIN_BOND}). */
  minBond?: bigint;
  /** Called after each step, e.g. to print progress. */
  log?: (line: string) => void;
}

export const DEFAULT_STAKING: StakingParameters = {
  minStake: 100n * TOKEN,
  activationDelay: 600n,
  unbondingDelay: 7n * 86_400n,
  jailPeriod: 86_400n,
};

export const DEFAULT_TEE: TeeParameters = {
  maxAttestationAge: 86_400n,
  maxHeartbeatAge: 3_600n,
};

export const DEFAULT_HUB = {
  protocolFeeBps: 500n,
  committeeSize: 3n,
  challengeWindow: 600n,
  maxCallbackGas: 2_000_000n,
  maxJobDuration: 86_400n,
  drawWindow: 3_600n,
  commitWindow: 1_800n,
  revealWindow: 1_800n,
  // 1e9 token-wei per gas unit: a 100,000-gas callback adds 0.0001 tokens to the fee.
  callbackGasPrice: 1_000_000_000n,
  // The shortest deadlines a request may set, per level: room to compute (to prove, for ZK) and
  // to be included, so that a deadline one block away cannot be used to get a node slashed.
  minVanillaTime: 60n,
  minTeeTime: 60n,
  minZkTime: 300n,
  challengeBond: 75n * TOKEN,
  timeoutSlash: 10n * TOKEN,
  fraudSlash: 100n * TOKEN,
  absentSlash: 5n * TOKEN,
} satisfies Omit<HubParameters, "treasury">;

/**
 * The smallest soundness bond of a ZK release. A forging owner loses at least half of it for sure
 * (SoundnessBonds.TREASURY_SHARE_BPS), which must outweigh the most a forged proof can win inside
 * the protocol: the catcher's half of a fraud slash, when nobody answers the forged fraud proof in
 * its window (MAX_FRAUD_SLASH = 1,000 tokens). See README, "What a ZK result rests on".
 */
export const DEFAULT_MIN_BOND = 1_000n * TOKEN;

/** Deploys the token, the three registries and the hub, and wires them together. */
export async function deployProofgrid(deployer: Signer, options: DeployOptions): Promise<Proofgrid> {
  const log = options.log ?? (() => {});
  const from = await deployer.getAddress();
  const owner = options.owner ?? from;
  const staking = { ...DEFAULT_STAKING, ...options.staking };
  const teeParams = { ...DEFAULT_TEE, ...options.tee };
  const hubParams: HubParameters = { ...DEFAULT_HUB, ...options.hub, treasury: options.treasury ?? owner };
  const provider = deployer.provider;
  if (!provider) throw new DeployError("deployProofgrid: the deployer signer has no provider");
  const startBlock = await provider.getBlockNumber();

  // The node registry's and the hub's owner must be the deployer until the hub and the court are
  // set; a different owner then accepts the two-step transfer.
  const token = await (await new ProofgridToken__factory(deployer).deploy(from)).waitForDeployment();
  log(`token        ${await token.getAddress()}`);
  const models = await (await new ModelRegistry__factory(deployer).deploy()).waitForDeployment();
  log(`models       ${await models.getAddress()}`);
  const nodes = await (
    await new NodeRegistry__factory(deployer).deploy(
      from,
      await token.getAddress(),
      await models.getAddress(),
      staking.minStake,
      staking.activationDelay,
      staking.unbondingDelay,
      staking.jailPeriod,
    )
  ).waitForDeployment();
  log(`nodes        ${await nodes.getAddress()}`);
  const attestation = await (
    await new RootKeyAttestationVerifier__factory(deployer).deploy(options.attestationRoot)
  ).waitForDeployment();
  log(`attestation  ${await attestation.getAddress()}`);
  const tee = await (
    await new TEERegistry__factory(deployer).deploy(
      from,
      await attestation.getAddress(),
      teeParams.maxAttestationAge,
      teeParams.maxHeartbeatAge,
    )
  ).waitForDeployment();
  log(`tee          ${await tee.getAddress()}`);
  const hub = await (
    await new InferenceHub__factory(deployer).deploy(
      from,
      await token.getAddress(),
      await models.getAddress(),
      await nodes.getAddress(),
      await tee.getAddress(),
      hubParams,
    )
  ).waitForDeployment();
  log(`hub          ${await hub.getAddress()}`);
  const court = await (await new CommitteeCourt__factory(deployer).deploy(await hub.getAddress())).waitForDeployment();
  log(`court        ${await court.getAddress()}`);
  const bonds = await (
    await new SoundnessBonds__factory(deployer).deploy(
      await token.getAddress(),
      await models.getAddress(),
      await hub.getAddress(),
      options.minBond ?? DEFAULT_MIN_BOND,
    )
  ).waitForDeployment();
  log(`bonds        ${await bonds.getAddress()}`);
  await (await models.setSoundnessBonds(await bonds.getAddress())).wait();
  await (await nodes.setHub(await hub.getAddress())).wait();
  await (await hub.setCourt(await court.getAddress())).wait();
  await (await tee.setHub(await hub.getAddress())).wait();
  if (owner !== from) {
    await (await nodes.transferOwnership(owner)).wait();
    await (await hub.transferOwnership(owner)).wait();
    await (await tee.transferOwnership(owner)).wait();
    await (await token.transferOwnership(owner)).wait();
  }
  return { token, models, nodes, attestation, tee, hub, court, bonds, startBlock: startBlock + 1 };
}
