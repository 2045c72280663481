// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";
import {IInferenceHub} from "../interfaces/IInferenceHub.sol";

/// @title InferenceConsumer
/// @notice Base for contracts that act on settled inferences: it accepts results only from its hub
///         and hands them to {_onInferenceResult}. Inherit it, request with `consumer: address(this)`
///         and a `callbackGasLimit` that covers the hook.
/// @dev The hub calls the consumer under the requester's gas cap and ignores a revert, so a hook
///      that reverts or runs out of gas never blocks settlement; it only loses that callback.
///      The job's fee is already settled when the hook runs: refunds reach the requester through
///      the hub's balances, never through this call. The requester is this contract, so it also
///      receives the hub's refunds and, for a ZK job of a release later proven unsound, the
///      soundness bond's compensation (ISoundnessBonds.payClaim): pass both on to whoever paid
///      (TicketRouter shows how).
abstract contract InferenceConsumer is IInferenceConsumer {
    /// @notice The callback came from `caller`, not the hub.
    error InferenceConsumerNotHub(address caller);

    /// @notice The hub whose results this contract accepts.
    IInferenceHub public immutable hub;

    constructor(IInferenceHub hub_) {
        hub = hub_;
    }

    /// @inheritdoc IInferenceConsumer
    function onInferenceResult(uint256 jobId, int256[] calldata output) external {
        if (msg.sender != address(hub)) revert InferenceConsumerNotHub(msg.sender);
        _onInferenceResult(jobId, output);
    }

    /// @notice Acts on the checked output of one of this contract's settled jobs.
    function _onInferenceResult(uint256 jobId, int256[] calldata output) internal virtual;
}
