/**
 * The off-chain half of the hub's checks: the hashes, EIP-712 messages and signatures that nodes,
 * enclaves, the attestation root and the SDK compute exactly as the contracts do.
 */
import { AbiCoder, ethers, type Signer, type TypedDataDomain } from "ethers";

export enum TrustLevel {
  VANILLA = 0,
  TEE = 1,
  ZK = 2,
}

export enum JobStatus {
  None = 0,
  Requested = 1,
  Submitted = 2,
  Challenged = 3,
  Settled = 4,
  Refunded = 5,
}

/** Why a job's fee went back to its requester (IInferenceHub.RefundReason). */
export enum RefundReason {
  Timeout = 0,
  Fraud = 1,
  Undecided = 2,
  TimeoutExcused = 3,
}

export const REFUND_REASONS = ["timeout", "fraud", "undecided", "timeout-excused"] as const;
export type RefundReasonName = (typeof REFUND_REASONS)[number];

/** Why a node was slashed and jailed (IInferenceHub.Penalty). */
export enum Penalty {
  Timeout = 0,
  Fraud = 1,
  Absent = 2,
}

/** A committee's verdict (IInferenceHub.Verdict). */
export enum Verdict {
  NodeRight = 0,
  Fraud = 1,
  Undecided = 2,
}

/** The commitment a committee member sends: keccak256(abi.encode(jobId, member, outputHash, salt)). */
export function voteCommitment(jobId: bigint, member: string, outputHash: string, salt: string): string {
  return ethers.keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "address", "bytes32", "bytes32"], [jobId, member, outputHash, salt]));
}

export const TRUST_NAMES: Record<TrustLevel, "vanilla" | "tee" | "zk"> = {
  [TrustLevel.VANILLA]: "vanilla",
  [TrustLevel.TEE]: "tee",
  [TrustLevel.ZK]: "zk",
};

/** Bit mask of trust levels, as the registries store it. */
export function levelMask(...levels: TrustLevel[]): number {
  return levels.reduce((mask, level) => mask | (1 << level), 0);
}

/** A release as the node registry keys it: modelId << 32 | version. */
export function releaseKey(modelId: number | bigint, version: number | bigint): bigint {
  return (BigInt(modelId) << 32n) | BigInt(version);
}

/** Packs a release version as the registry does: major << 16 | minor. */
export function packVersion(major: number, minor: number): number {
  if (!Number.isInteger(major) || !Number.isInteger(minor) || major < 0 || minor < 0 || major > 0xffff || minor > 0xffff) {
    throw new RangeError(`version ${major}.${minor}: major and minor must be integers in 0..65535`);
  }
  return major * 65_536 + minor;
}

export function unpackVersion(version: number | bigint): string {
  const v = Number(version);
  return `${Math.floor(v / 65_536)}.${v % 65_536}`;
}

/** keccak256(abi.encodePacked(int256[])): the hub's hash of an input or output vector. */
export function hashValues(values: readonly bigint[]): string {
  return ethers.solidityPackedKeccak256(["int256[]"], [values]);
}

/** The domain of the hub's EIP-712 messages. */
export function hubDomain(chainId: bigint, hub: string): TypedDataDomain {
  return { name: "proofgrid InferenceHub", version: "1", chainId, verifyingContract: hub };
}

export const RESULT_TYPES = {
  InferenceResult: [
    { name: "jobId", type: "uint256" },
    { name: "node", type: "address" },
    { name: "modelId", type: "uint32" },
    { name: "version", type: "uint32" },
    { name: "weightsCommitment", type: "bytes32" },
    { name: "inputHash", type: "bytes32" },
    { name: "outputHash", type: "bytes32" },
  ],
};

export interface ResultMessage {
  jobId: bigint;
  node: string;
  modelId: bigint | number;
  version: bigint | number;
  /** The release's weights commitment: the hub fills it from the registry. */
  weightsCommitment: string;
  inputHash: string;
  outputHash: string;
}

/** The enclave's signature over a TEE result, as the hub checks it. */
export async function signResult(enclave: Signer, domain: TypedDataDomain, message: ResultMessage): Promise<string> {
  return enclave.signTypedData(domain, RESULT_TYPES, message);
}

export function resultDigest(domain: TypedDataDomain, message: ResultMessage): string {
  return ethers.TypedDataEncoder.hash(domain, RESULT_TYPES, message);
}

/** The simulated attestation root's EIP-712 domain. */
export function attestationDomain(chainId: bigint, verifier: string): TypedDataDomain {
  return { name: "proofgrid RootKeyAttestation", version: "1", chainId, verifyingContract: verifier };
}

export interface Attested {
  measurement: string;
  enclaveKey: string;
  operator: string;
  issuedAt: bigint;
}

const ATTESTATION_TYPES = {
  EnclaveAttestation: [
    { name: "measurement", type: "bytes32" },
    { name: "enclaveKey", type: "address" },
    { name: "operator", type: "address" },
    { name: "issuedAt", type: "uint64" },
  ],
};

/** An attestation as the RootKeyAttestationVerifier decodes it: abi.encode(Attested, signature). */
export async function makeAttestation(root: Signer, domain: TypedDataDomain, attested: Attested): Promise<string> {
  const signature = await root.signTypedData(domain, ATTESTATION_TYPES, attested);
  return AbiCoder.defaultAbiCoder().encode(
    ["tuple(bytes32 measurement,address enclaveKey,address operator,uint64 issuedAt)", "bytes"],
    [attested, signature],
  );
}

export function teeDomain(chainId: bigint, registry: string): TypedDataDomain {
  return { name: "proofgrid TEERegistry", version: "1", chainId, verifyingContract: registry };
}

const HEARTBEAT_TYPES = {
  Heartbeat: [
    { name: "enclaveKey", type: "address" },
    { name: "timestamp", type: "uint64" },
  ],
};

/** The enclave's signed heartbeat, as the TEE registry checks it. */
export async function signHeartbeat(enclave: Signer, domain: TypedDataDomain, timestamp: bigint): Promise<string> {
  return enclave.signTypedData(domain, HEARTBEAT_TYPES, { enclaveKey: await enclave.getAddress(), timestamp });
}

/**
 * The "proof" the MockProofVerifier accepts: the keccak256 of the statement. For tests that
 * isolate the hub from the Groth16 pipeline only.
 */
export function mockProof(args: {
  chainId: bigint;
  hub: string;
  jobId: bigint;
  prover: string;
  weightsCommitment: string;
  input: readonly bigint[];
  output: readonly bigint[];
}): string {
  return ethers.keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["uint256", "address", "uint256", "address", "bytes32", "bytes32", "bytes32"],
      [args.chainId, args.hub, args.jobId, args.prover, args.weightsCommitment, hashValues(args.input), hashValues(args.output)],
    ),
  );
}
