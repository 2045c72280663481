// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {RootKeyAttestationVerifier} from "../../contracts/attestation/RootKeyAttestationVerifier.sol";
import {CommitteeCourt} from "../../contracts/hub/CommitteeCourt.sol";
import {InferenceHub} from "../../contracts/hub/InferenceHub.sol";
import {SoundnessBonds} from "../../contracts/hub/SoundnessBonds.sol";
import {ISoundnessBonds} from "../../contracts/interfaces/ISoundnessBonds.sol";
import {IAttestationVerifier} from "../../contracts/interfaces/IAttestationVerifier.sol";
import {ICommitteeCourt} from "../../contracts/interfaces/ICommitteeCourt.sol";
import {IInferenceHub} from "../../contracts/interfaces/IInferenceHub.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {INodeRegistry} from "../../contracts/interfaces/INodeRegistry.sol";
import {TrustLevel} from "../../contracts/libraries/TrustLevels.sol";
import {MockProofVerifier} from "../../contracts/mocks/MockProofVerifier.sol";
import {ModelRegistry} from "../../contracts/registry/ModelRegistry.sol";
import {NodeRegistry} from "../../contracts/registry/NodeRegistry.sol";
import {TEERegistry} from "../../contracts/registry/TEERegistry.sol";
import {ProofgridToken} from "../../contracts/token/ProofgridToken.sol";
import {CheatTest} from "./Vm.sol";

