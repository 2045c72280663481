// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ICommitteeCourt} from "../../contracts/interfaces/ICommitteeCourt.sol";
import {IInferenceHub} from "../../contracts/interfaces/IInferenceHub.sol";
import {TrustLevel} from "../../contracts/libraries/TrustLevels.sol";
import {HubHandler} from "./HubInvariant.t.sol";
import {CheatTest} from "./Vm.sol";

/// @notice Walks the invariant handler through each dispute path once, so that the invariant
///         campaign is known to reach them (draws need a future block hash, which the test network
///         must provide after a roll).
contract CommitteeGameTest is CheatTest {
    HubHandler private h;
    IInferenceHub private hub;

    function setUp() public {
        h = new HubHandler();
        hub = IInferenceHub(address(h.hub()));
    }

    function _vanillaJob(uint8 model, bool wrong) private returns (uint256 jobId) {
        h.request(uint8(TrustLevel.VANILLA), model, 0, 3600);
        jobId = hub.jobCount();
        h.submit(jobId - 1, wrong);
        require(hub.getJob(jobId).status == IInferenceHub.JobStatus.Submitted, "not submitted");
    }

    function test_committeeDecidesFraudWithHonestVotes() public {
        uint256 jobId = _vanillaJob(1, true); // model index 1 = model 2, no verifier
        address node = hub.getJob(jobId).node;
        uint256 who = h.nodeList(1) == node ? 2 : 0;
        h.challenge(jobId - 1, who);
        require(hub.getJob(jobId).status == IInferenceHub.JobStatus.Challenged, "not challenged");
        h.draw(jobId - 1);
        (ICommitteeCourt.Dispute memory d, address[] memory committee, uint8[] memory seats) = h.court().getDispute(jobId);
        require(d.commitBy != 0, "the draw did not happen (no block hash?)");
        uint256 filled;
        for (uint256 i; i < seats.length; ++i) {
            filled += seats[i];
        }
        require(filled == d.size, "committee not filled");
        for (uint256 i; i < committee.length; ++i) {
            require(committee[i] != node, "the node sits on its own committee");
            h.commit(jobId - 1, i, true);
        }
        for (uint256 i; i < committee.length; ++i) {
            h.reveal(jobId - 1, i);
        }
        h.resolve(jobId - 1);
        require(hub.getJob(jobId).status == IInferenceHub.JobStatus.Refunded, "fraud not refunded");
        require(h.owed() == h.token().balanceOf(address(hub)), "owed");
    }

    function test_absentCommitteeIsUndecidedAndSlashed() public {
        uint256 jobId = _vanillaJob(1, false);
        h.challenge(jobId - 1, 0);
        h.draw(jobId - 1);
        (, address[] memory committee,) = h.court().getDispute(jobId);
        uint256 stakeBefore = h.nodes().getNode(committee[0]).stake;
        h.resolve(jobId - 1);
        require(hub.getJob(jobId).status == IInferenceHub.JobStatus.Refunded, "not undecided");
        require(h.nodes().getNode(committee[0]).stake < stakeBefore, "absent member not slashed");
        require(h.owed() == h.token().balanceOf(address(hub)), "owed");
    }

    function test_fraudProofBySecondAddress() public {
        uint256 jobId = _vanillaJob(0, true); // model 1, with a verifier
        address node = hub.getJob(jobId).node;
        uint256 who = h.nodeList(1) == node ? 3 : 1; // odd: another node proves
        h.proveFraud(jobId - 1, who);
        require(hub.getJob(jobId).status == IInferenceHub.JobStatus.Challenged, "fraud proof not taken");
        h.resolve(jobId - 1);
        require(hub.getJob(jobId).status == IInferenceHub.JobStatus.Refunded, "fraud not proven");
        require(h.owed() == h.token().balanceOf(address(hub)), "owed");
    }
}
