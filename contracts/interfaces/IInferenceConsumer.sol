// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IInferenceConsumer
/// @notice A contract that receives settled results from the hub.
/// @dev The hub calls it with the gas cap the requester chose and ignores a revert, so a consumer
///      can never block settlement. A consumer must check that msg.sender is the hub.
interface IInferenceConsumer {
    /// @notice Receives the checked output of a settled job.
    function onInferenceResult(uint256 jobId, int256[] calldata output) external;
}
