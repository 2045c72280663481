/**
 * The "proof" the MockProofVerifier accepts: the keccak256 of the statement. For tests that
 * isolate the hub from the Groth16 pipeline only.
 */
import { AbiCoder, keccak256 } from "ethers";
import { hashValues } from "../../src/protocol/index.js";

export function mockProof(args: {
  chainId: bigint;
  hub: string;
  jobId: bigint;
  prover: string;
  weightsCommitment: string;
  input: readonly bigint[];
  output: readonly bigint[];
}): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["uint256", "address", "uint256", "address", "bytes32", "bytes32", "bytes32"],
      [args.chainId, args.hub, args.jobId, args.prover, args.weightsCommitment, hashValues(args.input), hashValues(args.output)],
    ),
  );
}
