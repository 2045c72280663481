// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";
import {IInferenceHub} from "../interfaces/IInferenceHub.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {INodeRegistry} from "../interfaces/INodeRegistry.sol";
import {IProofVerifier} from "../interfaces/IProofVerifier.sol";
import {ITEERegistry} from "../interfaces/ITEERegistry.sol";
import {TrustLevel} from "../libraries/TrustLevels.sol";

/// @title InferenceHub
/// @notice Escrow, node assignment, result checking at three trust levels, settlement, disputes and
///         penalties. Every payment is credited to a balance and pulled with {withdraw}, so a
///         recipient that cannot receive never blocks a job.
/// @dev Accounting invariant: token.balanceOf(this) == sum of fees of open jobs (Requested,
///      Submitted, Challenged) + bonds of open committee disputes + sum of withdrawable balances.
///      Governance parameters are kept as a history: a job uses the set in force when it was
///      requested, found from its id ({termsOf}), so no later change reaches an open job.
contract InferenceHub is IInferenceHub, Ownable2Step, ReentrancyGuardTransient, EIP712 {
    using SafeERC20 for IERC20;

    struct Callback {
        address consumer;
        uint32 gasLimit;
    }

    bytes32 public constant RESULT_TYPEHASH = keccak256(
        "InferenceResult(uint256 jobId,address node,uint32 modelId,uint32 version,bytes32 weightsCommitment,bytes32 inputHash,bytes32 outputHash)"
    );
    /// @notice Largest protocol fee governance may set (20%).
    uint16 public constant MAX_PROTOCOL_FEE_BPS = 2_000;
    /// @notice Largest slash of a node that misses a deadline.
    uint96 public constant MAX_TIMEOUT_SLASH = 100e18;
    /// @notice Largest slash of a node proven wrong.
    uint96 public constant MAX_FRAUD_SLASH = 1_000e18;
    /// @notice Largest slash of a committee member who does not reveal its vote.
    uint96 public constant MAX_ABSENT_SLASH = 100e18;
    /// @notice Largest bond a committee challenge may require.
    uint96 public constant MAX_CHALLENGE_BOND = 1_000e18;
    /// @notice Largest price of one unit of callback gas.
    uint96 public constant MAX_CALLBACK_GAS_PRICE = 1e15;
    /// @notice Longest window governance may set.
    uint32 public constant MAX_WINDOW = 30 days;
    /// @notice Shortest commit or reveal window (members need time to re-execute and send).
    uint32 public constant MIN_VOTE_WINDOW = 60;
    /// @notice Time after a dispute's last window during which stakes stay locked, so that anyone
    ///         can close it before a node or member withdraws.
    uint32 public constant RESOLUTION_GRACE = 1 days;
    /// @notice Share of a fraud slash paid to whoever proved or disputed the lie (the rest goes to
    ///         the committee's majority and the treasury), so a liar's own second address never
    ///         gets the whole slash back.
    uint16 public constant CATCHER_SHARE_BPS = 5_000;
    /// @notice Share of a fraud slash paid to a committee's majority.
    uint16 public constant VOTERS_FRAUD_SHARE_BPS = 2_500;
    /// @notice Share of the bond an undecided dispute costs its challenger.
    uint16 public constant UNDECIDED_FORFEIT_BPS = 2_500;
    /// @notice Largest committee governance may configure.
    uint8 public constant MAX_COMMITTEE = 15;
    /// @notice Gas kept back for the hub's own work around a consumer callback.
    uint256 public constant CALLBACK_OVERHEAD = 10_000;

    IERC20 public immutable token;
    IModelRegistry public immutable models;
    INodeRegistry public immutable nodes;
    ITEERegistry public immutable tee;

    /// @inheritdoc IInferenceHub
    address public court;
    // [jobCount, termsCount, currentTermsFirstJob]: [64, 32, 64] = 160
    uint64 private _jobCount;
    uint32 private _termsCount;
    uint64 private _currentTermsFirstJob;
    mapping(uint256 termsId => Parameters) private _terms;
    mapping(uint256 termsId => uint256 firstJobId) private _termsFirstJob;
    mapping(uint256 jobId => Job) private _jobs;
    /// @dev [consumer, gasLimit] = [160, 32]; only for jobs with a consumer.
    mapping(uint256 jobId => Callback) private _callbacks;
    mapping(address account => uint256) private _balances;

    modifier onlyCourt() {
        if (msg.sender != court || msg.sender == address(0)) revert HubOnlyCourt(msg.sender, court);
        _;
    }

    constructor(
        address owner_,
        IERC20 token_,
        IModelRegistry models_,
        INodeRegistry nodes_,
        ITEERegistry tee_,
        Parameters memory params_
    ) Ownable(owner_) EIP712("proofgrid InferenceHub", "1") {
        if (
            address(token_) == address(0) || address(models_) == address(0) || address(nodes_) == address(0)
                || address(tee_) == address(0)
        ) revert HubZeroAddress();
        token = token_;
        models = models_;
        nodes = nodes_;
        tee = tee_;
        _setParameters(params_);
    }

    /// @notice Sets the parameters of jobs requested from now on. Only the owner. Open jobs keep
    ///         theirs ({termsOf}).
    function setParameters(Parameters calldata params_) external onlyOwner {
        _setParameters(params_);
    }

    /// @notice Sets the committee court once, at deployment. Only the owner.
    function setCourt(address court_) external onlyOwner {
        if (court != address(0)) revert HubOnlyCourt(msg.sender, court);
        if (court_ == address(0)) revert HubZeroAddress();
        court = court_;
        emit CourtSet(court_);
    }

    // ------------------------------------------------------------------ requester

    /// @inheritdoc IInferenceHub
    function request(RequestParams calldata p) external nonReentrant returns (uint256) {
        return _request(p);
    }

    /// @inheritdoc IInferenceHub
    function requestWithPermit(RequestParams calldata p, uint256 permitDeadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
        returns (uint256)
    {
        // A permit seen in the mempool can be used first by anyone; the allowance is then set
        // anyway, so a failure here is ignored and the transfer below decides.
        try IERC20Permit(address(token)).permit(msg.sender, address(this), p.fee, permitDeadline, v, r, s) {} catch {}
        return _request(p);
    }

    /// @inheritdoc IInferenceHub
    function claimTimeout(uint256 jobId) external nonReentrant {
        Job storage job = _jobWithStatus(jobId, JobStatus.Requested);
        uint256 deadline = job.deadline;
        if (block.timestamp <= deadline) revert HubDeadlineNotPassed(jobId, deadline, block.timestamp);
        Parameters storage t = _termsOfJob(jobId);
        // A TEE node cannot deliver once governance removed its enclave, revoked its measurement or
        // shortened the heartbeat age after this job was requested: an owner action never turns
        // into a slash of an open job.
        // Likewise a ZK node once its release was frozen as unsound: its verifier is gone.
        if (
            (job.level == TrustLevel.TEE && tee.excusesTimeout(job.node, jobId, job.modelId))
                || (job.level == TrustLevel.ZK && _verifierOf(job) == address(0))
        ) {
            _refund(jobId, job, RefundReason.TimeoutExcused);
            return;
        }
        _refund(jobId, job, RefundReason.Timeout);
        // One timeout slash per jail: the first missed deadline jails the node, and the others an
        // outage or a flood made it miss while jailed are refunded without a second slash.
        address node = job.node;
        uint256 slashed = nodes.penalizeTimeout(node, t.timeoutSlash);
        emit NodePenalized(jobId, node, slashed, Penalty.Timeout);
        _credit(t.treasury, slashed);
    }

    // ------------------------------------------------------------------ nodes

    /// @inheritdoc IInferenceHub
    function submitResult(uint256 jobId, int256[] calldata output) external nonReentrant {
        Job storage job = _assignedJob(jobId, TrustLevel.VANILLA, output.length);
        // Fits 32 bits until 2106; the window is bounded by MAX_WINDOW.
        uint32 challengeEnds = uint32(block.timestamp + _termsOfJob(jobId).challengeWindow);
        job.status = JobStatus.Submitted;
        job.deadline = challengeEnds;
        job.outputHash = _hash(output);
        // Served: no longer busy; its stake answers for the result until the job ends.
        nodes.freeSlot(msg.sender, true, false);
        emit ResultSubmitted(jobId, msg.sender, TrustLevel.VANILLA, output);
    }

    /// @inheritdoc IInferenceHub
    function submitTeeResult(uint256 jobId, int256[] calldata output, bytes calldata signature)
        external
        nonReentrant
    {
        Job storage job = _assignedJob(jobId, TrustLevel.TEE, output.length);
        bytes32 outputHash = _hash(output);
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(_resultDigest(jobId, job, outputHash), signature);
        if (err != ECDSA.RecoverError.NoError) revert HubInvalidSignature(jobId);
        // Reverts with the reason unless the signer is a live enclave of the assigned node, under
        // a measurement that is still approved (for every model, or for this one).
        tee.checkEnclave(signer, msg.sender, job.modelId);
        emit ResultSubmitted(jobId, msg.sender, TrustLevel.TEE, output);
        _settle(jobId, job, outputHash, 0, output, msg.sender);
    }

    /// @inheritdoc IInferenceHub
    function submitZkResult(uint256 jobId, int256[] calldata input, int256[] calldata output, bytes calldata proof)
        external
        nonReentrant
    {
        Job storage job = _assignedJob(jobId, TrustLevel.ZK, output.length);
        _checkProof(jobId, job, input, output, proof);
        emit ResultSubmitted(jobId, msg.sender, TrustLevel.ZK, output);
        _settle(jobId, job, _hash(output), 0, output, msg.sender);
    }

    /// @inheritdoc IInferenceHub
    function finalize(uint256 jobId, int256[] calldata output) external nonReentrant {
        Job storage job = _jobWithStatus(jobId, JobStatus.Submitted);
        if (block.timestamp <= job.deadline) revert HubChallengeWindowOpen(jobId, job.deadline, block.timestamp);
        bytes32 outputHash = _checkPosted(jobId, job, output);
        _settle(jobId, job, outputHash, 0, output, msg.sender);
    }

    // ------------------------------------------------------------------ disputes

    /// @inheritdoc IInferenceHub
    function openDispute(uint256 jobId, address challenger, uint64 seedBlock)
        external
        onlyCourt
        nonReentrant
        returns (DisputeTerms memory d)
    {
        Job storage job = _disputableJob(jobId);
        address node = job.node;
        if (challenger == node) revert HubSelfChallenge(jobId, node);
        // A release with a verifier is disputed by a fraud proof (no seed block: nobody is drawn),
        // one without by a committee.
        bool byProof = _verifierOf(job) != address(0);
        if (byProof != (seedBlock == 0)) revert HubWrongDisputeKind(jobId, byProof);
        Parameters storage t = _termsOfJob(jobId);
        job.status = JobStatus.Challenged;
        d = DisputeTerms({
            node: node,
            modelId: job.modelId,
            committeeSize: t.committeeSize,
            drawWindow: t.drawWindow,
            commitWindow: t.commitWindow,
            revealWindow: t.revealWindow,
            bond: t.challengeBond
        });
        // The node's stake stays until the dispute can be closed, whatever happens to the draw; the
        // pool's weights are held once the seed block is mined, until the draw.
        nodes.extendLock(node, uint40(block.timestamp) + _disputeSpan(t));
        if (!byProof) {
            nodes.holdPool(
                jobId, _release(d.modelId, job.version), seedBlock, uint40(block.timestamp) + t.drawWindow, node, challenger
            );
        }
        _pull(challenger, d.bond);
        emit DisputeOpened(jobId, challenger, d.bond);
    }

    /// @inheritdoc IInferenceHub
    function drawCommittee(uint256 jobId, address challenger, uint256 seed, uint40 lockUntil)
        external
        onlyCourt
        nonReentrant
        returns (address[] memory)
    {
        Job storage job = _jobWithStatus(jobId, JobStatus.Challenged);
        address[] memory committee = nodes.drawCommittee(
            _release(job.modelId, job.version),
            TrustLevel.VANILLA,
            seed,
            job.node,
            challenger,
            _termsOfJob(jobId).committeeSize,
            lockUntil
        );
        nodes.releasePool(jobId);
        return committee;
    }

    /// @inheritdoc IInferenceHub
    function closeDispute(
        uint256 jobId,
        Verdict verdict,
        address challenger,
        address settler,
        address[] calldata voters,
        address[] calldata absent,
        int256[] calldata output
    ) external onlyCourt nonReentrant {
        _jobWithStatus(jobId, JobStatus.Challenged);
        // A dispute that ends without a draw releases its pool here (a no-op after a draw).
        nodes.releasePool(jobId);
        _penalizeAbsent(jobId, absent);
        if (verdict == Verdict.NodeRight) _closeForNode(jobId, voters, output, settler);
        else _closeAgainstNode(jobId, verdict, challenger, voters);
    }

    /// @dev Slashes and jails every drawn member who did not reveal; the slashes go to the treasury.
    function _penalizeAbsent(uint256 jobId, address[] calldata absent) private {
        Parameters storage t = _termsOfJob(jobId);
        uint256 count = absent.length;
        for (uint256 i; i < count; ++i) {
            _credit(t.treasury, _penalize(jobId, absent[i], t.absentSlash, Penalty.Absent));
        }
    }

    /// @dev The node was right: it is paid, and the challenger's bond goes half to the node, half to
    ///      the majority for its work.
    function _closeForNode(uint256 jobId, address[] calldata voters, int256[] calldata output, address settler)
        private
    {
        Job storage job = _jobs[jobId];
        Parameters storage t = _termsOfJob(jobId);
        uint256 bond = t.challengeBond;
        uint256 toVoters = bond / 2;
        emit DisputeClosed(jobId, Verdict.NodeRight, 0, _split(toVoters, voters, t.treasury));
        _settle(jobId, job, _checkPosted(jobId, job, output), bond - toVoters, output, settler);
    }

    /// @dev Fraud: refund, slash and jail the node; the challenger gets its bond and half the slash,
    ///      the majority a quarter, the treasury the rest. Undecided: refund; nobody is slashed for
    ///      the output; the challenger forfeits a quarter of its bond, half of it to the members who
    ///      revealed and the rest to the treasury. Unsound (the release was frozen while a fraud
    ///      proof waited for its answer): refund; nobody is slashed; the challenger's bond comes back.
    function _closeAgainstNode(uint256 jobId, Verdict verdict, address challenger, address[] calldata voters) private {
        Job storage job = _jobs[jobId];
        Parameters storage t = _termsOfJob(jobId);
        address node = job.node;
        uint256 bond = t.challengeBond;
        address treasury = t.treasury;
        uint256 challengerPaid;
        uint256 votersPaid;
        _refund(
            jobId,
            job,
            verdict == Verdict.Fraud
                ? RefundReason.Fraud
                : verdict == Verdict.Undecided ? RefundReason.Undecided : RefundReason.Unsound
        );
        if (verdict == Verdict.Fraud) {
            uint256 slashed = _penalize(jobId, node, t.fraudSlash, Penalty.Fraud);
            uint256 reward = slashed * CATCHER_SHARE_BPS / 10_000;
            uint256 toVoters = slashed * VOTERS_FRAUD_SHARE_BPS / 10_000;
            votersPaid = _split(toVoters, voters, treasury);
            challengerPaid = bond + reward;
            _credit(treasury, slashed - reward - toVoters);
        } else {
            // An unsound release proved both sides: the challenger keeps its whole bond.
            uint256 forfeit = verdict == Verdict.Unsound ? 0 : bond * UNDECIDED_FORFEIT_BPS / 10_000;
            uint256 toVoters = forfeit / 2;
            votersPaid = _split(toVoters, voters, treasury);
            challengerPaid = bond - forfeit;
            _credit(treasury, forfeit - toVoters);
        }
        _credit(challenger, challengerPaid);
        emit DisputeClosed(jobId, verdict, challengerPaid, votersPaid);
    }

    // ------------------------------------------------------------------ balances

    /// @inheritdoc IInferenceHub
    function withdraw() external nonReentrant returns (uint256) {
        return _withdraw(msg.sender);
    }

    /// @inheritdoc IInferenceHub
    function withdrawTo(address to) external nonReentrant returns (uint256) {
        if (to == address(0)) revert HubZeroAddress();
        return _withdraw(to);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IInferenceHub
    function getJob(uint256 jobId) external view returns (Job memory) {
        return _jobs[jobId];
    }

    /// @inheritdoc IInferenceHub
    function termsOf(uint256 jobId) external view returns (Parameters memory) {
        if (_jobs[jobId].status == JobStatus.None) revert HubUnknownJob(jobId);
        return _termsOfJob(jobId);
    }

    /// @inheritdoc IInferenceHub
    function callbackOf(uint256 jobId) external view returns (address consumer, uint32 gasLimit) {
        Callback storage cb = _callbacks[jobId];
        return (cb.consumer, cb.gasLimit);
    }

    /// @inheritdoc IInferenceHub
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @inheritdoc IInferenceHub
    function resultDigest(uint256 jobId, int256[] calldata output) external view returns (bytes32) {
        Job storage job = _jobs[jobId];
        if (job.status == JobStatus.None) revert HubUnknownJob(jobId);
        return _resultDigest(jobId, job, _hash(output));
    }

    /// @inheritdoc IInferenceHub
    function parameters() external view returns (Parameters memory) {
        return _terms[_termsCount - 1];
    }

    /// @inheritdoc IInferenceHub
    function jobCount() external view returns (uint256) {
        return _jobCount;
    }

    // ------------------------------------------------------------------ internals

    function _request(RequestParams calldata p) private returns (uint256 jobId) {
        Parameters storage t = _terms[_termsCount - 1];
        (uint32 version, bool byProof) = _validateRequest(p, t);
        jobId = ++_jobCount;
        // The draw's randomness: prevrandao of this block, mixed with the job id. See README,
        // "Where the draw's randomness comes from".
        uint256 seed = uint256(keccak256(abi.encode(block.prevrandao, jobId)));
        // The stake answers for the job until a dispute opened at the end of its window could close.
        uint40 lockUntil = p.deadline + t.challengeWindow + _disputeSpan(t);
        // Only a node with room for the job is drawn, and for VANILLA only one whose stake covers a
        // fraud slash for each of its open VANILLA results; a VANILLA job judged by a committee
        // needs a pool where somebody besides its node can sit.
        bool vanilla = p.level == TrustLevel.VANILLA;
        address node = nodes.drawNode(
            _release(p.modelId, version), p.level, seed, lockUntil, vanilla && !byProof, vanilla ? t.fraudSlash : 0
        );

        // Three fresh slots: [requester, fee, level, status], [node, modelId, version, deadline],
        // [inputHash]. Casts are safe: fee <= type(uint80).max and deadline <= now + maxJobDuration
        // were checked by _validateRequest.
        _jobs[jobId] = Job({
            requester: msg.sender,
            fee: uint80(p.fee),
            level: p.level,
            status: JobStatus.Requested,
            node: node,
            modelId: p.modelId,
            version: version,
            deadline: uint32(p.deadline),
            inputHash: _hash(p.input),
            outputHash: 0
        });
        if (p.consumer != address(0)) _callbacks[jobId] = Callback(p.consumer, p.callbackGasLimit);

        _pull(msg.sender, p.fee);
        _emitRequested(jobId, node, version, p);
    }

    /// @dev Checks a request against the model's release and the hub's parameters. Returns the
    ///      resolved version.
    function _validateRequest(RequestParams calldata p, Parameters storage t)
        private
        view
        returns (uint32 version, bool byProof)
    {
        IModelRegistry.ServingTerms memory s = models.servingTerms(p.modelId, p.version, p.level);
        version = s.version;
        byProof = s.byProof;
        // Only the requester can be called back: nobody can feed a consumer results it did not
        // ask for, on a model, input or level of someone else's choosing.
        if (p.consumer != address(0) && p.consumer != msg.sender) revert HubConsumerNotRequester(p.consumer, msg.sender);
        if (p.callbackGasLimit > t.maxCallbackGas || (p.consumer == address(0) && p.callbackGasLimit != 0)) {
            revert HubCallbackGas(p.callbackGasLimit, p.consumer == address(0) ? 0 : t.maxCallbackGas);
        }
        uint256 required = uint256(s.price) + uint256(p.callbackGasLimit) * t.callbackGasPrice;
        if (p.fee < required) revert HubFeeTooLow(p.modelId, version, p.level, p.fee, required);
        if (p.fee > type(uint80).max) revert HubFeeTooHigh(p.fee, type(uint80).max);
        if (p.deadline <= block.timestamp) revert HubDeadlineInPast(p.deadline, block.timestamp);
        // A deadline the node cannot meet would only get it slashed: leave it the level's minimum.
        uint256 earliest = block.timestamp + _minJobTime(t, p.level);
        if (p.deadline < earliest) revert HubDeadlineTooSoon(p.deadline, earliest);
        uint256 latest = block.timestamp + t.maxJobDuration;
        if (p.deadline > latest) revert HubDeadlineTooFar(p.deadline, latest);
        uint256 length = p.input.length;
        if (length != s.inputSize) revert HubInputLength(p.modelId, version, s.inputSize, length);
        // Every value must be provable by the release's circuit (and re-executable by a committee):
        // an out-of-range input could never be served and would only get a node slashed.
        int256 lo = s.inputMin;
        int256 hi = s.inputMax;
        for (uint256 i; i < length; ++i) {
            int256 x = p.input[i];
            if (x < lo || x > hi) revert HubInputOutOfRange(i, x, lo, hi);
        }
    }

    function _emitRequested(uint256 jobId, address node, uint32 version, RequestParams calldata p) private {
        emit JobRequested(jobId, msg.sender, node, p.modelId, version, p.level, p.fee, p.deadline, p.consumer, p.input);
    }

    /// @dev Checks the caller, status, level, deadline and output length of a result submission.
    function _assignedJob(uint256 jobId, TrustLevel level, uint256 outputLength) private view returns (Job storage job) {
        job = _jobWithStatus(jobId, JobStatus.Requested);
        if (job.level != level) revert HubWrongLevel(jobId, level, job.level);
        if (msg.sender != job.node) revert HubNotAssignedNode(jobId, msg.sender, job.node);
        if (block.timestamp > job.deadline) revert HubDeadlinePassed(jobId, job.deadline, block.timestamp);
        _checkOutputLength(jobId, job, outputLength);
    }

    /// @dev A VANILLA result inside its challenge window, disputed by someone other than its node.
    function _disputableJob(uint256 jobId) private view returns (Job storage job) {
        job = _jobWithStatus(jobId, JobStatus.Submitted);
        if (block.timestamp > job.deadline) revert HubChallengeWindowClosed(jobId, job.deadline, block.timestamp);
        if (msg.sender == job.node) revert HubSelfChallenge(jobId, msg.sender);
    }

    /// @dev The release's output size, from the registry (releases are immutable).
    function _checkOutputLength(uint256 jobId, Job storage job, uint256 outputLength) private view {
        uint32 outputSize = models.outputSizeOf(job.modelId, job.version);
        if (outputLength != outputSize) revert HubOutputLength(jobId, outputSize, outputLength);
    }

    /// @dev Reverts unless `output` is the output the node posted; returns its hash.
    function _checkPosted(uint256 jobId, Job storage job, int256[] calldata output) private view returns (bytes32 h) {
        h = _hash(output);
        if (h != job.outputHash) revert HubOutputMismatch(jobId, job.outputHash, h);
    }

    function _jobWithStatus(uint256 jobId, JobStatus expected) private view returns (Job storage job) {
        job = _jobs[jobId];
        JobStatus status = job.status;
        if (status == JobStatus.None) revert HubUnknownJob(jobId);
        if (status != expected) revert HubWrongStatus(jobId, status, expected);
    }

    function _verifierOf(Job storage job) private view returns (address verifier) {
        (verifier,) = models.verifierOf(job.modelId, job.version);
    }

    /// @dev Verifies a proof made by msg.sender that `output` is the model's output on the job's
    ///      input. The verifier binds chain, hub, job, prover, weights, input and output.
    function _checkProof(
        uint256 jobId,
        Job storage job,
        int256[] calldata input,
        int256[] calldata output,
        bytes calldata proof
    ) private view {
        (address verifier, bytes32 weightsCommitment) = models.verifierOf(job.modelId, job.version);
        if (verifier == address(0)) revert HubWrongDisputeKind(jobId, false);
        bytes32 inputHash = _hash(input);
        if (inputHash != job.inputHash) revert HubInputMismatch(jobId, job.inputHash, inputHash);
        bool ok = IProofVerifier(verifier).verifyInference(jobId, msg.sender, weightsCommitment, input, output, proof);
        if (!ok) revert HubInvalidProof(jobId, msg.sender);
    }

    /// @dev Pays the fee out and runs the callback: the callback's gas price to whoever runs it
    ///      (`settler`), then royalty to the model owner, protocol fee to the treasury, the rest
    ///      plus `bonus` (a lost challenge bond's share) to the node.
    function _settle(
        uint256 jobId,
        Job storage job,
        bytes32 outputHash,
        uint256 bonus,
        int256[] calldata output,
        address settler
    ) private {
        job.status = JobStatus.Settled;
        Parameters storage t = _termsOfJob(jobId);
        Callback memory cb = _callbacks[jobId];
        // Cannot underflow: the request's fee covered price + gasLimit * callbackGasPrice at these terms.
        uint256 gasPayment = uint256(cb.gasLimit) * t.callbackGasPrice;
        _payOut(jobId, job, t, job.fee - gasPayment, bonus, outputHash);
        // A TEE or ZK job settles from Requested (busy); a VANILLA one after its result.
        _clear(jobId, job, job.level != TrustLevel.VANILLA);
        if (cb.consumer != address(0)) _callback(jobId, cb, gasPayment, output, settler);
    }

    /// @dev Splits `fee`: royalty to the model owner, protocol fee to the treasury, the rest plus
    ///      `bonus` to the node.
    function _payOut(uint256 jobId, Job storage job, Parameters storage t, uint256 fee, uint256 bonus, bytes32 outputHash)
        private
    {
        (address owner, uint16 royaltyBps,) = models.settlementTerms(job.modelId, job.version);
        uint256 royalty = fee * royaltyBps / 10_000;
        uint256 protocolFee = fee * t.protocolFeeBps / 10_000;
        // Cannot underflow: royaltyBps <= 5,000 and protocolFeeBps <= 2,000.
        uint256 nodeAmount = fee - royalty - protocolFee;
        address node = job.node;
        _credit(node, nodeAmount + bonus);
        _credit(owner, royalty);
        _credit(t.treasury, protocolFee);
        emit JobSettled(jobId, node, outputHash, nodeAmount, royalty, protocolFee);
    }

    /// @dev Ends a job by giving its fee back to the requester.
    function _refund(uint256 jobId, Job storage job, RefundReason reason) private {
        bool busy = job.status == JobStatus.Requested;
        job.status = JobStatus.Refunded;
        uint256 fee = job.fee;
        _credit(job.requester, fee);
        emit JobRefunded(jobId, job.requester, fee, reason);
        _clear(jobId, job, busy);
    }

    /// @dev Slashes up to `amount` of `node`'s stake into the hub and jails it. Returns the slash.
    ///      Constant gas: the registry updates the node's record, not its pools.
    function _penalize(uint256 jobId, address node, uint256 amount, Penalty reason) private returns (uint256 slashed) {
        slashed = nodes.slash(node, amount);
        nodes.jail(node);
        emit NodePenalized(jobId, node, slashed, reason);
    }

    /// @dev Credits `amount` split evenly among `accounts`; the remainder of the division (all of it
    ///      when there is nobody) goes to `rest`. Returns what `accounts` got.
    function _split(uint256 amount, address[] calldata accounts, address rest) private returns (uint256 paid) {
        uint256 count = accounts.length;
        uint256 each = count == 0 ? 0 : amount / count;
        for (uint256 i; i < count; ++i) {
            _credit(accounts[i], each);
        }
        paid = each * count;
        _credit(rest, amount - paid);
    }

    /// @dev Calls the consumer with the job's gas cap and pays `gasPayment` to `settler`, who
    ///      supplies that gas. A revert, out-of-gas or re-entry inside the callback is ignored: the
    ///      job is already settled. The caller must leave enough gas for the full cap (EIP-150
    ///      forwards at most 63/64 of what is left), else the whole call reverts and can be retried
    ///      with more gas; so no one can starve a callback on purpose.
    function _callback(
        uint256 jobId,
        Callback memory cb,
        uint256 gasPayment,
        int256[] calldata output,
        address settler
    ) private {
        address consumer = cb.consumer;
        uint256 gasLimit = cb.gasLimit;
        _credit(settler, gasPayment);
        bytes memory data = abi.encodeCall(IInferenceConsumer.onInferenceResult, (jobId, output));
        // Checked after encoding, whose cost grows with the output, and right before the call.
        uint256 needed = gasLimit + gasLimit / 63 + CALLBACK_OVERHEAD;
        if (gasleft() < needed) revert HubCallbackGasShort(jobId, gasleft(), needed);
        bool success;
        // Safe: a plain call that copies no return data (so a huge return cannot cost the hub gas)
        // and reads only `data`, which is in memory.
        assembly ("memory-safe") {
            success := call(gasLimit, consumer, 0, add(data, 0x20), mload(data), 0, 0)
        }
        emit CallbackDelivered(jobId, consumer, success, settler, gasPayment);
    }

    /// @dev A job that has ended keeps who, what and how it ended (requester, node, model, level,
    ///      status, deadline); its fee, hashes and consumer live on in the events. Zeroing the hash
    ///      slots and the consumer's refunds 4,800 gas each to whoever ends the job. The node's
    ///      counts of open jobs drop: busy when it ends awaiting the result, exposed for VANILLA.
    function _clear(uint256 jobId, Job storage job, bool busy) private {
        nodes.freeSlot(job.node, busy, job.level == TrustLevel.VANILLA);
        job.fee = 0;
        job.inputHash = 0;
        job.outputHash = 0;
        delete _callbacks[jobId];
    }

    function _withdraw(address to) private returns (uint256 amount) {
        amount = _balances[msg.sender];
        if (amount == 0) revert HubNothingToWithdraw(msg.sender);
        _balances[msg.sender] = 0;
        emit Withdrawn(msg.sender, to, amount);
        token.safeTransfer(to, amount);
    }

    function _credit(address account, uint256 amount) private {
        if (amount != 0) _balances[account] += amount;
    }

    /// @dev Pulls exactly `amount` from `from`; a token that delivers less (fee on transfer) is refused.
    function _pull(address from, uint256 amount) private {
        if (amount == 0) return;
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(from, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != amount) revert HubTransferMismatch(amount, received);
    }

    /// @dev The EIP-712 digest of a TEE result; the hub fills the release's weights commitment, so a
    ///      signature made over another model's weights fails.
    function _resultDigest(uint256 jobId, Job storage job, bytes32 outputHash) private view returns (bytes32) {
        (, bytes32 weights) = models.verifierOf(job.modelId, job.version);
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    RESULT_TYPEHASH, jobId, job.node, job.modelId, job.version, weights, job.inputHash, outputHash
                )
            )
        );
    }

    function _minJobTime(Parameters storage t, TrustLevel level) private view returns (uint256) {
        if (level == TrustLevel.VANILLA) return t.minVanillaTime;
        return level == TrustLevel.TEE ? t.minTeeTime : t.minZkTime;
    }

    /// @dev The registries' release key: `modelId << 32 | version`.
    function _release(uint32 modelId, uint32 version) private pure returns (uint64) {
        return (uint64(modelId) << 32) | version;
    }

    function _hash(int256[] calldata values) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(values));
    }

    /// @dev How long a dispute may take from its opening: draw, commit and reveal windows, plus the
    ///      grace in which anyone can close it.
    function _disputeSpan(Parameters storage t) private view returns (uint40) {
        return uint40(t.drawWindow) + t.commitWindow + t.revealWindow + RESOLUTION_GRACE;
    }

    /// @dev The parameters a job was requested under: the newest set whose first job id is at most
    ///      `jobId`. One comparison for jobs under the current set, a binary search over the
    ///      history otherwise.
    function _termsOfJob(uint256 jobId) private view returns (Parameters storage) {
        uint256 last = _termsCount - 1;
        if (jobId >= _currentTermsFirstJob) return _terms[last];
        // Invariant: _termsFirstJob[lo] <= jobId < _termsFirstJob[hi] (the first set starts at job 1).
        uint256 lo;
        uint256 hi = last;
        while (hi - lo > 1) {
            uint256 mid = (lo + hi) / 2;
            if (_termsFirstJob[mid] <= jobId) lo = mid;
            else hi = mid;
        }
        return _terms[lo];
    }

    function _setParameters(Parameters memory p) private {
        if (p.treasury == address(0)) revert HubZeroAddress();
        if (p.protocolFeeBps > MAX_PROTOCOL_FEE_BPS) revert HubInvalidParameter("protocolFeeBps", p.protocolFeeBps);
        _checkWindow("challengeWindow", p.challengeWindow, 1);
        _checkWindow("maxJobDuration", p.maxJobDuration, 1);
        _checkWindow("drawWindow", p.drawWindow, MIN_VOTE_WINDOW);
        _checkWindow("commitWindow", p.commitWindow, MIN_VOTE_WINDOW);
        _checkWindow("revealWindow", p.revealWindow, MIN_VOTE_WINDOW);
        if (p.minVanillaTime > p.maxJobDuration) revert HubInvalidParameter("minVanillaTime", p.minVanillaTime);
        if (p.minTeeTime > p.maxJobDuration) revert HubInvalidParameter("minTeeTime", p.minTeeTime);
        if (p.minZkTime > p.maxJobDuration) revert HubInvalidParameter("minZkTime", p.minZkTime);
        if (p.challengeBond == 0 || p.challengeBond > MAX_CHALLENGE_BOND) {
            revert HubInvalidParameter("challengeBond", p.challengeBond);
        }
        if (p.timeoutSlash > MAX_TIMEOUT_SLASH) revert HubInvalidParameter("timeoutSlash", p.timeoutSlash);
        if (p.fraudSlash == 0 || p.fraudSlash > MAX_FRAUD_SLASH) revert HubInvalidParameter("fraudSlash", p.fraudSlash);
        if (p.absentSlash > MAX_ABSENT_SLASH) revert HubInvalidParameter("absentSlash", p.absentSlash);
        if (p.committeeSize == 0 || p.committeeSize > MAX_COMMITTEE) {
            revert HubInvalidParameter("committeeSize", p.committeeSize);
        }
        if (p.maxCallbackGas > 10_000_000) revert HubInvalidParameter("maxCallbackGas", p.maxCallbackGas);
        // In [1, MAX]: a zero price would let a requester's callback burn the node's gas for
        // nothing (0 - 1 wraps to the top of uint96).
        unchecked {
            if (p.callbackGasPrice - 1 >= MAX_CALLBACK_GAS_PRICE) {
                revert HubInvalidParameter("callbackGasPrice", p.callbackGasPrice);
            }
        }
        uint32 termsId = _termsCount;
        uint64 firstJob = _jobCount + 1;
        _terms[termsId] = p;
        _termsFirstJob[termsId] = firstJob;
        _termsCount = termsId + 1;
        _currentTermsFirstJob = firstJob;
        emit ParametersChanged(termsId, firstJob, p);
    }

    function _checkWindow(bytes32 name, uint32 value, uint32 min) private pure {
        if (value < min || value > MAX_WINDOW) revert HubInvalidParameter(name, value);
    }
}
