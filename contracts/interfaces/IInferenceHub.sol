// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TrustLevel} from "../libraries/TrustLevels.sol";

/// @title IInferenceHub
/// @notice Job escrow and coordinator: a requester escrows a fee for one inference at a chosen trust
///         level; the hub draws a staked node, checks its result at that level, settles the fee
///         (node, model owner, protocol) into withdrawable balances, and refunds and slashes when
///         the node misses its deadline or is proven wrong.
interface IInferenceHub {
    enum JobStatus {
        None,
        /// Escrowed and assigned; waiting for the node's result.
        Requested,
        /// VANILLA only: result posted; final after the challenge window unless challenged.
        Submitted,
        /// VANILLA only: disputed; decided by a proof or by a committee vote.
        Challenged,
        /// Terminal: the fee was paid out.
        Settled,
        /// Terminal: the fee went back to the requester (timeout, fraud, or undecided challenge).
        Refunded
    }

    enum ChallengeMode {
        None,
        /// The model has a verifier: a ZK proof of the true output decides.
        Proof,
        /// The model has no verifier: a committee of other nodes re-executes and votes.
        Committee
    }

    enum RefundReason {
        Timeout,
        Fraud,
        Undecided
    }

    /// @notice What a requester asks for.
    struct RequestParams {
        uint32 modelId;
        /// major << 16 | minor; 0 = the latest release.
        uint32 version;
        TrustLevel level;
        /// The whole fee to escrow: at least the model's price at `level`; the rest is a tip.
        uint96 fee;
        /// Unix time by which the node must deliver.
        uint40 deadline;
        /// Contract to call with the result, or zero for none.
        address consumer;
        /// Gas the consumer's callback gets (zero when there is no consumer).
        uint32 callbackGasLimit;
        /// The model input as fixed-point integers (real value * 2^scaleBits).
        int256[] input;
    }

    /// @notice A job as stored.
    /// @dev Packing: [requester, fee, level, status] = [160, 80, 8, 8] = 256;
    ///      [node, modelId, version, deadline] = [160, 32, 32, 32] = 256; [inputHash]; [outputHash]
    ///      (VANILLA only). A request writes three fresh slots. The release's royalty and output size
    ///      are read from the registry when needed (releases never change), and a consumer with its
    ///      gas cap lives apart ({callbackOf}), written only for jobs that have one.
    ///      For a VANILLA job, `deadline` holds the end of the challenge window once a result is in.
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

    /// @notice A dispute of a VANILLA result.
    /// @dev Packing: [challenger, bond] = [160, 96]; [resolveBy, mode, votes] = [40, 8, 8].
    struct Challenge {
        address challenger;
        uint96 bond;
        uint40 resolveBy;
        ChallengeMode mode;
        uint8 votes;
    }

    /// @notice Governance parameters.
    struct Parameters {
        /// Receives the protocol fee and timeout slashes.
        address treasury;
        /// Share of each fee kept by the protocol, in basis points.
        uint16 protocolFeeBps;
        /// How long a VANILLA result can be challenged.
        uint40 challengeWindow;
        /// How long a challenge has to be decided.
        uint40 resolutionWindow;
        /// Latest deadline a request may set, counted from the request.
        uint40 maxJobDuration;
        /// Bond a challenger posts.
        uint96 challengeBond;
        /// Stake taken from a node that misses its deadline.
        uint96 timeoutSlash;
        /// Stake taken from a node proven wrong.
        uint96 fraudSlash;
        /// Nodes drawn to re-execute a challenged job of a model without a verifier.
        uint8 committeeSize;
        /// Largest callback gas a request may ask for.
        uint32 maxCallbackGas;
    }

    // ------------------------------------------------------------------ errors

