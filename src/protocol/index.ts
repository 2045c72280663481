/**
 * The off-chain half of the protocol: the contracts' enums, release numbers, hashes, EIP-712
 * messages and proof encoding, written once and computed exactly as the contracts compute them.
 */
export * from "./enums.js";
export * from "./releases.js";
export * from "./hashing.js";
export * from "./eip712.js";
export * from "./groth16.js";
