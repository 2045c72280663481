// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IAttestationVerifier
/// @notice Checks a remote attestation of an enclave and returns what it attests. The TEE registry
///         depends only on this interface, so a verifier of real AWS Nitro or Intel SGX/TDX quotes
///         can replace the attestation-root verifier used on local and test networks.
interface IAttestationVerifier {
    /// @notice What an attestation says about one enclave.
    struct Attested {
        /// The measurement (hash) of the code running in the enclave (PCRs, MRENCLAVE, ...).
        bytes32 measurement;
        /// The key generated inside the enclave, which signs its results.
        address enclaveKey;
        /// The node operator the enclave serves (bound through the quote's report data).
        address operator;
        /// When the attestation was issued (unix seconds).
        uint64 issuedAt;
    }

    /// @notice Verifies `attestation` and returns its content; reverts when it is not valid.
    function verifyAttestation(bytes calldata attestation) external view returns (Attested memory);
}
