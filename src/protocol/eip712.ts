/**
 * The EIP-712 messages the contracts check: a TEE result (hub), an enclave attestation (the
 * simulated attestation root) and an enclave heartbeat (TEE registry). The type strings' hashes
 * equal the contracts' *_TYPEHASH constants (test/protocol/parity.test.ts).
 */
import { AbiCoder, ethers, type Signer, type TypedDataDomain } from "ethers";

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

export const ATTESTATION_TYPES = {
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

export const HEARTBEAT_TYPES = {
  Heartbeat: [
    { name: "enclaveKey", type: "address" },
    { name: "timestamp", type: "uint64" },
  ],
};

/** The enclave's signed heartbeat, as the TEE registry checks it. */
export async function signHeartbeat(enclave: Signer, domain: TypedDataDomain, timestamp: bigint): Promise<string> {
  return enclave.signTypedData(domain, HEARTBEAT_TYPES, { enclaveKey: await enclave.getAddress(), timestamp });
}
