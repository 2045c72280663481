// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IInferenceHub} from "../../contracts/interfaces/IInferenceHub.sol";
import {TrustLevel} from "../../contracts/libraries/TrustLevels.sol";
import {HubHandler} from "./HubInvariant.t.sol";
import {CheatTest} from "./Vm.sol";

/// @notice Fuzz tests of the hub's external functions that take numbers or bytes: a call either
///         does exactly what the specification says or reverts with nothing moved.
contract HubFuzzTest is CheatTest {
    HubHandler private h;
    IInferenceHub private hub;

    function setUp() public {
        h = new HubHandler();
        hub = IInferenceHub(address(h.hub()));
    }

    function _input(uint256 length) private pure returns (int256[] memory x) {
        x = new int256[](length);
        for (uint256 i; i < length; ++i) {
            x[i] = int256(i) - 1;
        }
    }

    /// request succeeds exactly when fee >= price, now < deadline <= now + 1 day, the input has
    /// the model's length and no callback gas is asked without a consumer; it escrows exactly the
    /// fee, and a refused request moves nothing.
    function testFuzz_requestEscrowsExactlyOrMovesNothing(uint96 fee, uint40 deadline, uint8 length, uint32 callbackGas, uint8 level)
        public
    {
        TrustLevel l = TrustLevel(level % 3);
        uint96[3] memory prices = [uint96(2e18), 3e18, 5e18];
        fee = uint96(bound(fee, 0, 10e18));
        deadline = uint40(bound(deadline, 0, block.timestamp + 2 days));
        length = uint8(bound(length, 0, 4));
        callbackGas = uint32(bound(callbackGas, 0, 2));
        address requester = h.REQUESTER();
        uint256 hubBefore = h.token().balanceOf(address(hub));
        uint256 requesterBefore = h.token().balanceOf(requester);
        uint256 minTime = l == TrustLevel.ZK ? 120 : 60;
        bool valid = fee >= prices[uint8(l)] && deadline >= block.timestamp + minTime
            && deadline <= block.timestamp + 1 days && length == 2 && callbackGas == 0;
        vm.prank(requester);
        try hub.request(
            IInferenceHub.RequestParams({
                modelId: 1,
                version: 0,
                level: l,
                fee: fee,
                deadline: deadline,
                consumer: address(0),
                callbackGasLimit: callbackGas,
                input: _input(length)
            })
        ) returns (uint256 jobId) {
            require(valid, "an invalid request was accepted");
            require(h.token().balanceOf(address(hub)) == hubBefore + fee, "escrow != fee");
            require(hub.getJob(jobId).fee == fee, "stored fee");
        } catch {
            require(!valid, "a valid request was refused");
            require(h.token().balanceOf(address(hub)) == hubBefore, "a refused request moved tokens");
            require(h.token().balanceOf(requester) == requesterBefore, "a refused request took tokens");
        }
    }

    function _newJob(uint8 level) private returns (uint256 jobId) {
        h.request(level, 0, 0, 3600);
        jobId = hub.jobCount();
    }

    /// Any bytes that are not the enclave's signature over the result are refused.
    function testFuzz_teeSignatureGarbageIsRefused(bytes calldata signature) public {
        uint256 jobId = _newJob(uint8(TrustLevel.TEE));
        int256[] memory output = _input(2);
        vm.prank(hub.getJob(jobId).node);
        try hub.submitTeeResult(jobId, output, signature) {
            revert("garbage signature accepted");
        } catch {}
        require(hub.getJob(jobId).status == IInferenceHub.JobStatus.Requested, "job moved");
    }

    /// Any bytes that are not the statement's proof are refused.
    function testFuzz_zkProofGarbageIsRefused(bytes calldata proof) public {
        uint256 jobId = _newJob(uint8(TrustLevel.ZK));
        int256[] memory input = new int256[](2);
        input[0] = 3;
        input[1] = -4;
        vm.prank(hub.getJob(jobId).node);
        try hub.submitZkResult(jobId, input, _input(2), proof) {
            revert("garbage proof accepted");
        } catch {}
        require(hub.getJob(jobId).status == IInferenceHub.JobStatus.Requested, "job moved");
    }

    /// A VANILLA output is accepted exactly when it has the model's output length.
    function testFuzz_outputLength(uint8 length) public {
        length = uint8(bound(length, 0, 6));
        uint256 jobId = _newJob(uint8(TrustLevel.VANILLA));
        vm.prank(hub.getJob(jobId).node);
        try hub.submitResult(jobId, _input(length)) {
            require(length == 2, "wrong length accepted");
        } catch {
            require(length != 2, "right length refused");
        }
    }

    /// Nobody withdraws what they are not owed, to any address.
    function testFuzz_withdrawWithoutBalanceReverts(address who, address to) public {
        vm.assume(hub.balanceOf(who) == 0);
        uint256 held = h.token().balanceOf(address(hub));
        vm.prank(who);
        try hub.withdrawTo(to) {
            revert("withdrew without a balance");
        } catch {}
        require(h.token().balanceOf(address(hub)) == held, "tokens moved");
    }
}
