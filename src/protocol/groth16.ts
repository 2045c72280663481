/**
 * A Groth16 proof as the hub takes it: abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c),
 * with pi_b's coordinates swapped for the EVM's pairing precompile; and back to snarkjs' shape.
 */
import { AbiCoder } from "ethers";
import type { Groth16Proof } from "snarkjs";

const PROOF_TYPES = ["uint256[2]", "uint256[2][2]", "uint256[2]"];

/** The hub's `proof` bytes for a snarkjs proof. */
export function encodeProof(proof: Groth16Proof): string {
  const a = [proof.pi_a[0], proof.pi_a[1]];
  const b = [
    [proof.pi_b[0][1], proof.pi_b[0][0]],
    [proof.pi_b[1][1], proof.pi_b[1][0]],
  ];
  const c = [proof.pi_c[0], proof.pi_c[1]];
  return AbiCoder.defaultAbiCoder().encode(PROOF_TYPES, [a, b, c]);
}

/** The snarkjs proof in the hub's `proof` bytes (the inverse of encodeProof). */
export function decodeProof(data: string): Groth16Proof {
  const [a, b, c] = AbiCoder.defaultAbiCoder().decode(PROOF_TYPES, data);
  return {
    pi_a: [a[0].toString(), a[1].toString(), "1"],
    pi_b: [
      [b[0][1].toString(), b[0][0].toString()],
      [b[1][1].toString(), b[1][0].toString()],
      ["1", "0"],
    ],
    pi_c: [c[0].toString(), c[1].toString(), "1"],
    protocol: "groth16",
    curve: "bn128",
  };
}
