// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Through the package path, as the verifiers `proofgrid model build` writes import their base: the
// remapping (remappings.txt) is then in use whether or not a model's build directory is among the
// sources, so the build's settings, and every contract's metadata hash, do not depend on it.
import {IProofVerifier} from "proofgrid/contracts/interfaces/IProofVerifier.sol";

/// @title MockProofVerifier
/// @notice For tests that isolate the hub from the Groth16 pipeline: a "proof" is the keccak256 of
///         the full statement (chain, hub, job, prover, weights, input, output), so it binds the same
///         fields a real proof does and a proof for any other statement fails. Not sound: anyone can
///         compute it. Never deploy outside tests.
contract MockProofVerifier is IProofVerifier {
    /// @inheritdoc IProofVerifier
    function verifyInference(
        uint256 jobId,
        address prover,
        bytes32 weightsCommitment,
        int256[] calldata input,
        int256[] calldata output,
        bytes calldata proof
    ) external view returns (bool) {
        return verifyStatement(msg.sender, jobId, prover, weightsCommitment, input, output, proof);
    }

    /// @inheritdoc IProofVerifier
    function verifyStatement(
        address hub,
        uint256 jobId,
        address prover,
        bytes32 weightsCommitment,
        int256[] calldata input,
        int256[] calldata output,
        bytes calldata proof
    ) public view returns (bool) {
        if (proof.length != 32) return false;
        bytes32 statement = keccak256(
            abi.encode(
                block.chainid,
                hub,
                jobId,
                prover,
                weightsCommitment,
                keccak256(abi.encodePacked(input)),
                keccak256(abi.encodePacked(output))
            )
        );
        return bytes32(proof) == statement;
    }
}
