// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TrustLevel} from "../libraries/TrustLevels.sol";
import {IModelRegistry} from "./IModelRegistry.sol";

/// @title IInferenceHub
/// @notice Job escrow and coordinator: a requester escrows a fee for one inference at a chosen trust
///         level; the hub draws a staked node, checks its result at that level, settles the fee
///         (node, model owner, protocol) into withdrawable balances, and refunds and slashes when
///         the node misses its deadline or is proven wrong.
/// @dev Disputes of VANILLA results run in the {ICommitteeCourt} fixed at deployment, which hands the
///      hub its verdict ({openDispute}, {drawCommittee}, {closeDispute} are for the court only):
///      where the release has a proof verifier, by a fraud proof that the node (or anyone) may answer
///      with a proof of the posted output, which proves the release unsound; otherwise by a
///      committee (challenge, draw, commit, reveal).
///      Every job keeps the governance parameters in force when it was requested ({termsOf}).
interface IInferenceHub {
    enum JobStatus {
        None,
        /// Escrowed and assigned; waiting for the node's result.
        Requested,
        /// VANILLA only: result posted; final after the challenge window unless disputed.
        Submitted,
        /// VANILLA only: disputed before a committee; the court decides.
        Challenged,
        /// Terminal: the fee was paid out.
        Settled,
        /// Terminal: the fee went back to the requester.
        Refunded
    }

    enum RefundReason {
        /// The node missed its deadline: it is slashed and jailed.
        Timeout,
        /// The node was proven wrong (a fraud proof or a committee majority): slashed and jailed.
        Fraud,
        /// A committee could not decide: nobody is slashed; the challenger forfeits part of its bond.
        Undecided,
        /// The node missed its deadline after governance disabled its enclave, or its ZK release
        /// was frozen as unsound: no slash.
        TimeoutExcused,
        /// A fraud proof met a proof of the posted output: the release is unsound (frozen by
        /// {ISoundnessBonds}); nobody is slashed and the challenger keeps its bond.
        Unsound
    }

    enum Penalty {
        Timeout,
        Fraud,
        /// A committee member who did not reveal a vote in time.
        Absent
    }

    /// @notice A committee's verdict on a disputed result.
    enum Verdict {
        /// A majority of the configured committee re-executed the posted output.
        NodeRight,
        /// A majority of the configured committee re-executed another output.
        Fraud,
        /// No output reached a majority of the configured committee (or none could be drawn).
        Undecided,
        /// Fraud proofs only: the release was proven unsound before the fraud proof's answer
        /// window closed, so the proof decides nothing.
        Unsound
    }

    /// @notice What a requester asks for.
    struct RequestParams {
        uint32 modelId;
        /// major << 16 | minor; 0 = the latest release.
        uint32 version;
        TrustLevel level;
        /// The whole fee to escrow: at least the model's price at `level` plus the callback's gas
        ///         ({Parameters.callbackGasPrice} * `callbackGasLimit`); the rest is a tip.
        uint96 fee;
        /// Unix time by which the node must deliver.
        uint40 deadline;
        /// Contract to call with the result: the requester itself (HubConsumerNotRequester otherwise), or zero for none.
        address consumer;
        /// Gas the consumer's callback gets (zero when there is no consumer).
        uint32 callbackGasLimit;
        /// The model input as fixed-point integers (real value * 2^scaleBits), each within the
        /// release's input range.
        int256[] input;
    }

    /// @notice A job as stored.
    /// @dev Packing: [requester, fee, level, status] = [160, 80, 8, 8] = 256;
    ///      [node, modelId, version, deadline] = [160, 32, 32, 32] = 256; [inputHash]; [outputHash]
    ///      (VANILLA only). A request writes three fresh slots. The release's royalty and output size
    ///      are read from the registry when needed (releases never change), a consumer with its
    ///      gas cap lives apart ({callbackOf}), and the job's terms are found from its id
    ///      ({termsOf}). For a VANILLA job, `deadline` holds the end of the challenge window once a
    ///      result is in.
    struct Job {
        address requester;
        uint80 fee;
        TrustLevel level;
        JobStatus status;
        address node;
        uint32 modelId;
        uint32 version;
        uint32 deadline;
        bytes32 inputHash;
        bytes32 outputHash;
    }

