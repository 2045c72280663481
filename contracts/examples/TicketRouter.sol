// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {InferenceConsumer} from "../consumer/InferenceConsumer.sol";
import {IInferenceHub} from "../interfaces/IInferenceHub.sol";
import {ISoundnessBonds} from "../interfaces/ISoundnessBonds.sol";
import {TrustLevel} from "../libraries/TrustLevels.sol";

/// @title TicketRouter
/// @notice The on-chain customer-service use case: a customer opens a ticket with the bag-of-words
///         features of its text; the router asks the hub for the intent at the trust level the
///         customer pays for, and routes the ticket to that intent's queue when the checked result
///         arrives. If the hub refunds the job (timeout, fraud, undecided dispute), anyone can pass
///         the refund back to the ticket's customer with {claimRefund}: the router is the requester,
///         so the hub credits it. Likewise, if a ZK ticket's release is later proven unsound, the
///         bond's compensation for its job is paid to the router and {claimCompensation} passes it
///         on. An example consumer, not part of the protocol.
contract TicketRouter is InferenceConsumer {
    using SafeERC20 for IERC20;

    /// @dev [customer, intent, routed, refunded]: [160, 8, 8, 8]; [fee, jobId]: [96, 64].
    struct Ticket {
        address customer;
        uint8 intent;
        bool routed;
        bool refunded;
        uint96 fee;
        uint64 jobId;
    }

    error TicketRouterUnknownJob(uint256 jobId);
    error TicketRouterBadIntent(uint256 ticketId, int256 intent);
    error TicketRouterNotRefunded(uint256 ticketId, IInferenceHub.JobStatus status);
    error TicketRouterAlreadyRefunded(uint256 ticketId);
    error TicketRouterNoCompensation(uint256 ticketId, uint8 claimState);

    event TicketOpened(uint256 indexed ticketId, address indexed customer, uint256 indexed jobId, TrustLevel level);
    event TicketRouted(uint256 indexed ticketId, uint8 indexed intent, string queue);
    event TicketRefunded(uint256 indexed ticketId, address indexed customer, uint256 fee);
    event TicketCompensated(uint256 indexed ticketId, address indexed customer, uint256 amount);

    IERC20 public immutable token;
    uint32 public immutable modelId;
    /// @notice The release it asks (`major << 16 | minor`), pinned: "the latest" would follow
    ///         whatever release the model's owner publishes next, with its own verifier and price.
    uint32 public immutable version;
    uint32 public constant CALLBACK_GAS = 100_000;

    string[] private _queues;
    Ticket[] private _tickets;
    mapping(uint256 jobId => uint256 ticketIdPlusOne) private _ticketOfJob;
    mapping(uint8 intent => uint256 count) public queueLength;

    constructor(IInferenceHub hub_, IERC20 token_, uint32 modelId_, uint32 version_, string[] memory queues)
        InferenceConsumer(hub_)
    {
        token = token_;
        modelId = modelId_;
        version = version_;
        _queues = queues;
    }

    /// @notice Opens a ticket: pulls `fee` from the customer and requests the intent from the hub.
    function openTicket(int256[] calldata features, TrustLevel level, uint96 fee, uint40 deadline)
        external
        returns (uint256 ticketId, uint256 jobId)
    {
        token.safeTransferFrom(msg.sender, address(this), fee);
        token.forceApprove(address(hub), fee);
        jobId = hub.request(
            IInferenceHub.RequestParams({
                modelId: modelId,
                version: version,
                level: level,
                fee: fee,
                deadline: deadline,
                consumer: address(this),
                callbackGasLimit: CALLBACK_GAS,
                input: features
            })
        );
        ticketId = _tickets.length;
        // Safe: job ids count requests, far below 2^64.
        _tickets.push(
            Ticket({customer: msg.sender, intent: 0, routed: false, refunded: false, fee: fee, jobId: uint64(jobId)})
        );
        _ticketOfJob[jobId] = ticketId + 1;
        emit TicketOpened(ticketId, msg.sender, jobId, level);
    }

    /// @notice Routes the ticket of a settled job to its predicted intent's queue.
    function _onInferenceResult(uint256 jobId, int256[] calldata output) internal override {
        uint256 slot = _ticketOfJob[jobId];
        if (slot == 0) revert TicketRouterUnknownJob(jobId);
        uint256 ticketId = slot - 1;
        int256 intent = output[0];
        if (intent < 0 || uint256(intent) >= _queues.length) revert TicketRouterBadIntent(ticketId, intent);
        Ticket storage routed = _tickets[ticketId];
        routed.intent = uint8(uint256(intent));
        routed.routed = true;
        ++queueLength[routed.intent];
        emit TicketRouted(ticketId, routed.intent, _queues[routed.intent]);
    }

    /// @notice What the hub charges now for the router's callback gas: add it to the model's price.
    function callbackCost() external view returns (uint256) {
        return uint256(CALLBACK_GAS) * hub.parameters().callbackGasPrice;
    }

    /// @notice Pays a refunded ticket's fee back to its customer. Anyone may call; once per ticket.
    function claimRefund(uint256 ticketId) external {
        Ticket storage t = _tickets[ticketId];
        if (t.refunded) revert TicketRouterAlreadyRefunded(ticketId);
        IInferenceHub.JobStatus status = hub.getJob(t.jobId).status;
        if (status != IInferenceHub.JobStatus.Refunded) revert TicketRouterNotRefunded(ticketId, status);
        t.refunded = true;
        // The hub credits every refund of the router's jobs to the router: collect them, then pay
        // this ticket's share. Others stay here until their tickets are claimed.
        if (hub.balanceOf(address(this)) != 0) hub.withdraw();
        uint256 fee = t.fee;
        emit TicketRefunded(ticketId, t.customer, fee);
        token.safeTransfer(t.customer, fee);
    }

    /// @notice Passes the compensation for a ticket's job, from the soundness bond of a release
    ///         proven unsound, to its customer. The job's claim must be registered
    ///         (ISoundnessBonds.claim, by anyone) and the claim window over. Anyone may call; once
    ///         per ticket (a ticket is refunded or compensated, never both: a compensated job settled).
    function claimCompensation(uint256 ticketId) external {
        Ticket storage t = _tickets[ticketId];
        if (t.refunded) revert TicketRouterAlreadyRefunded(ticketId);
        ISoundnessBonds bonds = ISoundnessBonds(hub.models().soundnessBonds());
        uint256 jobId = t.jobId;
        uint8 state = bonds.claimOf(jobId);
        // Registered: have it paid to the router now; already paid (by anyone): it is here.
        if (state == 1) bonds.payClaim(jobId);
        else if (state != 2) revert TicketRouterNoCompensation(ticketId, state);
        IInferenceHub.Job memory job = hub.getJob(jobId);
        uint256 amount = bonds.forfeitOf(job.modelId, job.version).perJob;
        t.refunded = true;
        emit TicketCompensated(ticketId, t.customer, amount);
        if (amount != 0) token.safeTransfer(t.customer, amount);
    }

    function ticket(uint256 ticketId) external view returns (Ticket memory) {
        return _tickets[ticketId];
    }

    function queue(uint8 intent) external view returns (string memory) {
        return _queues[intent];
    }
}
