/**
 * The protocol's hashes, computed exactly as the contracts (and the circuit's public signals)
 * compute them: value vectors, the weights commitment, a proof's binding, a vote's commitment.
 */
import { AbiCoder, getAddress, keccak256, solidityPackedKeccak256, toUtf8Bytes, type BigNumberish } from "ethers";
import { serializeQuantized, type QuantizedModel } from "../engine/fixed.js";

/** keccak256 of bytes, or of a string's UTF-8 bytes. */
export const hashBytes = (data: Uint8Array | string): string => keccak256(typeof data === "string" ? toUtf8Bytes(data) : data);

/** keccak256(abi.encodePacked(int256[])): the hub's hash of an input or output vector. */
export function hashValues(values: readonly bigint[]): string {
  return solidityPackedKeccak256(["int256[]"], [values]);
}

/**
 * The commitment to a quantized model: keccak256 of its canonical JSON (scale, encodings, integer
 * weights and biases). Nodes, the registry, enclaves and the verifier adapter all use this value.
 */
export function weightsCommitment(model: QuantizedModel): string {
  const { scaleBits, input, output, layers } = model;
  return hashBytes(serializeQuantized({ ...model, name: "", version: "", labels: undefined, inputRange: [0, 0], scaleBits, input, output, layers }));
}

/** What a proof is bound to; the adapter recomputes it on chain from the hub's call. */
export interface ProofBinding {
  chainId: BigNumberish;
  /** The hub that will call the verifier. */
  hub: string;
  jobId: BigNumberish;
  /** The node (or fraud prover) that submits the proof. */
  prover: string;
}

/** keccak256(abi.encode(chainid, hub, jobId, prover, weightsCommitment)) >> 3: below 2^253, a field element. */
export function bindingOf(binding: ProofBinding, weightsCommitment: string): bigint {
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ["uint256", "address", "uint256", "address", "bytes32"],
    [binding.chainId, getAddress(binding.hub), binding.jobId, getAddress(binding.prover), weightsCommitment],
  );
  return BigInt(keccak256(encoded)) >> 3n;
}

/** The commitment a committee member sends: keccak256(abi.encode(jobId, member, outputHash, salt)). */
export function voteCommitment(jobId: bigint, member: string, outputHash: string, salt: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "address", "bytes32", "bytes32"], [jobId, member, outputHash, salt]));
}