    /// @notice Governance parameters. A job keeps the set in force when it was requested.
    /// @dev Packing: [treasury, protocolFeeBps, committeeSize, challengeWindow, maxCallbackGas] =
    ///      [160, 16, 8, 32, 32] = 248; [maxJobDuration, drawWindow, commitWindow, revealWindow,
    ///      callbackGasPrice, minVanillaTime] = [32, 32, 32, 32, 96, 32] = 256; [challengeBond,
    ///      timeoutSlash, minTeeTime, minZkTime] = [96, 96, 32, 32] = 256; [fraudSlash,
    ///      absentSlash] = [96, 96].
    struct Parameters {
        /// Receives the protocol fee, timeout and absence slashes and the protocol's part of fraud slashes.
        address treasury;
        /// Share of each fee kept by the protocol, in basis points (at most 20%).
        uint16 protocolFeeBps;
        /// Seats of a committee; a verdict needs a strict majority of this number.
        uint8 committeeSize;
        /// How long a VANILLA result can be disputed.
        uint32 challengeWindow;
        /// Largest callback gas a request may ask for.
        uint32 maxCallbackGas;
        /// Latest deadline a request may set, counted from the request.
        uint32 maxJobDuration;
        /// How long after a committee challenge the committee may be drawn.
        uint32 drawWindow;
        /// How long committee members have to commit their votes, from the draw.
        uint32 commitWindow;
        /// How long committee members have to reveal their votes, after the commit window.
        uint32 revealWindow;
        /// Tokens per unit of callback gas a requester pays to whoever runs its callback.
        uint96 callbackGasPrice;
        /// Shortest time from request to deadline at VANILLA (room to compute and be included).
        uint32 minVanillaTime;
        /// Bond a committee challenger posts.
        uint96 challengeBond;
        /// Stake taken from a node that misses its deadline.
        uint96 timeoutSlash;
        /// Shortest time from request to deadline at TEE.
        uint32 minTeeTime;
        /// Shortest time from request to deadline at ZK (room to prove and be included).
        uint32 minZkTime;
        /// Stake taken from a node proven wrong.
        uint96 fraudSlash;
        /// Stake taken from a committee member who does not reveal a vote.
        uint96 absentSlash;
    }

    /// @notice What the court needs to run a committee dispute: the job's terms and pool.
    struct DisputeTerms {
        address node;
        uint32 modelId;
        uint8 committeeSize;
        uint32 drawWindow;
        uint32 commitWindow;
        uint32 revealWindow;
        uint96 bond;
    }

    // ------------------------------------------------------------------ errors

