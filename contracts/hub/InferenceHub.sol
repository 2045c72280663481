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
/// @notice Escrow, node assignment, result checking at three trust levels, settlement and
///         penalties. Every payment is credited to a balance and pulled with {withdraw}, so a
///         recipient that cannot receive never blocks a job.
/// @dev Accounting invariant: token.balanceOf(this) == sum of fees of open jobs (Requested,
///      Submitted, Challenged) + sum of bonds of open challenges + sum of withdrawable balances.
contract InferenceHub is IInferenceHub, Ownable2Step, ReentrancyGuardTransient, EIP712 {
    using SafeERC20 for IERC20;

    struct Callback {
        address consumer;
        uint32 gasLimit;
    }

    bytes32 public constant RESULT_TYPEHASH = keccak256(
        "InferenceResult(uint256 jobId,address node,uint32 modelId,uint32 version,bytes32 inputHash,bytes32 outputHash)"
    );
    /// @notice Largest protocol fee governance may set (20%).
    uint16 public constant MAX_PROTOCOL_FEE_BPS = 2_000;
    /// @notice Gas kept back for the hub's own work around a consumer callback.
    uint256 public constant CALLBACK_OVERHEAD = 10_000;

    IERC20 public immutable token;
    IModelRegistry public immutable models;
    INodeRegistry public immutable nodes;
    ITEERegistry public immutable tee;

    Parameters private _params;
    uint256 private _jobCount;
    mapping(uint256 jobId => Job) private _jobs;
    /// @dev [consumer, gasLimit] = [160, 32]; only for jobs with a consumer.
    mapping(uint256 jobId => Callback) private _callbacks;
    mapping(uint256 jobId => Challenge) private _challenges;
    mapping(uint256 jobId => address[]) private _committees;
    mapping(uint256 jobId => mapping(address voter => bytes32 outputHash)) private _votes;
    mapping(uint256 jobId => mapping(bytes32 outputHash => uint256)) private _tally;
    mapping(address account => uint256) private _balances;

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

    /// @notice Sets the governance parameters. Only the owner. A new protocol fee applies to jobs
    ///         settled after the change; bonds and slashes to challenges and penalties after it.
    function setParameters(Parameters calldata params_) external onlyOwner {
        _setParameters(params_);
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
        if (block.timestamp <= job.deadline) revert HubDeadlineNotPassed(jobId, job.deadline, block.timestamp);
        _refund(jobId, job, RefundReason.Timeout);
        _credit(_params.treasury, _penalize(jobId, job.node, _params.timeoutSlash, RefundReason.Timeout));
    }

    // ------------------------------------------------------------------ nodes

    /// @inheritdoc IInferenceHub
    function submitResult(uint256 jobId, int256[] calldata output) external nonReentrant {
        Job storage job = _assignedJob(jobId, TrustLevel.VANILLA, output.length);
        // Fits 32 bits until 2106; the window is bounded by the parameters.
        uint32 challengeEnds = uint32(block.timestamp + _params.challengeWindow);
        job.status = JobStatus.Submitted;
        job.deadline = challengeEnds;
        job.outputHash = _hash(output);
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
        // a measurement that is still approved.
        tee.checkEnclave(signer, msg.sender);
        emit ResultSubmitted(jobId, msg.sender, TrustLevel.TEE, output);
        _settle(jobId, job, outputHash, 0);
        _callback(jobId, job, output);
    }

    /// @inheritdoc IInferenceHub
    function submitZkResult(uint256 jobId, int256[] calldata input, int256[] calldata output, bytes calldata proof)
        external
        nonReentrant
    {
        Job storage job = _assignedJob(jobId, TrustLevel.ZK, output.length);
        _checkProof(jobId, job, input, output, proof);
        emit ResultSubmitted(jobId, msg.sender, TrustLevel.ZK, output);
        _settle(jobId, job, _hash(output), 0);
        _callback(jobId, job, output);
    }

    /// @inheritdoc IInferenceHub
    function finalize(uint256 jobId, int256[] calldata output) external nonReentrant {
        Job storage job = _jobWithStatus(jobId, JobStatus.Submitted);
        if (block.timestamp <= job.deadline) revert HubChallengeWindowOpen(jobId, job.deadline, block.timestamp);
        bytes32 outputHash = _hash(output);
        if (outputHash != job.outputHash) revert HubOutputMismatch(jobId, job.outputHash, outputHash);
        _settle(jobId, job, outputHash, 0);
        _callback(jobId, job, output);
    }

    // ------------------------------------------------------------------ challenges

    /// @inheritdoc IInferenceHub
    function challenge(uint256 jobId) external nonReentrant {
        Job storage job = _jobWithStatus(jobId, JobStatus.Submitted);
        if (block.timestamp > job.deadline) revert HubChallengeWindowClosed(jobId, job.deadline, block.timestamp);
        address node = job.node;
        if (msg.sender == node) revert HubSelfChallenge(jobId, node);

        uint96 bond = _params.challengeBond;
        uint40 resolveBy = uint40(block.timestamp) + _params.resolutionWindow;
        (address verifier,) = models.verifierOf(job.modelId, job.version);
        ChallengeMode mode = verifier != address(0) ? ChallengeMode.Proof : ChallengeMode.Committee;
        address[] memory committee;
        if (mode == ChallengeMode.Committee) {
            uint256 seed = uint256(keccak256(abi.encode(block.prevrandao, jobId, msg.sender, "committee")));
            committee = nodes.drawCommittee(
                job.modelId, TrustLevel.VANILLA, seed, node, msg.sender, _params.committeeSize, resolveBy
            );
            if (committee.length == 0) revert HubNoCommittee(jobId);
            _committees[jobId] = committee;
        }
        job.status = JobStatus.Challenged;
        _challenges[jobId] = Challenge({challenger: msg.sender, bond: bond, resolveBy: resolveBy, mode: mode, votes: 0});
        _pull(msg.sender, bond);
        emit ChallengeOpened(jobId, msg.sender, bond, mode, committee, resolveBy);
    }

    /// @inheritdoc IInferenceHub
    function resolveWithProof(uint256 jobId, int256[] calldata input, int256[] calldata output, bytes calldata proof)
        external
        nonReentrant
    {
        Job storage job = _jobWithStatus(jobId, JobStatus.Challenged);
        Challenge storage c = _openChallenge(jobId, ChallengeMode.Proof);
        _checkOutputLength(jobId, job, output.length);
        _checkProof(jobId, job, input, output, proof);
        bytes32 outputHash = _hash(output);
        emit ChallengeResolved(jobId, outputHash != job.outputHash, outputHash);
        if (outputHash == job.outputHash) {
            // The node was right: it is paid, and the challenger's bond compensates it.
            _settle(jobId, job, outputHash, c.bond);
            _callback(jobId, job, output);
        } else {
            _punishFraud(jobId, job, c, new address[](0));
        }
    }

    /// @inheritdoc IInferenceHub
    function vote(uint256 jobId, int256[] calldata output) external nonReentrant {
        Job storage job = _jobWithStatus(jobId, JobStatus.Challenged);
        Challenge storage c = _openChallenge(jobId, ChallengeMode.Committee);
        _checkOutputLength(jobId, job, output.length);
        if (!_inCommittee(jobId, msg.sender)) revert HubNotInCommittee(jobId, msg.sender);
        if (_votes[jobId][msg.sender] != 0) revert HubAlreadyVoted(jobId, msg.sender);
        bytes32 outputHash = _hash(output);
        _votes[jobId][msg.sender] = outputHash;
        ++c.votes;
        uint256 count = ++_tally[jobId][outputHash];
        emit VoteCast(jobId, msg.sender, outputHash);
        if (count * 2 <= _committees[jobId].length) return;

        // A strict majority agrees on `outputHash`.
        address[] memory majority = _voters(jobId, outputHash, count);
        bool fraud = outputHash != job.outputHash;
        emit ChallengeResolved(jobId, fraud, outputHash);
        if (fraud) {
            _punishFraud(jobId, job, c, majority);
        } else {
            // The node was right: half the bond compensates it, half pays the majority's work.
            uint256 toVoters = _split(c.bond / 2, majority);
            _settle(jobId, job, outputHash, c.bond - toVoters);
            _callback(jobId, job, output);
        }
    }

    /// @inheritdoc IInferenceHub
    function expireChallenge(uint256 jobId) external nonReentrant {
        Job storage job = _jobWithStatus(jobId, JobStatus.Challenged);
        Challenge storage c = _challenges[jobId];
        if (block.timestamp <= c.resolveBy) revert HubResolutionWindow(jobId, c.resolveBy, block.timestamp);
        if (c.mode == ChallengeMode.Proof) {
            // The node could have proven its output and did not.
            emit ChallengeResolved(jobId, true, bytes32(0));
            _punishFraud(jobId, job, c, new address[](0));
        } else {
            // No majority: nobody is proven right; everyone gets their money back.
            emit ChallengeResolved(jobId, false, bytes32(0));
            _refund(jobId, job, RefundReason.Undecided);
            _credit(c.challenger, c.bond);
        }
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
    function callbackOf(uint256 jobId) external view returns (address consumer, uint32 gasLimit) {
        Callback storage cb = _callbacks[jobId];
        return (cb.consumer, cb.gasLimit);
    }

    /// @inheritdoc IInferenceHub
    function getChallenge(uint256 jobId) external view returns (Challenge memory, address[] memory) {
        return (_challenges[jobId], _committees[jobId]);
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
        return _params;
    }

    /// @inheritdoc IInferenceHub
    function jobCount() external view returns (uint256) {
        return _jobCount;
    }

    // ------------------------------------------------------------------ internals

    function _request(RequestParams calldata p) private returns (uint256 jobId) {
        uint32 version = _validateRequest(p);
        jobId = ++_jobCount;
        // The draw's randomness: prevrandao of this block, mixed with the job id. See README,
        // "Where the draw's randomness comes from".
        uint256 seed = uint256(keccak256(abi.encode(block.prevrandao, jobId)));
        uint40 lockUntil = p.deadline + _params.challengeWindow + _params.resolutionWindow;
        address node = nodes.drawNode(p.modelId, p.level, seed, lockUntil);

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
    ///      resolved version and what the job keeps of the release.
    function _validateRequest(RequestParams calldata p)
        private
        view
        returns (uint32 version)
    {
        uint96 price;
        uint32 inputSize;
        (version, price, inputSize,,) = models.servingTerms(p.modelId, p.version, p.level);
        if (p.fee < price) revert HubFeeTooLow(p.modelId, version, p.level, p.fee, price);
        if (p.fee > type(uint80).max) revert HubFeeTooHigh(p.fee, type(uint80).max);
        if (p.deadline <= block.timestamp) revert HubDeadlineInPast(p.deadline, block.timestamp);
        uint256 latest = block.timestamp + _params.maxJobDuration;
        if (p.deadline > latest) revert HubDeadlineTooFar(p.deadline, latest);
        if (p.input.length != inputSize) revert HubInputLength(p.modelId, version, inputSize, p.input.length);
        if (p.callbackGasLimit > _params.maxCallbackGas || (p.consumer == address(0) && p.callbackGasLimit != 0)) {
            revert HubCallbackGas(p.callbackGasLimit, p.consumer == address(0) ? 0 : _params.maxCallbackGas);
        }
        return version;
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

    /// @dev The release's output size, from the registry (releases are immutable).
    function _checkOutputLength(uint256 jobId, Job storage job, uint256 outputLength) private view {
        uint32 outputSize = models.outputSizeOf(job.modelId, job.version);
        if (outputLength != outputSize) revert HubOutputLength(jobId, outputSize, outputLength);
    }

    function _jobWithStatus(uint256 jobId, JobStatus expected) private view returns (Job storage job) {
        job = _jobs[jobId];
        JobStatus status = job.status;
        if (status == JobStatus.None) revert HubUnknownJob(jobId);
        if (status != expected) revert HubWrongStatus(jobId, status, expected);
    }

    function _inCommittee(uint256 jobId, address account) private view returns (bool) {
        address[] storage committee = _committees[jobId];
        uint256 size = committee.length;
        for (uint256 i; i < size; ++i) {
            if (committee[i] == account) return true;
        }
        return false;
    }

    /// @dev The `count` committee members of `jobId` who voted for `outputHash`.
    function _voters(uint256 jobId, bytes32 outputHash, uint256 count) private view returns (address[] memory voters) {
        address[] storage committee = _committees[jobId];
        voters = new address[](count);
        uint256 n;
        uint256 size = committee.length;
        for (uint256 i; i < size; ++i) {
            address member = committee[i];
            if (_votes[jobId][member] == outputHash) {
                voters[n] = member;
                ++n;
            }
        }
    }

    function _openChallenge(uint256 jobId, ChallengeMode mode) private view returns (Challenge storage c) {
        c = _challenges[jobId];
        if (c.mode != mode) revert HubWrongChallengeMode(jobId, c.mode, mode);
        if (block.timestamp > c.resolveBy) revert HubResolutionWindow(jobId, c.resolveBy, block.timestamp);
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
        bytes32 inputHash = _hash(input);
        if (inputHash != job.inputHash) revert HubInputMismatch(jobId, job.inputHash, inputHash);
        (address verifier, bytes32 weightsCommitment) = models.verifierOf(job.modelId, job.version);
        bool ok = IProofVerifier(verifier).verifyInference(jobId, msg.sender, weightsCommitment, input, output, proof);
        if (!ok) revert HubInvalidProof(jobId, msg.sender);
    }

    /// @dev Pays the fee out: royalty to the model owner, protocol fee to the treasury, the rest
    ///      plus `bonus` (a lost challenge bond) to the node.
    function _settle(uint256 jobId, Job storage job, bytes32 outputHash, uint256 bonus) private {
        job.status = JobStatus.Settled;
        uint256 fee = job.fee;
        (address owner, uint16 royaltyBps,) = models.settlementTerms(job.modelId, job.version);
        uint256 royalty = fee * royaltyBps / 10_000;
        uint256 protocolFee = fee * _params.protocolFeeBps / 10_000;
        // Cannot underflow: royaltyBps <= 5,000 and protocolFeeBps <= 2,000.
        uint256 nodeAmount = fee - royalty - protocolFee;
        address node = job.node;
        _credit(node, nodeAmount + bonus);
        _credit(owner, royalty);
        _credit(_params.treasury, protocolFee);
        emit JobSettled(jobId, node, outputHash, nodeAmount, royalty, protocolFee);
    }

    /// @dev The node was proven wrong (or could not prove itself right): refund the requester,
    ///      return the bond, slash and jail the node, and share the slash between the challenger
    ///      and the committee's majority (all to the challenger when there is no committee).
    function _punishFraud(uint256 jobId, Job storage job, Challenge storage c, address[] memory majority) private {
        _refund(jobId, job, RefundReason.Fraud);
        uint256 slashed = _penalize(jobId, job.node, _params.fraudSlash, RefundReason.Fraud);
        uint256 toVoters = majority.length == 0 ? 0 : _split(slashed / 2, majority);
        _credit(c.challenger, c.bond + slashed - toVoters);
    }

    /// @dev Ends a job by giving its fee back to the requester.
    function _refund(uint256 jobId, Job storage job, RefundReason reason) private {
        job.status = JobStatus.Refunded;
        uint256 fee = job.fee;
        _credit(job.requester, fee);
        emit JobRefunded(jobId, job.requester, fee, reason);
        _clear(jobId, job);
    }

    /// @dev Slashes up to `amount` of `node`'s stake into the hub and jails it. Returns the slash.
    function _penalize(uint256 jobId, address node, uint256 amount, RefundReason reason)
        private
        returns (uint256 slashed)
    {
        slashed = nodes.slash(node, amount);
        nodes.jail(node);
        emit NodePenalized(jobId, node, slashed, reason);
    }

    /// @dev Credits `amount` split evenly among `accounts`; the remainder of the division goes to
    ///      the treasury. Returns `amount`.
    function _split(uint256 amount, address[] memory accounts) private returns (uint256) {
        uint256 count = accounts.length;
        uint256 each = amount / count;
        for (uint256 i; i < count; ++i) {
            _credit(accounts[i], each);
        }
        _credit(_params.treasury, amount - each * count);
        return amount;
    }

    /// @dev Calls the consumer with the job's gas cap. A revert, out-of-gas or re-entry inside the
    ///      callback is ignored: the job is already settled. The caller must leave enough gas for
    ///      the full cap (EIP-150 forwards at most 63/64 of what is left), else the whole call
    ///      reverts and can be retried with more gas; so no one can starve a callback on purpose.
    function _callback(uint256 jobId, Job storage job, int256[] calldata output) private {
        Callback memory cb = _callbacks[jobId];
        address consumer = cb.consumer;
        if (consumer == address(0)) return _clear(jobId, job);
        uint256 gasLimit = cb.gasLimit;
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
        emit CallbackDelivered(jobId, consumer, success);
        _clear(jobId, job);
    }

    /// @dev A job that has ended keeps who, what and how it ended (requester, node, model, level,
    ///      status, deadline); its fee, hashes and consumer live on in the events. Zeroing the hash
    ///      slots and the consumer's refunds 4,800 gas each to whoever ends the job.
    function _clear(uint256 jobId, Job storage job) private {
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

    /// @dev Pulls exactly `amount`; a token that delivers less (fee on transfer) is refused.
    function _pull(address from, uint256 amount) private {
        if (amount == 0) return;
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(from, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != amount) revert HubTransferMismatch(amount, received);
    }

    function _resultDigest(uint256 jobId, Job storage job, bytes32 outputHash) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(RESULT_TYPEHASH, jobId, job.node, job.modelId, job.version, job.inputHash, outputHash)
            )
        );
    }

    function _hash(int256[] calldata values) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(values));
    }

    function _setParameters(Parameters memory p) private {
        if (p.treasury == address(0)) revert HubZeroAddress();
        if (p.protocolFeeBps > MAX_PROTOCOL_FEE_BPS) revert HubInvalidParameter("protocolFeeBps", p.protocolFeeBps);
        if (p.challengeWindow == 0 || p.challengeWindow > 30 days) {
            revert HubInvalidParameter("challengeWindow", p.challengeWindow);
        }
        if (p.resolutionWindow == 0 || p.resolutionWindow > 30 days) {
            revert HubInvalidParameter("resolutionWindow", p.resolutionWindow);
        }
        if (p.maxJobDuration == 0 || p.maxJobDuration > 30 days) {
            revert HubInvalidParameter("maxJobDuration", p.maxJobDuration);
        }
        if (p.challengeBond == 0) revert HubInvalidParameter("challengeBond", 0);
        if (p.committeeSize == 0 || p.committeeSize > 15) revert HubInvalidParameter("committeeSize", p.committeeSize);
        if (p.maxCallbackGas > 10_000_000) revert HubInvalidParameter("maxCallbackGas", p.maxCallbackGas);
        _params = p;
        emit ParametersChanged(p);
    }
}
