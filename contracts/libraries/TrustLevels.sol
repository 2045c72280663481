// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The trust level a requester chooses for one job.
/// @dev VANILLA: optimistic, challengeable during a window. TEE: signed by an admitted enclave key.
///      ZK: checked by the Groth16 verifier generated from the model's circuit.
enum TrustLevel {
    VANILLA,
    TEE,
    ZK
}

/// @title TrustLevels
/// @notice Bit masks over {TrustLevel}: bit `uint8(level)` is set when the level is included.
library TrustLevels {
    /// @dev The mask with all three levels set.
    uint8 internal constant ALL = 0x07;

    function bit(TrustLevel level) internal pure returns (uint8) {
        return uint8(1) << uint8(level);
    }

    function includes(uint8 mask, TrustLevel level) internal pure returns (bool) {
        return mask & bit(level) != 0;
    }
}
