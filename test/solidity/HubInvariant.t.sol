// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {RootKeyAttestationVerifier} from "../../contracts/attestation/RootKeyAttestationVerifier.sol";
import {InferenceHub} from "../../contracts/hub/InferenceHub.sol";
import {IAttestationVerifier} from "../../contracts/interfaces/IAttestationVerifier.sol";
import {IInferenceHub} from "../../contracts/interfaces/IInferenceHub.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {TrustLevel} from "../../contracts/libraries/TrustLevels.sol";
import {MockProofVerifier} from "../../contracts/mocks/MockProofVerifier.sol";
import {ModelRegistry} from "../../contracts/registry/ModelRegistry.sol";
import {NodeRegistry} from "../../contracts/registry/NodeRegistry.sol";
import {TEERegistry} from "../../contracts/registry/TEERegistry.sol";
import {ProofgridToken} from "../../contracts/token/ProofgridToken.sol";
import {CheatTest} from "./Vm.sol";

/// @notice Drives the real contracts through random sequences of requests, results (right and
///         wrong, at every level), challenges, proofs, timeouts, finalizations and withdrawals.
contract HubHandler is CheatTest {
    uint256 internal constant ROOT_PK = 0xA11CE;
    uint256 internal constant ENCLAVE_PK = 0xE1C1A7E;
    bytes32 internal constant MEASUREMENT = keccak256("enclave");
    bytes32 internal constant WEIGHTS = keccak256("weights");

    ProofgridToken public token;
    ModelRegistry public models;
    NodeRegistry public nodes;
    TEERegistry public tee;
    InferenceHub public hub;
    MockProofVerifier public verifier;

    address public constant TREASURY = address(0x7EA5);
    address public constant MODEL_OWNER = address(0x0A1);
    address public constant REQUESTER = address(0x8E0);
    address public constant CHALLENGER = address(0xC4A1);
    address public node;
    address[] public actors;

    /// Output a node posted for a job; whether it was the true one.
    mapping(uint256 jobId => bool) public postedWrong;
    mapping(uint256 jobId => uint256) public payouts;
    uint256 public calls;

    /// Ghost accounting: terminal transitions seen per job, stake added and slashed.
    mapping(uint256 jobId => uint256) public settledSeen;
    mapping(uint256 jobId => uint256) public refundedSeen;
    uint256 public initialStake;
    uint256 public stakeAdded;
    uint256 public stakeSlashed;

    constructor() {
        token = new ProofgridToken(address(this));
        models = new ModelRegistry();
        nodes = new NodeRegistry(address(this), token, models, 100e18, 0, 1 days, 1 hours);
        RootKeyAttestationVerifier attestation = new RootKeyAttestationVerifier(vm.addr(ROOT_PK));
        tee = new TEERegistry(address(this), IAttestationVerifier(address(attestation)), 1 days, 30 days);
        verifier = new MockProofVerifier();
        hub = new InferenceHub(
            address(this),
            token,
            models,
            nodes,
            tee,
            IInferenceHub.Parameters({
                treasury: TREASURY,
                protocolFeeBps: 500,
                challengeWindow: 600,
                resolutionWindow: 3600,
                maxJobDuration: 1 days,
                challengeBond: 50e18,
                timeoutSlash: 10e18,
                fraudSlash: 100e18,
                committeeSize: 3,
                maxCallbackGas: 1_000_000
            })
        );
        nodes.setHub(address(hub));

        uint96[3] memory prices = [uint96(2e18), 3e18, 5e18];
        vm.prank(MODEL_OWNER);
        models.registerModel(
            "m",
            1 << 16,
            IModelRegistry.Release({
                contentHash: keccak256("file"),
                weightsCommitment: WEIGHTS,
                verifier: address(verifier),
                inputSize: 2,
                outputSize: 2,
                scaleBits: 8,
                levels: 7,
                royaltyBps: 1000,
                deprecated: false,
                prices: prices
            })
        );

        node = vm.addr(0xB0DE);
        token.mint(node, 1e30);
        vm.startPrank(node);
        token.approve(address(nodes), type(uint256).max);
        uint32[] memory ids = new uint32[](1);
        ids[0] = 1;
        nodes.join(1e27, ids, 7);
        nodes.activate();
        vm.stopPrank();
        initialStake = 1e27;

        tee.approveMeasurement(MEASUREMENT);
        IAttestationVerifier.Attested memory a = IAttestationVerifier.Attested({
            measurement: MEASUREMENT,
            enclaveKey: vm.addr(ENCLAVE_PK),
            operator: node,
            issuedAt: uint64(block.timestamp)
        });
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                _domain(attestation),
                keccak256(abi.encode(attestation.ATTESTATION_TYPEHASH(), a.measurement, a.enclaveKey, a.operator, a.issuedAt))
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ROOT_PK, digest);
        vm.prank(node);
        tee.admitEnclave(abi.encode(a, abi.encodePacked(r, s, v)));

        for (uint256 i; i < 2; ++i) {
            address who = i == 0 ? REQUESTER : CHALLENGER;
            token.mint(who, 1e30);
            vm.prank(who);
            token.approve(address(hub), type(uint256).max);
        }
        actors = [TREASURY, MODEL_OWNER, REQUESTER, CHALLENGER, node];
    }

    function _domain(RootKeyAttestationVerifier attestation) private view returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("proofgrid RootKeyAttestation"),
                keccak256("1"),
                block.chainid,
                address(attestation)
            )
        );
    }

    function _input() private pure returns (int256[] memory x) {
        x = new int256[](2);
        x[0] = 3;
        x[1] = -4;
    }

    function _output(bool wrong) private pure returns (int256[] memory y) {
        y = new int256[](2);
        y[0] = 7;
        y[1] = wrong ? int256(8) : int256(-1);
    }

    function _job(uint256 seed) private view returns (uint256 jobId, IInferenceHub.Job memory job) {
        uint256 count = hub.jobCount();
        if (count == 0) return (0, job);
        jobId = 1 + (seed % count);
        job = hub.getJob(jobId);
    }

    /// Records a job's move to a terminal state and any slash of the node during the action.
    modifier observe(uint256 seed) {
        (uint256 jobId, IInferenceHub.Job memory before) = _job(seed);
        uint256 stakeBefore = nodes.getNode(node).stake;
        _;
        if (jobId != 0) {
            IInferenceHub.JobStatus status = hub.getJob(jobId).status;
            if (status != before.status) {
                if (status == IInferenceHub.JobStatus.Settled) ++settledSeen[jobId];
                if (status == IInferenceHub.JobStatus.Refunded) ++refundedSeen[jobId];
            }
        }
        uint256 stakeAfter = nodes.getNode(node).stake;
        if (stakeAfter < stakeBefore) stakeSlashed += stakeBefore - stakeAfter;
    }

    // ---------------------------------------------------------------- actions

    function addStake(uint96 amount) external {
        ++calls;
        uint96 a = uint96(bound(amount, 1, 1e24));
        vm.prank(node);
        nodes.addStake(a);
        stakeAdded += a;
    }

    function request(uint8 level, uint96 tip, uint32 duration) external {
        ++calls;
        TrustLevel l = TrustLevel(level % 3);
        uint96[3] memory prices = [uint96(2e18), 3e18, 5e18];
        IInferenceHub.RequestParams memory p = IInferenceHub.RequestParams({
            modelId: 1,
            version: 0,
            level: l,
            fee: prices[uint8(l)] + uint96(bound(tip, 0, 1e18)),
            deadline: uint40(block.timestamp + bound(duration, 1, 1 days)),
            consumer: address(0),
            callbackGasLimit: 0,
            input: _input()
        });
        vm.prank(REQUESTER);
        hub.request(p);
    }

    function submit(uint256 seed, bool wrong) external observe(seed) {
        ++calls;
        (uint256 jobId, IInferenceHub.Job memory job) = _job(seed);
        if (jobId == 0 || job.status != IInferenceHub.JobStatus.Requested || block.timestamp > job.deadline) return;
        int256[] memory output = _output(wrong);
        postedWrong[jobId] = wrong;
        if (job.level == TrustLevel.VANILLA) {
            vm.prank(node);
            hub.submitResult(jobId, output);
        } else if (job.level == TrustLevel.TEE) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(ENCLAVE_PK, hub.resultDigest(jobId, output));
            vm.prank(node);
            hub.submitTeeResult(jobId, output, abi.encodePacked(r, s, v));
        } else {
            // A wrong ZK output cannot be proven: only the true one is submitted.
            postedWrong[jobId] = false;
            output = _output(false);
            vm.prank(node);
            hub.submitZkResult(jobId, _input(), output, _proof(jobId, node, output));
        }
    }

    function warp(uint16 secondsForward) external {
        ++calls;
        vm.warp(block.timestamp + bound(secondsForward, 1, 4000));
    }

    function timeout(uint256 seed) external observe(seed) {
        ++calls;
        (uint256 jobId, IInferenceHub.Job memory job) = _job(seed);
        if (jobId == 0 || job.status != IInferenceHub.JobStatus.Requested || block.timestamp <= job.deadline) return;
        hub.claimTimeout(jobId);
    }

    function finalize(uint256 seed) external observe(seed) {
        ++calls;
        (uint256 jobId, IInferenceHub.Job memory job) = _job(seed);
        if (jobId == 0 || job.status != IInferenceHub.JobStatus.Submitted || block.timestamp <= job.deadline) return;
        hub.finalize(jobId, _output(postedWrong[jobId]));
    }

    function challenge(uint256 seed) external {
        ++calls;
        (uint256 jobId, IInferenceHub.Job memory job) = _job(seed);
        if (jobId == 0 || job.status != IInferenceHub.JobStatus.Submitted || block.timestamp > job.deadline) return;
        vm.prank(CHALLENGER);
        hub.challenge(jobId);
    }

    function resolve(uint256 seed) external observe(seed) {
        ++calls;
        (uint256 jobId, IInferenceHub.Job memory job) = _job(seed);
        if (jobId == 0 || job.status != IInferenceHub.JobStatus.Challenged) return;
        (IInferenceHub.Challenge memory c,) = hub.getChallenge(jobId);
        if (block.timestamp > c.resolveBy) return;
        int256[] memory output = _output(false);
        vm.prank(CHALLENGER);
        hub.resolveWithProof(jobId, _input(), output, _proof(jobId, CHALLENGER, output));
    }

    function expire(uint256 seed) external observe(seed) {
        ++calls;
        (uint256 jobId, IInferenceHub.Job memory job) = _job(seed);
        if (jobId == 0 || job.status != IInferenceHub.JobStatus.Challenged) return;
        (IInferenceHub.Challenge memory c,) = hub.getChallenge(jobId);
        if (block.timestamp <= c.resolveBy) return;
        hub.expireChallenge(jobId);
    }

    function withdraw(uint256 seed) external {
        ++calls;
        address who = actors[seed % actors.length];
        if (hub.balanceOf(who) == 0) return;
        vm.prank(who);
        hub.withdraw();
    }

    function _proof(uint256 jobId, address prover, int256[] memory output) private view returns (bytes memory) {
        return abi.encodePacked(
            keccak256(
                abi.encode(
                    block.chainid,
                    address(hub),
                    jobId,
                    prover,
                    WEIGHTS,
                    keccak256(abi.encodePacked(_input())),
                    keccak256(abi.encodePacked(output))
                )
            )
        );
    }

    // ---------------------------------------------------------------- what the hub owes

    function owed() external view returns (uint256 total) {
        uint256 count = hub.jobCount();
        for (uint256 id = 1; id <= count; ++id) {
            IInferenceHub.Job memory job = hub.getJob(id);
            if (
                job.status == IInferenceHub.JobStatus.Requested || job.status == IInferenceHub.JobStatus.Submitted
                    || job.status == IInferenceHub.JobStatus.Challenged
            ) total += job.fee;
            if (job.status == IInferenceHub.JobStatus.Challenged) {
                (IInferenceHub.Challenge memory c,) = hub.getChallenge(id);
                total += c.bond;
            }
        }
        for (uint256 i; i < actors.length; ++i) {
            total += hub.balanceOf(actors[i]);
        }
    }
}