    /// @notice Thrown when the fee offered is below the model's price at the level.
    error HubFeeTooLow(uint32 modelId, uint32 version, TrustLevel level, uint256 offered, uint256 required);
    /// @notice Thrown when the deadline is not in the future.
    error HubDeadlineInPast(uint256 deadline, uint256 now_);
    /// @notice Thrown when the deadline is further than the maximum job duration.
    error HubDeadlineTooFar(uint256 deadline, uint256 latest);
    /// @notice Thrown when the input does not have the release's input size.
    error HubInputLength(uint32 modelId, uint32 version, uint256 expected, uint256 actual);
    /// @notice Thrown when an output does not have the release's output size.
    error HubOutputLength(uint256 jobId, uint256 expected, uint256 actual);
    /// @notice Thrown when the callback gas is above the maximum, or set without a consumer.
    error HubCallbackGas(uint256 requested, uint256 max);
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
    /// @notice Thrown when a VANILLA job is challenged after its challenge window has closed.
    error HubChallengeWindowClosed(uint256 jobId, uint256 endedAt, uint256 now_);
    /// @notice Thrown when the assigned node challenges its own result.
    error HubSelfChallenge(uint256 jobId, address node);
    /// @notice Thrown when a challenge cannot get a committee (no other eligible node).
    error HubNoCommittee(uint256 jobId);
    /// @notice Thrown when a challenge call does not fit the challenge's mode.
    error HubWrongChallengeMode(uint256 jobId, ChallengeMode mode, ChallengeMode expected);
    /// @notice Thrown when a challenge is acted on after (or expired before) its resolution deadline.
    error HubResolutionWindow(uint256 jobId, uint256 resolveBy, uint256 now_);
    /// @notice Thrown when a vote comes from outside the committee.
    error HubNotInCommittee(uint256 jobId, address voter);
    /// @notice Thrown when a committee member votes twice.
    error HubAlreadyVoted(uint256 jobId, address voter);
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
    event NodePenalized(uint256 indexed jobId, address indexed node, uint256 slashed, RefundReason reason);
    event ChallengeOpened(
        uint256 indexed jobId, address indexed challenger, uint96 bond, ChallengeMode mode, address[] committee, uint40 resolveBy
    );
    event VoteCast(uint256 indexed jobId, address indexed voter, bytes32 outputHash);
    event ChallengeResolved(uint256 indexed jobId, bool fraud, bytes32 decidedOutputHash);
    event CallbackDelivered(uint256 indexed jobId, address indexed consumer, bool success);
    event Withdrawn(address indexed account, address indexed to, uint256 amount);
    event ParametersChanged(Parameters parameters);

    // ------------------------------------------------------------------ requester

    /// @notice Escrows `p.fee` from the caller and assigns a node. Returns the job id.
    function request(RequestParams calldata p) external returns (uint256 jobId);

    /// @notice {request} after an EIP-2612 permit for the fee (a failed permit is ignored when the
    ///         allowance already suffices, so a front-run permit cannot block the request).
    function requestWithPermit(RequestParams calldata p, uint256 permitDeadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (uint256 jobId);

    /// @notice Refunds the requester and slashes the node of a job whose deadline passed without a
    ///         result. Anyone may call.
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

    /// @notice VANILLA: settles an unchallenged job after its window. Anyone may call; `output` must
    ///         be the posted one (it is passed to the consumer).
    function finalize(uint256 jobId, int256[] calldata output) external;

    // ------------------------------------------------------------------ challenges

    /// @notice VANILLA: disputes a posted result during the challenge window, with a bond.
    function challenge(uint256 jobId) external;

    /// @notice Decides a challenge of a model with a verifier: a proof of the true output, made for
    ///         the caller. The node wins when it equals the posted output, else it is slashed.
    function resolveWithProof(uint256 jobId, int256[] calldata input, int256[] calldata output, bytes calldata proof)
        external;

    /// @notice A committee member's re-executed output. A strict majority decides at once.
    function vote(uint256 jobId, int256[] calldata output) external;

    /// @notice Ends a challenge past its resolution deadline: in Proof mode the node, which could not
    ///         prove its output, is slashed; in Committee mode without a majority the fee and the
    ///         bond go back and nobody is slashed. Anyone may call.
    function expireChallenge(uint256 jobId) external;

    // ------------------------------------------------------------------ balances

    /// @notice Pays the caller's whole withdrawable balance to the caller.
    function withdraw() external returns (uint256 amount);

    /// @notice Pays the caller's whole withdrawable balance to `to`.
    function withdrawTo(address to) external returns (uint256 amount);

    // ------------------------------------------------------------------ views

    function getJob(uint256 jobId) external view returns (Job memory);

    /// @notice The consumer a job calls on settlement and the gas it gets (zero when none).
    function callbackOf(uint256 jobId) external view returns (address consumer, uint32 gasLimit);

    function getChallenge(uint256 jobId) external view returns (Challenge memory, address[] memory committee);

    /// @notice Withdrawable balance of `account`.
    function balanceOf(address account) external view returns (uint256);

    /// @notice The EIP-712 digest an enclave signs for a TEE result.
    function resultDigest(uint256 jobId, int256[] calldata output) external view returns (bytes32);

    function parameters() external view returns (Parameters memory);

    function jobCount() external view returns (uint256);
}