    /// @notice Thrown when the fee offered is below the model's price at the level plus the callback's gas.
    error HubFeeTooLow(uint32 modelId, uint32 version, TrustLevel level, uint256 offered, uint256 required);
    /// @notice Thrown when the deadline is not in the future.
    error HubDeadlineInPast(uint256 deadline, uint256 now_);
    /// @notice Thrown when the deadline leaves the node less than the level's minimum job time.
    error HubDeadlineTooSoon(uint256 deadline, uint256 earliest);
    /// @notice Thrown when the deadline is further than the maximum job duration.
    error HubDeadlineTooFar(uint256 deadline, uint256 latest);
    /// @notice Thrown when the input does not have the release's input size.
    error HubInputLength(uint32 modelId, uint32 version, uint256 expected, uint256 actual);
    /// @notice Thrown when an input value is outside the release's accepted input range.
    error HubInputOutOfRange(uint256 index, int256 value, int256 min, int256 max);
    /// @notice Thrown when an output does not have the release's output size.
    error HubOutputLength(uint256 jobId, uint256 expected, uint256 actual);
    /// @notice Thrown when the callback gas is above the maximum, or set without a consumer.
    error HubCallbackGas(uint256 requested, uint256 max);
    /// @notice Thrown when a request names a consumer other than the requester: a contract is
    ///         called back only with results it asked for (and paid for) itself.
    error HubConsumerNotRequester(address consumer, address requester);
    /// @notice Thrown when a fee does not fit the job's 80-bit field (about 1.2 million tokens of 18 decimals).
    error HubFeeTooHigh(uint256 fee, uint256 max);
    /// @notice Thrown when a zero address is given where one is needed.
    error HubZeroAddress();
    /// @notice Thrown when a job id does not exist.
    error HubUnknownJob(uint256 jobId);
    /// @notice Thrown when a job is not in the status the call needs.
    error HubWrongStatus(uint256 jobId, JobStatus status, JobStatus expected);
    /// @notice Thrown when a call is for another trust level than the job's.
    error HubWrongLevel(uint256 jobId, TrustLevel level, TrustLevel expected);
    /// @notice Thrown when a result comes from an address other than the assigned node.
    error HubNotAssignedNode(uint256 jobId, address caller, address node);
    /// @notice Thrown when a result arrives after the deadline.
    error HubDeadlinePassed(uint256 jobId, uint256 deadline, uint256 now_);
    /// @notice Thrown when a timeout is claimed before the deadline has passed.
    error HubDeadlineNotPassed(uint256 jobId, uint256 deadline, uint256 now_);
    /// @notice Thrown when the input given with a proof is not the job's input.
    error HubInputMismatch(uint256 jobId, bytes32 expected, bytes32 actual);
    /// @notice Thrown when an output does not match the one the node posted.
    error HubOutputMismatch(uint256 jobId, bytes32 expected, bytes32 actual);
    /// @notice Thrown when a ZK proof does not verify.
    error HubInvalidProof(uint256 jobId, address prover);
    /// @notice Thrown when a TEE signature cannot be recovered.
    error HubInvalidSignature(uint256 jobId);
    /// @notice Thrown when a VANILLA job is finalized before its challenge window has closed.
    error HubChallengeWindowOpen(uint256 jobId, uint256 endsAt, uint256 now_);
    /// @notice Thrown when a VANILLA result is disputed after its challenge window has closed.
    error HubChallengeWindowClosed(uint256 jobId, uint256 endedAt, uint256 now_);
    /// @notice Thrown when the assigned node disputes its own result.
    error HubSelfChallenge(uint256 jobId, address node);
    /// @notice Thrown by {openDispute} when the dispute's kind (a seed block for a committee, none for
    ///         a fraud proof) does not match the release (with or without a verifier).
    error HubWrongDisputeKind(uint256 jobId, bool hasVerifier);
    /// @notice Thrown when a court-only function is called by anyone else, or the court is set twice.
    error HubOnlyCourt(address caller, address court);
    /// @notice Thrown when there is not enough gas left to give the callback its full gas cap.
    error HubCallbackGasShort(uint256 jobId, uint256 gasLeft, uint256 needed);
    /// @notice Thrown when the token moved a different amount than asked (fee-on-transfer tokens).
    error HubTransferMismatch(uint256 expected, uint256 received);
    /// @notice Thrown when an account with nothing to withdraw calls withdraw.
    error HubNothingToWithdraw(address account);
    /// @notice Thrown when a governance parameter is out of its bounds.
    error HubInvalidParameter(bytes32 name, uint256 value);

    // ------------------------------------------------------------------ events

    event JobRequested(
        uint256 indexed jobId,
        address indexed requester,
        address indexed node,
        uint32 modelId,
        uint32 version,
        TrustLevel level,
        uint96 fee,
        uint40 deadline,
        address consumer,
        int256[] input
    );
    event ResultSubmitted(uint256 indexed jobId, address indexed node, TrustLevel level, int256[] output);
    event JobSettled(
        uint256 indexed jobId, address indexed node, bytes32 outputHash, uint256 nodeAmount, uint256 royalty, uint256 protocolFee
    );
    event JobRefunded(uint256 indexed jobId, address indexed requester, uint256 fee, RefundReason reason);
    event NodePenalized(uint256 indexed jobId, address indexed node, uint256 slashed, Penalty reason);
    /// @notice The court opened a committee dispute; the hub holds the bond.
    event DisputeOpened(uint256 indexed jobId, address indexed challenger, uint256 bond);
    /// @notice The court's verdict was applied.
    event DisputeClosed(uint256 indexed jobId, Verdict verdict, uint256 challengerPaid, uint256 votersPaid);
    /// @notice `settler` ran the callback and was paid `gasPayment` from the fee for its gas.
    event CallbackDelivered(
        uint256 indexed jobId, address indexed consumer, bool success, address indexed settler, uint256 gasPayment
    );
    event Withdrawn(address indexed account, address indexed to, uint256 amount);
    /// @notice New parameters, in force for jobs from `firstJobId` on.
    event ParametersChanged(uint256 indexed termsId, uint256 firstJobId, Parameters parameters);
    event CourtSet(address indexed court);

