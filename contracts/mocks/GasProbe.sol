// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title GasProbe
/// @notice For benchmarks: the gas a call spends inside the callee, measured with gasleft() around
///         a staticcall (the call's own cost, 100 warm / 2,600 cold, is included; the benchmark
///         warms the address first). Never deploy outside tests and benchmarks.
contract GasProbe {
    function measure(address target, bytes calldata data) external view returns (uint256 used, bool ok, bytes memory ret) {
        // Warm the target so that the measurement does not include the cold-access surcharge.
        target.code.length;
        uint256 before = gasleft();
        (ok, ret) = target.staticcall(data);
        used = before - gasleft();
    }
}

/// @title AcceptingVerifier
/// @notice Stands in for a generated Groth16 verifier in tests of the adapter's packing: answers
///         `true` to any call. Never deploy outside tests.
contract AcceptingVerifier {
    fallback() external {
        assembly ("memory-safe") {
            mstore(0, 1)
            return(0, 32)
        }
    }
}
