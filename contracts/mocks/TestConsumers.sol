// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";
import {IInferenceHub} from "../interfaces/IInferenceHub.sol";

/// @notice A consumer is called back only for its own requests: this lets a test consumer request.
abstract contract SelfRequester {
    /// @notice Approves the hub for the fee (held by this contract), then requests.
    function requestFromHub(address hub_, IERC20 token, IInferenceHub.RequestParams calldata p) external returns (uint256) {
        token.approve(hub_, p.fee);
        return IInferenceHub(hub_).request(p);
    }
}

/// @notice Records the last result it received. Test helper.
contract RecordingConsumer is IInferenceConsumer, SelfRequester {
    address public immutable hub;
    uint256 public lastJobId;
    int256[] private _lastOutput;
    uint256 public calls;

    error RecordingConsumerNotHub(address caller);

    constructor(address hub_) {
        hub = hub_;
    }

    function onInferenceResult(uint256 jobId, int256[] calldata output) external {
        if (msg.sender != hub) revert RecordingConsumerNotHub(msg.sender);
        lastJobId = jobId;
        _lastOutput = output;
        ++calls;
    }

    function lastOutput() external view returns (int256[] memory) {
        return _lastOutput;
    }
}

/// @notice Always reverts. Test helper.
contract RevertingConsumer is IInferenceConsumer, SelfRequester {
    error RevertingConsumerAlwaysReverts(uint256 jobId);

    function onInferenceResult(uint256 jobId, int256[] calldata) external pure {
        revert RevertingConsumerAlwaysReverts(jobId);
    }
}

/// @notice Burns all the gas it gets, then returns a huge amount of data. Test helper.
contract GasBurningConsumer is IInferenceConsumer, SelfRequester {
    uint256 public sink;

    function onInferenceResult(uint256, int256[] calldata) external {
        for (uint256 i; ; ++i) {
            sink = i;
        }
    }
}

/// @notice Re-enters the hub from its callback (withdraw, finalize, timeout). Test helper.
contract ReentrantConsumer is IInferenceConsumer, SelfRequester {
    IInferenceHub public immutable hub;
    /// Re-entry attempts that the hub refused, and that it let through.
    uint256 public blocked;
    uint256 public reentered;

    constructor(IInferenceHub hub_) {
        hub = hub_;
    }

    function onInferenceResult(uint256 jobId, int256[] calldata output) external {
        // Each of these must revert (ReentrancyGuard).
        try hub.withdraw() {
            ++reentered;
        } catch {
            ++blocked;
        }
        try hub.finalize(jobId, output) {
            ++reentered;
        } catch {
            ++blocked;
        }
        try hub.claimTimeout(jobId) {
            ++reentered;
        } catch {
            ++blocked;
        }
    }
}