/// @notice Drives the real contracts through random sequences of requests, results (right and
///         wrong, at every level), fraud proofs (by an outsider and by a node's second address),
///         committee challenges, draws, commits, reveals (honest, dishonest and missing),
///         resolutions, timeouts, finalizations, withdrawals, stake top-ups and parameter changes
///         while jobs are open. Three of the nodes are one actor's Sybils at the minimum stake in the
///         committee pool: they always vote for the wrong output, to convict honest results and to
///         uphold their own lies.
contract HubHandler is CheatTest {
    uint256 internal constant ROOT_PK = 0xA11CE;
    uint256 internal constant ENCLAVE_PK = 0xE1C1A7E;
    uint256 internal constant NODE_PK = 0xB0DE;
    uint256 public constant NODES = 8;
    /// Nodes SYBIL_FROM.. NODES-1 are the Sybils (minimum stake, committee pool only).
    uint256 public constant SYBIL_FROM = 5;
    bytes32 internal constant MEASUREMENT = keccak256("enclave");
    bytes32 internal constant WEIGHTS = keccak256("weights");
    uint256 internal constant BOND = 1_000e18;

    ProofgridToken public token;
    ModelRegistry public models;
    NodeRegistry public nodes;
    TEERegistry public tee;
    InferenceHub public hub;
    CommitteeCourt public court;
    SoundnessBonds public bonds;
    MockProofVerifier public verifier;

    address public constant TREASURY = address(0x7EA5);
    address public constant TREASURY2 = address(0x7EA6);
    address public constant MODEL_OWNER = address(0x0A1);
    address public constant REQUESTER = address(0x8E0);
    address public constant CHALLENGER = address(0xC4A1);
    /// Node 0 serves every level of both models (it has the enclave); the others serve VANILLA.
    address[] public nodeList;
    address[] public actors;

    /// Whether the output a node posted for a job was wrong.
    mapping(uint256 jobId => bool) public postedWrong;
    /// The terms a job got at request time (hash), to check no parameter change reaches it.
    mapping(uint256 jobId => bytes32) public termsAtRequest;
    uint256 public calls;

    /// Ghost accounting: terminal transitions seen per job, stake added and slashed per node.
    mapping(uint256 jobId => uint256) public settledSeen;
    mapping(uint256 jobId => uint256) public refundedSeen;
    mapping(address node => uint256) public initialStake;
    mapping(address node => uint256) public stakeAdded;
    mapping(address node => uint256) public stakeSlashed;
    /// Honest VANILLA results on a release with a verifier that ended refunded as fraud (must stay 0).
    uint256 public honestProvenWrong;
    /// Committee convictions without a strict majority of the seats behind another output, and
    /// posted outputs upheld without a strict majority of the seats (both must stay 0).
    uint256 public verdictsAgainstSeats;

    constructor() {
        token = new ProofgridToken(address(this));
        models = new ModelRegistry();
        nodes = new NodeRegistry(address(this), token, models, 100e18, 0, 1 days, 1 hours);
        RootKeyAttestationVerifier attestation = new RootKeyAttestationVerifier(vm.addr(ROOT_PK));
        tee = new TEERegistry(address(this), IAttestationVerifier(address(attestation)), 1 days, 30 days);
        verifier = new MockProofVerifier();
        hub = new InferenceHub(address(this), token, models, nodes, tee, _params(0));
        court = new CommitteeCourt(hub);
        hub.setCourt(address(court));
        nodes.setHub(address(hub));
        bonds = new SoundnessBonds(token, models, hub, BOND);
        models.setSoundnessBonds(address(bonds));

        token.mint(MODEL_OWNER, BOND);
        vm.startPrank(MODEL_OWNER);
        models.registerModel("m", 1 << 16, _release(address(verifier), 7));
        models.registerModel("n", 1 << 16, _release(address(0), 3));
        token.approve(address(bonds), BOND);
        bonds.postBond(1, 1 << 16, BOND);
        vm.stopPrank();

        uint64[] memory ids = new uint64[](2);
        ids[0] = (uint64(1) << 32) | (1 << 16);
        ids[1] = (uint64(2) << 32) | (1 << 16);
        uint64[] memory committeePool = new uint64[](1);
        committeePool[0] = ids[1];
        for (uint256 i; i < NODES; ++i) {
            address n = vm.addr(NODE_PK + i);
            nodeList.push(n);
            token.mint(n, 1e30);
            bool sybil = i >= SYBIL_FROM;
            uint96 stake = i == 0 ? 1e24 : sybil ? 100e18 : uint96(200e18 + i * 100e18);
            vm.startPrank(n);
            token.approve(address(nodes), type(uint256).max);
            token.approve(address(hub), type(uint256).max);
            nodes.join(stake, sybil ? committeePool : ids, i == 0 ? 7 : 1);
            nodes.activate();
            vm.stopPrank();
            initialStake[n] = stake;
        }

        tee.approveMeasurement(MEASUREMENT);
        IAttestationVerifier.Attested memory a = IAttestationVerifier.Attested({
            measurement: MEASUREMENT,
            enclaveKey: vm.addr(ENCLAVE_PK),
            operator: nodeList[0],
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
        vm.prank(nodeList[0]);
        tee.admitEnclave(abi.encode(a, abi.encodePacked(r, s, v)));

        for (uint256 i; i < 2; ++i) {
            address who = i == 0 ? REQUESTER : CHALLENGER;
            token.mint(who, 1e30);
            vm.prank(who);
            token.approve(address(hub), type(uint256).max);
        }
        actors = [TREASURY, TREASURY2, MODEL_OWNER, REQUESTER, CHALLENGER, address(court), address(bonds)];
        for (uint256 i; i < NODES; ++i) {
            actors.push(nodeList[i]);
        }
    }

    function node() external view returns (address) {
        return nodeList[0];
    }

    function _params(uint256 seed) private pure returns (IInferenceHub.Parameters memory) {
        return IInferenceHub.Parameters({
            treasury: seed % 2 == 0 ? TREASURY : TREASURY2,
            protocolFeeBps: uint16(500 + seed % 1000),
            committeeSize: uint8(3 + (seed >> 8) % 3),
            challengeWindow: uint32(600 + (seed >> 16) % 600),
            maxCallbackGas: 1_000_000,
            maxJobDuration: 1 days,
            drawWindow: 3600,
            commitWindow: uint32(600 + (seed >> 24) % 600),
            revealWindow: 600,
            callbackGasPrice: 1,
            minVanillaTime: 60,
            minTeeTime: 60,
            minZkTime: 120,
            challengeBond: uint96(50e18 + (seed >> 32) % 50e18),
            timeoutSlash: uint96(10e18 + (seed >> 96) % 10e18),
            fraudSlash: uint96(100e18 + (seed >> 160) % 100e18),
            absentSlash: uint96(5e18 + (seed >> 200) % 5e18)
        });
    }

    function _release(address v, uint8 levels) private pure returns (IModelRegistry.Release memory) {
        uint96[3] memory prices = [uint96(2e18), 3e18, 5e18];
        return IModelRegistry.Release({
            contentHash: keccak256("file"),
            weightsCommitment: WEIGHTS,
            verifier: v,
            inputSize: 2,
            outputSize: 2,
            scaleBits: 8,
            levels: levels,
            royaltyBps: 1000,
            deprecated: false,
            ceremony: 0,
            prices: prices,
            inputMin: -100,
            inputMax: 100
        });
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

    function _stakes() private view returns (uint256[] memory s) {
        s = new uint256[](NODES);
        for (uint256 i; i < NODES; ++i) {
            s[i] = nodes.getNode(nodeList[i]).stake;
        }
    }

    /// Records a job's move to a terminal state and every slash during the action.
    modifier observe(uint256 seed) {
        (uint256 jobId, IInferenceHub.Job memory before) = _job(seed);
        uint256[] memory stakesBefore = _stakes();
        _;
        _observed(jobId, before, stakesBefore);
    }

    function _observed(uint256 jobId, IInferenceHub.Job memory before, uint256[] memory stakesBefore) private {
        if (jobId != 0) {
            IInferenceHub.JobStatus status = hub.getJob(jobId).status;
            if (status != before.status) {
                if (status == IInferenceHub.JobStatus.Settled) ++settledSeen[jobId];
                if (status == IInferenceHub.JobStatus.Refunded) {
                    ++refundedSeen[jobId];
                    // A fraud proof's dispute that ends refunded while the release is sound (not
                    // Unsound) slashed the node: never for an honest result.
                    (, bool frozen) = models.soundnessOf(1, 1 << 16);
                    if (
                        (before.status == IInferenceHub.JobStatus.Submitted
                                || before.status == IInferenceHub.JobStatus.Challenged) && before.modelId == 1
                            && !postedWrong[jobId] && !frozen
                    ) {
                        ++honestProvenWrong;
                    }
                }
            }
        }
        uint256[] memory stakesAfter = _stakes();
        for (uint256 i; i < NODES; ++i) {
            if (stakesAfter[i] < stakesBefore[i]) stakeSlashed[nodeList[i]] += stakesBefore[i] - stakesAfter[i];
        }
    }

    // ---------------------------------------------------------------- actions

    function addStake(uint256 who, uint96 amount) external {
        ++calls;
        address n = nodeList[who % NODES];
        if (uint8(nodes.getNode(n).status) != 2) return; // only Active nodes top up here
        uint96 a = uint96(bound(amount, 1, 1e24));
        vm.prank(n);
        nodes.addStake(a);
        stakeAdded[n] += a;
    }

    function unjail(uint256 who) external {
        ++calls;
        address n = nodeList[who % NODES];
        uint40 jailedUntil = nodes.getNode(n).jailedUntil;
        if (jailedUntil == 0 || block.timestamp < jailedUntil || nodes.getNode(n).stake < nodes.minStake()) return;
        vm.prank(n);
        nodes.unjail();
    }

    function setParameters(uint256 seed) external {
        ++calls;
        hub.setParameters(_params(seed));
    }

    function request(uint8 level, uint8 model, uint96 tip, uint32 duration) external {
        ++calls;
        TrustLevel l = TrustLevel(level % 3);
        uint32 modelId = l == TrustLevel.ZK ? 1 : uint32(1 + model % 2);
        uint96[3] memory prices = [uint96(2e18), 3e18, 5e18];
        IInferenceHub.RequestParams memory p = IInferenceHub.RequestParams({
            modelId: modelId,
            version: 0,
            level: l,
            fee: prices[uint8(l)] + uint96(bound(tip, 0, 1e18)),
            deadline: uint40(block.timestamp + bound(duration, 100, 1 days)),
            consumer: address(0),
            callbackGasLimit: 0,
            input: _input()
        });
        vm.prank(REQUESTER);
        try hub.request(p) returns (uint256 jobId) {
            termsAtRequest[jobId] = keccak256(abi.encode(hub.termsOf(jobId)));
        } catch {} // no eligible node (all jailed)
    }

    /// A burst of requests at the shortest deadlines: beyond the pool's capacity they are refused
    /// (NodePoolBusy), never assigned to be missed.
    function flood(uint8 level, uint8 count) external {
        ++calls;
        TrustLevel l = TrustLevel(level % 3);
        uint96[3] memory prices = [uint96(2e18), 3e18, 5e18];
        IInferenceHub.Parameters memory t = hub.parameters();
        uint256 shortest = l == TrustLevel.VANILLA ? t.minVanillaTime : l == TrustLevel.TEE ? t.minTeeTime : t.minZkTime;
        IInferenceHub.RequestParams memory p = IInferenceHub.RequestParams({
            modelId: 1,
            version: 0,
            level: l,
            fee: prices[uint8(l)],
            deadline: uint40(block.timestamp + shortest),
            consumer: address(0),
            callbackGasLimit: 0,
            input: _input()
        });
        for (uint256 i; i < bound(count, 1, 12); ++i) {
            vm.prank(REQUESTER);
            try hub.request(p) returns (uint256 jobId) {
                termsAtRequest[jobId] = keccak256(abi.encode(hub.termsOf(jobId)));
            } catch {}
        }
    }

    function submit(uint256 seed, bool wrong) external observe(seed) {
        ++calls;
        (uint256 jobId, IInferenceHub.Job memory job) = _job(seed);
        if (jobId == 0 || job.status != IInferenceHub.JobStatus.Requested || block.timestamp > job.deadline) return;
        int256[] memory output = _output(wrong);
        postedWrong[jobId] = wrong;
        if (job.level == TrustLevel.VANILLA) {
            vm.prank(job.node);
            hub.submitResult(jobId, output);
        } else if (job.level == TrustLevel.TEE) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(ENCLAVE_PK, hub.resultDigest(jobId, output));
            vm.prank(job.node);
            hub.submitTeeResult(jobId, output, abi.encodePacked(r, s, v));
        } else {
            // A wrong ZK output cannot be proven: only the true one is submitted.
            postedWrong[jobId] = false;
            output = _output(false);
            vm.prank(job.node);
            (, bool frozen) = models.soundnessOf(1, 1 << 16);
            if (frozen) return; // its verifier is gone: the node cannot deliver (and is excused)
            hub.submitZkResult(jobId, _input(), output, _proof(address(hub), jobId, job.node, output));
        }
    }

    function warp(uint16 secondsForward) external {
        ++calls;
        vm.warp(block.timestamp + bound(secondsForward, 1, 4000));
        vm.roll(block.number + 1 + secondsForward % 8);
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

    /// A fraud proof of the true output, by the challenger or by another node (a liar's second
    /// address). A proof of the posted output must be refused.
    function proveFraud(uint256 seed, uint256 who) external observe(seed) {
        ++calls;
        (uint256 jobId, IInferenceHub.Job memory job) = _job(seed);
        if (jobId == 0 || job.status != IInferenceHub.JobStatus.Submitted || job.modelId != 1) return;
        if (block.timestamp > job.deadline) return;
        address prover = who % 2 == 0 ? CHALLENGER : nodeList[who % NODES];
        if (prover == job.node) return;
        int256[] memory output = _output(false);
        vm.prank(prover);
        try court.proveFraud(jobId, _input(), output, _proof(address(court), jobId, prover, output)) {
            require(postedWrong[jobId], "a proof of the posted output was taken as fraud");
        } catch {
            (, bool frozen) = models.soundnessOf(1, 1 << 16);
            require(!postedWrong[jobId] || frozen, "a valid fraud proof was refused");
        }
    }

    /// Rarely: the (unsound, mock) verifier's release is proven unsound with two proofs of different
    /// outputs. From then on no ZK job of it settles (timeouts are excused), no fraud proof of it
    /// slashes, and its bond is forfeit.
    function equivocate(uint256 seed) external {
        ++calls;
        if (seed % 64 != 0) return;
        (, bool frozen) = models.soundnessOf(1, 1 << 16);
        if (frozen) return;
        int256[] memory right = _output(false);
        int256[] memory wrong = _output(true);
        ISoundnessBonds.Statement memory a = ISoundnessBonds.Statement(address(hub), 1, CHALLENGER, right, _proof(address(hub), 1, CHALLENGER, right));
        ISoundnessBonds.Statement memory b = ISoundnessBonds.Statement(address(court), 2, CHALLENGER, wrong, _proof(address(court), 2, CHALLENGER, wrong));
        vm.prank(CHALLENGER);
        bonds.proveEquivocation(1, 1 << 16, _input(), a, b, address(0));
    }

    /// A committee challenge by the challenger or another node (possibly the liar's second address).
    function challenge(uint256 seed, uint256 who) external {
        ++calls;
        (uint256 jobId, IInferenceHub.Job memory job) = _job(seed);
        if (jobId == 0 || job.status != IInferenceHub.JobStatus.Submitted || job.modelId != 2) return;
        if (block.timestamp > job.deadline) return;
        address challenger = who % 2 == 0 ? CHALLENGER : nodeList[who % NODES];
        if (challenger == job.node) return;
        vm.prank(challenger);
        court.challenge(jobId);
    }

    function draw(uint256 seed) external {
        ++calls;
        (uint256 jobId, IInferenceHub.Job memory job) = _job(seed);
        if (jobId == 0 || job.status != IInferenceHub.JobStatus.Challenged) return;
        (ICommitteeCourt.Dispute memory d,,) = court.getDispute(jobId);
        if (d.commitBy != 0 || block.timestamp > d.drawBy) return;
        if (block.number <= d.drawBlock) vm.roll(d.drawBlock + 1);
        court.draw(jobId);
    }

    /// A member commits the true output's hash (honest) or a wrong one.
    function commit(uint256 seed, uint256 seat, bool honest) external {
        ++calls;
        (uint256 jobId, IInferenceHub.Job memory job) = _job(seed);
        if (jobId == 0 || job.status != IInferenceHub.JobStatus.Challenged) return;
        (ICommitteeCourt.Dispute memory d, address[] memory committee,) = court.getDispute(jobId);
        if (committee.length == 0 || block.timestamp > d.commitBy) return;
        seat = seat % committee.length;
        if (court.getVote(jobId, seat).commitment != 0) return;
        // A Sybil always votes for the wrong output, whatever was posted.
        if (_isSybil(committee[seat])) honest = false;
        _commit(jobId, seat, committee[seat], keccak256(abi.encodePacked(_output(!honest))));
    }

    function _isSybil(address member) private view returns (bool) {
        for (uint256 i = SYBIL_FROM; i < NODES; ++i) {
            if (nodeList[i] == member) return true;
        }
        return false;
    }

    function _commit(uint256 jobId, uint256 seat, address member, bytes32 h) private {
        bytes32 commitment = court.commitmentOf(jobId, member, h, _salt(jobId, seat));
        vm.prank(member);
        court.commitVote(jobId, commitment);
        votedHash[jobId][seat] = h;
    }

    mapping(uint256 jobId => mapping(uint256 seat => bytes32)) public votedHash;

    function reveal(uint256 seed, uint256 seat) external {
        ++calls;
        (uint256 jobId, IInferenceHub.Job memory job) = _job(seed);
        if (jobId == 0 || job.status != IInferenceHub.JobStatus.Challenged) return;
        (ICommitteeCourt.Dispute memory d, address[] memory committee,) = court.getDispute(jobId);
        if (committee.length == 0) return;
        seat = seat % committee.length;
        ICommitteeCourt.Vote memory v = court.getVote(jobId, seat);
        if (v.commitment == 0 || v.outputHash != 0 || block.timestamp > d.revealBy) return;
        if (d.committed < d.members && block.timestamp <= d.commitBy) vm.warp(d.commitBy + 1);
        vm.prank(committee[seat]);
        court.revealVote(jobId, votedHash[jobId][seat], _salt(jobId, seat));
    }

    function resolve(uint256 seed) external observe(seed) {
        ++calls;
        (uint256 jobId, IInferenceHub.Job memory job) = _job(seed);
        if (jobId == 0 || job.status != IInferenceHub.JobStatus.Challenged) return;
        _resolve(jobId, job);
    }

    /// A whole committee dispute in one step (the random walk seldom strings its seven steps
    /// together): a VANILLA job on the committee release, a right or wrong result, a challenge by
    /// the outsider or a Sybil, the draw, each member's vote (a Sybil's always wrong; the others'
    /// right, wrong or absent by `votes`), the reveals and the verdict.
    function trial(uint256 seed, bool wrong, uint256 votes) external {
        ++calls;
        IInferenceHub.RequestParams memory p = IInferenceHub.RequestParams({
            modelId: 2,
            version: 0,
            level: TrustLevel.VANILLA,
            fee: 2e18,
            deadline: uint40(block.timestamp + 1 hours),
            consumer: address(0),
            callbackGasLimit: 0,
            input: _input()
        });
        vm.prank(REQUESTER);
        uint256 jobId;
        try hub.request(p) returns (uint256 id) {
            jobId = id;
        } catch {
            return; // no eligible node, or too few jurors
        }
        termsAtRequest[jobId] = keccak256(abi.encode(hub.termsOf(jobId)));
        IInferenceHub.Job memory job = hub.getJob(jobId);
        postedWrong[jobId] = wrong;
        vm.prank(job.node);
        hub.submitResult(jobId, _output(wrong));
        address challenger = nodeList[SYBIL_FROM + seed % (NODES - SYBIL_FROM)];
        if (seed % 2 == 0 || challenger == job.node) challenger = CHALLENGER;
        vm.prank(challenger);
        try court.challenge(jobId) {} catch {
            return; // no juror besides the node and the challenger: the result stands
        }
        (ICommitteeCourt.Dispute memory d,,) = court.getDispute(jobId);
        vm.roll(d.drawBlock + 1);
        court.draw(jobId);
        (, address[] memory members,) = court.getDispute(jobId);
        bool[] memory voted = new bool[](members.length);
        for (uint256 i; i < members.length; ++i) {
            uint256 mine = (votes >> (2 * i)) % 4; // 0, 1: right; 2: wrong; 3: absent
            if (mine == 3 && !_isSybil(members[i])) continue;
            bool honest = mine < 2 && !_isSybil(members[i]);
            _commit(jobId, i, members[i], keccak256(abi.encodePacked(_output(!honest))));
            voted[i] = true;
        }
        (d,,) = court.getDispute(jobId);
        if (d.committed < d.members) vm.warp(d.commitBy + 1);
        for (uint256 i; i < members.length; ++i) {
            if (!voted[i]) continue;
            vm.prank(members[i]);
            court.revealVote(jobId, votedHash[jobId][i], _salt(jobId, i));
        }
        IInferenceHub.Job memory before = hub.getJob(jobId);
        uint256[] memory stakesBefore = _stakes();
        _resolve(jobId, before);
        _observed(jobId, before, stakesBefore);
    }

    function _resolve(uint256 jobId, IInferenceHub.Job memory job) private {
        (ICommitteeCourt.Dispute memory d,,) = court.getDispute(jobId);
        uint256 due = d.commitBy == 0 ? d.drawBy : d.revealBy;
        if (block.timestamp <= due) vm.warp(due + 1);
        uint256 stakeBefore = nodes.getNode(job.node).stake;
        court.resolve(jobId, _output(postedWrong[jobId]));
        if (d.byProof) return;
        // The verdict follows the seats: the disputed node (never a member) is slashed only when
        // a strict majority of the seats revealed another output, and its result settles only
        // when a strict majority revealed it.
        (, address[] memory members, uint8[] memory seats) = court.getDispute(jobId);
        uint256 forPosted;
        uint256 against;
        for (uint256 i; i < members.length; ++i) {
            bytes32 h = court.getVote(jobId, i).outputHash;
            if (h == job.outputHash) forPosted += seats[i];
            else if (h != 0) against += seats[i];
        }
        bool convicted = nodes.getNode(job.node).stake < stakeBefore;
        bool upheld = hub.getJob(jobId).status == IInferenceHub.JobStatus.Settled;
        if ((convicted && against * 2 <= d.size) || (upheld && forPosted * 2 <= d.size)) ++verdictsAgainstSeats;
    }

    function withdraw(uint256 seed) external {
        ++calls;
        address who = actors[seed % actors.length];
        if (hub.balanceOf(who) == 0) return;
        vm.prank(who);
        hub.withdraw();
    }

    function _salt(uint256 jobId, uint256 seat) private pure returns (bytes32) {
        return keccak256(abi.encode(jobId, seat, "salt"));
    }

    function _proof(address boundTo, uint256 jobId, address prover, int256[] memory output)
        private
        view
        returns (bytes memory)
    {
        return abi.encodePacked(
            keccak256(
                abi.encode(
                    block.chainid,
                    boundTo,
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
            if (job.status == IInferenceHub.JobStatus.Challenged) total += hub.termsOf(id).challengeBond;
        }
        for (uint256 i; i < actors.length; ++i) {
            total += hub.balanceOf(actors[i]);
        }
    }

    function totalStake() external view returns (uint256 total) {
        for (uint256 i; i < NODES; ++i) {
            total += nodes.getNode(nodeList[i]).stake;
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

    /// The bonds contract holds the bond until a freeze, then what its claims are still owed
    /// (nothing is claimed here: the pool), and never more.
    function invariant_bondsHoldWhatTheyOwe() public view {
        HubHandler h = handler;
        ISoundnessBonds.Bond memory b = h.bonds().bondOf(1, 1 << 16);
        ISoundnessBonds.Forfeit memory f = h.bonds().forfeitOf(1, 1 << 16);
        require(h.token().balanceOf(address(h.bonds())) == b.amount + f.pool + f.reward, "bonds balance != owed");
        require(b.frozen == (f.claimsEnd != 0), "frozen without a forfeit");
    }

    /// The court never holds tokens or a balance: the hub keeps every escrow.
    function invariant_courtHoldsNothing() public view {
        address court = address(handler.court());
        require(handler.token().balanceOf(court) == 0 && handler.hub().balanceOf(court) == 0, "court holds funds");
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

    /// A parameter change never reaches a job that was already requested.
    function invariant_termsFixedAtRequest() public view {
        HubHandler h = handler;
        uint256 count = h.hub().jobCount();
        for (uint256 id = 1; id <= count; ++id) {
            require(keccak256(abi.encode(h.hub().termsOf(id))) == h.termsAtRequest(id), "a job's terms changed");
        }
    }

    /// Sybils or not, a committee convicts or upholds a posted output only on a strict majority of
    /// its seats.
    function invariant_verdictsFollowSeats() public view {
        require(handler.verdictsAgainstSeats() == 0, "a verdict against the seats");
    }

    /// An honest result on a release with a verifier is never refunded as fraud.
    function invariant_honestNeverProvenWrong() public view {
        require(handler.honestProvenWrong() == 0, "an honest node was proven wrong");
    }

    /// Slashes never exceed the stake: for every node stake = initial + added - slashed.
    function invariant_stakeAccounting() public view {
        HubHandler h = handler;
        for (uint256 i; i < h.NODES(); ++i) {
            address n = h.nodeList(i);
            uint256 stake = h.nodes().getNode(n).stake;
            require(h.stakeSlashed(n) <= h.initialStake(n) + h.stakeAdded(n), "slashed more than staked");
            require(stake == h.initialStake(n) + h.stakeAdded(n) - h.stakeSlashed(n), "stake accounting");
        }
    }

    /// A node's counts of open jobs are exactly its jobs awaiting a result (busy, within its
    /// capacity) and its VANILLA jobs not yet ended (exposed).
    function invariant_loadCounts() public view {
        HubHandler h = handler;
        uint256 count = h.hub().jobCount();
        for (uint256 i; i < h.NODES(); ++i) {
            address n = h.nodeList(i);
            uint256 busy;
            uint256 exposed;
            for (uint256 id = 1; id <= count; ++id) {
                IInferenceHub.Job memory job = h.hub().getJob(id);
                if (job.node != n) continue;
                if (job.status == IInferenceHub.JobStatus.Requested) ++busy;
                bool open = job.status == IInferenceHub.JobStatus.Requested || job.status == IInferenceHub.JobStatus.Submitted
                    || job.status == IInferenceHub.JobStatus.Challenged;
                if (open && job.level == TrustLevel.VANILLA) ++exposed;
            }
            INodeRegistry.NodeInfo memory info = h.nodes().getNode(n);
            require(info.busy == busy, "busy count");
            require(info.exposed == exposed, "exposed count");
            require(busy <= info.capacity, "over capacity");
        }
    }

    /// The node registry holds exactly the nodes' stake.
    function invariant_registryHoldsStake() public view {
        require(handler.token().balanceOf(address(handler.nodes())) == handler.totalStake(), "registry balance != stake");
    }
}