    // ------------------------------------------------------------------ requester

    /// @notice Escrows `p.fee` from the caller and assigns a node. Returns the job id.
    function request(RequestParams calldata p) external returns (uint256 jobId);

    /// @notice {request} after an EIP-2612 permit for the fee (a failed permit is ignored when the
    ///         allowance already suffices, so a front-run permit cannot block the request).
    function requestWithPermit(RequestParams calldata p, uint256 permitDeadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (uint256 jobId);

    /// @notice Refunds the requester of a job whose deadline passed without a result, and slashes
    ///         and jails its node (unless governance disabled the node's enclave during a TEE job).
    ///         Anyone may call.
    function claimTimeout(uint256 jobId) external;

    // ------------------------------------------------------------------ nodes

    /// @notice VANILLA: the assigned node posts its output; it stands after the challenge window.
    function submitResult(uint256 jobId, int256[] calldata output) external;

    /// @notice TEE: the assigned node posts its output with an EIP-712 signature (see
    ///         {resultDigest}) by an enclave key admitted for it. Settles at once.
    function submitTeeResult(uint256 jobId, int256[] calldata output, bytes calldata signature) external;

    /// @notice ZK: the assigned node posts its output with a proof for (job, node, model, input,
    ///         output). Settles at once.
    function submitZkResult(uint256 jobId, int256[] calldata input, int256[] calldata output, bytes calldata proof)
        external;

    /// @notice VANILLA: settles an undisputed job after its window. Anyone may call; `output` must
    ///         be the posted one (it is passed to the consumer).
    function finalize(uint256 jobId, int256[] calldata output) external;

    // ------------------------------------------------------------------ disputes

    /// @notice Court only: opens a dispute by `challenger` of a VANILLA result and takes the bond
    ///         from `challenger`. For a release without a verifier (a committee dispute) it holds
    ///         the job's pool from block `seedBlock` (whose hash seeds the draw) until the draw; for
    ///         a release with one (a fraud proof the court has checked) `seedBlock` must be 0.
    function openDispute(uint256 jobId, address challenger, uint64 seedBlock) external returns (DisputeTerms memory);

    /// @notice Court only: draws the committee of a disputed job from its pool, without the node
    ///         and the challenger, and locks the members' stake until `lockUntil`.
    function drawCommittee(uint256 jobId, address challenger, uint256 seed, uint40 lockUntil)
        external
        returns (address[] memory committee);

    /// @notice Court only: applies a verdict. `voters` are paid for their work (the majority, or
    ///         every member who revealed when undecided); `absent` members are slashed and jailed;
    ///         `output` is the posted output when the node was right (passed to the consumer, whose
    ///         callback gas is paid to `settler`, the account that resolved the dispute).
    function closeDispute(
        uint256 jobId,
        Verdict verdict,
        address challenger,
        address settler,
        address[] calldata voters,
        address[] calldata absent,
        int256[] calldata output
    ) external;

    // ------------------------------------------------------------------ balances

    /// @notice Pays the caller's whole withdrawable balance to the caller.
    function withdraw() external returns (uint256 amount);

    /// @notice Pays the caller's whole withdrawable balance to `to`.
    function withdrawTo(address to) external returns (uint256 amount);

    // ------------------------------------------------------------------ views

    function getJob(uint256 jobId) external view returns (Job memory);

    /// @notice The governance parameters that decide `jobId`'s money and windows: those in force
    ///         when it was requested.
    function termsOf(uint256 jobId) external view returns (Parameters memory);

    /// @notice The consumer a job calls on settlement and the gas it gets (zero when none).
    function callbackOf(uint256 jobId) external view returns (address consumer, uint32 gasLimit);

    /// @notice Withdrawable balance of `account`.
    function balanceOf(address account) external view returns (uint256);

    /// @notice The EIP-712 digest an enclave signs for a TEE result.
    function resultDigest(uint256 jobId, int256[] calldata output) external view returns (bytes32);

    /// @notice The parameters new jobs get.
    function parameters() external view returns (Parameters memory);

    /// @notice The committee court (zero until set at deployment).
    function court() external view returns (address);

    /// @notice The model registry whose releases the hub serves.
    function models() external view returns (IModelRegistry);

    function jobCount() external view returns (uint256);
}
