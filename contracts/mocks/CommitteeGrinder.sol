// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ICommitteeCourt} from "../interfaces/ICommitteeCourt.sol";

/// @notice A throw-away challenger: challenges, then tries to see its committee in the same
///         transaction. Test helper for the grinding attack.
contract ThrowawayChallenger {
    function challengeAndPeek(ICommitteeCourt court, IERC20 token, address hub, uint256 jobId) external {
        token.approve(hub, type(uint256).max);
        court.challenge(jobId);
        court.draw(jobId);
    }
}

/// @notice The committee-grinding attack against the old draw (seeded by prevrandao and the
///         challenger's address): from one transaction, deploy throw-away challengers with CREATE2,
///         challenge, read the committee, and revert until the committee suits the attacker. Against
///         the court every attempt reverts before a committee exists. Test helper.
contract CommitteeGrinder {
    uint256 public attempts;
    uint256 public committeesSeen;
    bytes4 public lastError;

    function grind(ICommitteeCourt court, IERC20 token, address hub, uint256 jobId, uint256 tries, uint256 bond)
        external
    {
        for (uint256 i; i < tries; ++i) {
            ++attempts;
            try this.attempt(court, token, hub, jobId, i, bond) {
                ++committeesSeen;
            } catch (bytes memory reason) {
                lastError = bytes4(reason);
            }
        }
    }

    function attempt(ICommitteeCourt court, IERC20 token, address hub, uint256 jobId, uint256 salt, uint256 bond)
        external
    {
        ThrowawayChallenger c = new ThrowawayChallenger{salt: bytes32(salt)}();
        token.transfer(address(c), bond);
        // Reaching the end means the committee was visible before the attacker committed to it.
        c.challengeAndPeek(court, token, hub, jobId);
    }
}