contract HubInvariantTest is CheatTest {
    HubHandler private handler;
    uint256 private supply;

    function setUp() public {
        handler = new HubHandler();
        supply = handler.token().totalSupply();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// The hub's token balance is exactly what it owes: open escrows, open bonds, balances.
    function invariant_hubBalanceEqualsWhatItOwes() public view {
        require(handler.token().balanceOf(address(handler.hub())) == handler.owed(), "hub balance != owed");
    }

    /// No token is created or destroyed by the protocol.
    function invariant_supplyConserved() public view {
        require(handler.token().totalSupply() == supply, "supply changed");
    }

    /// Every job ends at most once, in exactly one terminal state, and a terminal status always
    /// comes from one observed transition (no job paid twice, or paid and refunded).
    function invariant_eachJobEndsOnce() public view {
        HubHandler h = handler;
        uint256 count = h.hub().jobCount();
        for (uint256 id = 1; id <= count; ++id) {
            uint256 ends = h.settledSeen(id) + h.refundedSeen(id);
            require(ends <= 1, "a job ended twice");
            IInferenceHub.JobStatus status = h.hub().getJob(id).status;
            bool terminal = status == IInferenceHub.JobStatus.Settled || status == IInferenceHub.JobStatus.Refunded;
            require(terminal == (ends == 1), "terminal status without one transition");
            if (status == IInferenceHub.JobStatus.Settled) require(h.settledSeen(id) == 1, "settled job not seen settling");
            if (status == IInferenceHub.JobStatus.Refunded) require(h.refundedSeen(id) == 1, "refunded job not seen refunding");
        }
    }

    /// Slashes never exceed the stake: stake = initial + added - slashed, and slashed <= initial + added.
    function invariant_stakeAccounting() public view {
        HubHandler h = handler;
        uint256 stake = h.nodes().getNode(h.node()).stake;
        require(h.stakeSlashed() <= h.initialStake() + h.stakeAdded(), "slashed more than staked");
        require(stake == h.initialStake() + h.stakeAdded() - h.stakeSlashed(), "stake accounting");
    }

    /// The node registry holds exactly the node's stake.
    function invariant_registryHoldsStake() public view {
        require(
            handler.token().balanceOf(address(handler.nodes())) == handler.nodes().getNode(handler.node()).stake,
            "registry balance != stake"
        );
    }
}
