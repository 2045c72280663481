// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IAttestationVerifier} from "../interfaces/IAttestationVerifier.sol";

/// @title RootKeyAttestationVerifier
/// @notice Accepts attestations signed (EIP-712) by one known attestation-root key. It stands in for
///         a hardware vendor's root of trust on local and test networks: the attestation format is
///         `abi.encode(Attested, bytes signature)`.
contract RootKeyAttestationVerifier is IAttestationVerifier, EIP712 {
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "EnclaveAttestation(bytes32 measurement,address enclaveKey,address operator,uint64 issuedAt)"
    );

    /// @notice The key whose signature makes an attestation valid.
    address public immutable root;

    /// @notice Thrown when the attestation is not signed by {root}.
    error AttestationBadSignature(address signer, address root);
    /// @notice Thrown when the attestation cannot be decoded or names a zero key or operator.
    error AttestationMalformed();

    constructor(address root_) EIP712("proofgrid RootKeyAttestation", "1") {
        if (root_ == address(0)) revert AttestationMalformed();
        root = root_;
    }

    /// @inheritdoc IAttestationVerifier
    function verifyAttestation(bytes calldata attestation) external view returns (Attested memory attested) {
        // Fixed part: Attested (4 words) + offset of the signature + its length + 65-byte signature.
        if (attestation.length < 6 * 32 + 65) revert AttestationMalformed();
        bytes memory signature;
        (attested, signature) = abi.decode(attestation, (Attested, bytes));
        if (attested.enclaveKey == address(0) || attested.operator == address(0)) revert AttestationMalformed();
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(
                    ATTESTATION_TYPEHASH, attested.measurement, attested.enclaveKey, attested.operator, attested.issuedAt
                )
            )
        );
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, signature);
        if (err != ECDSA.RecoverError.NoError || signer != root) revert AttestationBadSignature(signer, root);
    }
}
