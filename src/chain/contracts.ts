/**
 * Contract handles: a deployment file (deployments/<chainId>.json) attached to a signer or a
 * provider, typed by the committed TypeChain copy in ./types.
 */
import type { ContractRunner, Provider } from "ethers";
import { ProofgridError } from "../errors.js";
import {
  CommitteeCourt__factory,
  InferenceHub__factory,
  ModelRegistry__factory,
  NodeRegistry__factory,
  ProofgridToken__factory,
  RootKeyAttestationVerifier__factory,
  SoundnessBonds__factory,
  TEERegistry__factory,
  type CommitteeCourt,
  type InferenceHub,
  type ModelRegistry,
  type NodeRegistry,
  type ProofgridToken,
  type RootKeyAttestationVerifier,
  type SoundnessBonds,
  type TEERegistry,
} from "./types/index.js";

/** One whole token (18 decimals). */
export const TOKEN = 10n ** 18n;

export interface Proofgrid {
  token: ProofgridToken;
  models: ModelRegistry;
  nodes: NodeRegistry;
  attestation: RootKeyAttestationVerifier;
  tee: TEERegistry;
  hub: InferenceHub;
  /** Decides disputes of VANILLA results: committees, or fraud proofs with an answer window. */
  court: CommitteeCourt;
  /** Holds ZK releases' soundness bonds; freezes a release proven unsound. */
  bonds: SoundnessBonds;
  /** Block of the first deploy transaction: where event scans start. */
  startBlock: number;
}

export const CONTRACT_NAMES = ["token", "models", "nodes", "attestation", "tee", "hub", "court", "bonds"] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

/** The JSON that `deployments/<chainId>.json` holds. */
export interface DeploymentFile {
  chainId: number;
  startBlock: number;
  deployer: string;
  attestationRoot: string;
  contracts: Record<ContractName, string>;
}

/** Connects to an existing deployment. */
export function attachProofgrid(file: DeploymentFile, runner: ContractRunner): Proofgrid {
  return {
    token: ProofgridToken__factory.connect(file.contracts.token, runner),
    models: ModelRegistry__factory.connect(file.contracts.models, runner),
    nodes: NodeRegistry__factory.connect(file.contracts.nodes, runner),
    attestation: RootKeyAttestationVerifier__factory.connect(file.contracts.attestation, runner),
    tee: TEERegistry__factory.connect(file.contracts.tee, runner),
    hub: InferenceHub__factory.connect(file.contracts.hub, runner),
    court: CommitteeCourt__factory.connect(file.contracts.court, runner),
    bonds: SoundnessBonds__factory.connect(file.contracts.bonds, runner),
    startBlock: file.startBlock,
  };
}

/** The same deployment's handles, connected to another signer (or provider). */
export function reconnect(contracts: Proofgrid, runner: ContractRunner): Proofgrid {
  return {
    token: contracts.token.connect(runner),
    models: contracts.models.connect(runner),
    nodes: contracts.nodes.connect(runner),
    attestation: contracts.attestation.connect(runner),
    tee: contracts.tee.connect(runner),
    hub: contracts.hub.connect(runner),
    court: contracts.court.connect(runner),
    bonds: contracts.bonds.connect(runner),
    startBlock: contracts.startBlock,
  };
}

/** The deployment file of attached contracts. */
export async function describeDeployment(pg: Proofgrid, deployer: { getAddress(): Promise<string> }): Promise<DeploymentFile> {
  const network = await pg.hub.runner!.provider!.getNetwork();
  return {
    chainId: Number(network.chainId),
    startBlock: pg.startBlock,
    deployer: await deployer.getAddress(),
    attestationRoot: await pg.attestation.root(),
    contracts: {
      token: await pg.token.getAddress(),
      models: await pg.models.getAddress(),
      nodes: await pg.nodes.getAddress(),
      attestation: await pg.attestation.getAddress(),
      tee: await pg.tee.getAddress(),
      hub: await pg.hub.getAddress(),
      court: await pg.court.getAddress(),
      bonds: await pg.bonds.getAddress(),
    },
  };
}

/** A deployment file whose addresses hold no code on the connected chain (a restarted dev chain, another network). */
export class DeploymentNotFoundError extends ProofgridError {
  override name = "DeploymentNotFoundError";
  constructor(
    readonly address: string,
    readonly chainId: bigint,
    where: string,
  ) {
    super(`no contracts at ${address} on chain ${chainId}: ${where} is stale (was the chain restarted?)`);
  }
}

/** Throws DeploymentNotFoundError unless every contract of `file` has code on `provider`'s chain. */
export async function checkDeployed(file: DeploymentFile, provider: Provider, where = "the deployment"): Promise<void> {
  const { chainId } = await provider.getNetwork();
  const codes = await Promise.all(CONTRACT_NAMES.map((name) => provider.getCode(file.contracts[name])));
  const missing = CONTRACT_NAMES.find((_, i) => codes[i] === "0x");
  if (missing) throw new DeploymentNotFoundError(file.contracts[missing], chainId, where);
}
