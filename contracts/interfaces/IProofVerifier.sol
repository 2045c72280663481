// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IProofVerifier
/// @notice Checks a proof that `output = model(input)` for one job. One implementation per model
///         circuit (an adapter around the generated Groth16 verifier), so each circuit chooses its
///         own packing of the statement into public signals.
/// @dev The statement must bind the proof to: the chain (block.chainid), the hub (msg.sender),
///      the job id, the prover, the model's weights commitment, the input and the output. A proof
///      made for any other value of one of these must fail.
interface IProofVerifier {
    /// @notice Returns true when `proof` proves the statement; false (or a revert) otherwise.
    function verifyInference(
        uint256 jobId,
        address prover,
        bytes32 weightsCommitment,
        int256[] calldata input,
        int256[] calldata output,
        bytes calldata proof
    ) external view returns (bool);

    /// @notice {verifyInference} for a proof bound to `hub` instead of the caller. Evidence of
    ///         equivocation (two valid proofs of different outputs for one input) names proofs made
    ///         for the hub and for the court, so the contract that weighs it checks them here.
    function verifyStatement(
        address hub,
        uint256 jobId,
        address prover,
        bytes32 weightsCommitment,
        int256[] calldata input,
        int256[] calldata output,
        bytes calldata proof
    ) external view returns (bool);
}
