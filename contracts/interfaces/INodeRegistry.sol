// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TrustLevel} from "../libraries/TrustLevels.sol";

/// @title INodeRegistry
/// @notice Staked compute nodes: they join with a stake, declare the exact releases (model id and
///         version, `modelId << 32 | version`) and trust levels they serve, are drawn for jobs with probability proportional to stake, and leave through an
///         unbonding delay. Only the hub draws, slashes and jails.
interface INodeRegistry {
    enum NodeStatus {
        None,
        /// Joined and staked; drawn only after {activate}.
        Pending,
        Active,
        /// Leaving: never drawn; the stake is withdrawable after the unbonding delay.
        Unbonding
    }

    struct NodeInfo {
        NodeStatus status;
        uint96 stake;
        /// Bit mask of {TrustLevel}s served.
        uint8 levels;
        uint40 activatesAt;
        uint40 unbondsAt;
        uint40 jailedUntil;
        /// The stake cannot be withdrawn before this time: jobs assigned to the node are open.
        uint40 lockedUntil;
        /// Releases served, each `modelId << 32 | version`.
        uint64[] releases;
        /// Most jobs awaiting this node's result at once ({setCapacity}; DEFAULT_CAPACITY until set).
        uint8 capacity;
        /// Jobs awaiting its result now.
        uint8 busy;
        /// Its VANILLA jobs not yet ended (awaiting a result, in the challenge window or disputed).
        uint8 exposed;
    }

    /// @notice Thrown when the stake offered is below the minimum.
    error NodeStakeTooLow(uint256 stake, uint256 minStake);
    /// @notice Thrown when the caller's node is not in the status the call needs.
    error NodeWrongStatus(address node, NodeStatus status, NodeStatus expected);
    /// @notice Thrown when {activate} is called before the activation delay has passed.
    error NodeNotYetActive(address node, uint256 activatesAt, uint256 now_);
    /// @notice Thrown when {withdrawStake} is called before the stake unlocks.
    error NodeStakeLocked(address node, uint256 unlocksAt, uint256 now_);
    /// @notice Thrown when {unjail} is called before the jail time has passed.
    error NodeStillJailed(address node, uint256 jailedUntil, uint256 now_);
    /// @notice Thrown when {unjail} is called by a node that is not jailed.
    error NodeNotJailed(address node);
    /// @notice Thrown when a node declares no release, too many, an unknown one, version 0 or a duplicate.
    error NodeInvalidReleases(uint256 count, uint32 modelId, uint32 version);
    /// @notice Thrown when a node declares no trust level or an unknown one.
    error NodeInvalidLevels(uint8 levels);
    /// @notice Thrown when a hub-only function is called by anyone else.
    error NodeOnlyHub(address caller);
    /// @notice Thrown when the hub is set twice.
    error NodeHubAlreadySet(address hub);
    /// @notice Thrown when a zero address is given where one is needed.
    error NodeZeroAddress();
    /// @notice Thrown when no node serves release `version` of `modelId` at `level`.
    error NodeNoneEligible(uint32 modelId, uint32 version, TrustLevel level);
    /// @notice Thrown when the token moved a different amount than asked (fee-on-transfer tokens).
    error NodeTransferMismatch(uint256 expected, uint256 received);
    /// @notice Thrown when a node's weight would change in a VANILLA pool held for a pending
    ///         committee draw whose seed block is mined (until the draw, or until `until`).
    error NodePoolHeld(uint32 modelId, uint32 version, uint64 fromBlock, uint40 until);
    /// @notice Thrown when a governance parameter is out of its bounds.
    error NodeInvalidParameter(bytes32 name, uint256 value);
    /// @notice Thrown when every node of the pool that the draw met is at its capacity, or has no
    ///         stake left to answer for one more VANILLA result: try later, or another level.
    error NodePoolBusy(uint32 modelId, uint32 version, TrustLevel level);
    /// @notice Thrown when a node withdraws while jobs drawn to it have not ended (anyone may end them).
    error NodeJobsOpen(address node, uint256 busy, uint256 exposed);
    /// @notice Thrown when a capacity of zero is declared.
    error NodeInvalidCapacity(uint8 capacity);
    /// @notice Thrown when a committee dispute is opened on a pool where no node other than the
    ///         disputed node and the challenger could sit, or a VANILLA job is requested from a
    ///         pool of one (nobody could judge its result).
    error NodeNoJurors(uint32 modelId, uint32 version);

    event NodeJoined(address indexed node, uint256 stake, uint8 levels, uint64[] releases, uint256 activatesAt);
    event NodeActivated(address indexed node);
    event NodeServicesChanged(address indexed node, uint8 levels, uint64[] releases);
    event StakeAdded(address indexed node, uint256 amount, uint256 stake);
    event UnbondingStarted(address indexed node, uint256 unbondsAt);
    event StakeWithdrawn(address indexed node, uint256 amount);
    event NodeSlashed(address indexed node, uint256 amount, uint256 stakeLeft);
    event NodeJailed(address indexed node, uint256 until);
    event NodeUnjailed(address indexed node);
    event HubSet(address indexed hub);
    event CapacitySet(address indexed node, uint8 capacity);
    /// @notice A committee draw for `jobId` is pending in the model's VANILLA pool: its weights are
    ///         held from block `fromBlock` on until the draw (or `until`).
    event PoolHeld(uint64 indexed release, uint256 indexed jobId, uint64 fromBlock, uint40 until);
    event ParametersChanged(uint256 minStake, uint256 activationDelay, uint256 unbondingDelay, uint256 jailPeriod);

    /// @notice Step one of joining: stakes `amount` and declares the releases and levels it serves.
    ///         The node can be drawn after {activate}, once the activation delay has passed. A new
    ///         release of a model is not served until the node names it ({setServices}).
    function join(uint96 amount, uint64[] calldata releases, uint8 levels) external;

    /// @notice Step two of joining: makes a pending node drawable.
    function activate() external;

    /// @notice Adds stake (and draw weight) to the caller's node.
    function addStake(uint96 amount) external;

    /// @notice Replaces the releases and levels the caller's node serves.
    function setServices(uint64[] calldata releases, uint8 levels) external;

    /// @notice Declares how many jobs the node can have awaiting its result at once (1 to 255). A
    ///         node at capacity is not drawn, so a flood of requests is refused instead of turned
    ///         into missed deadlines. Its stake bounds it too: DEFAULT_CAPACITY jobs per minimum stake.
    function setCapacity(uint8 capacity) external;

    /// @notice Step one of leaving: the node is no longer drawn; its stake unlocks after the
    ///         unbonding delay and after every job assigned to it has closed.
    function beginUnbonding() external;

    /// @notice Step two of leaving: withdraws the whole stake and forgets the node.
    function withdrawStake() external;

    /// @notice Makes a jailed node drawable again once its jail time has passed.
    function unjail() external;

    /// @notice Draws a node for a job, weighted by stake, among the nodes below their capacity and,
    ///         when `exposure` is not zero (a VANILLA job: what a lie would be slashed), with stake
    ///         for one more: (exposed + 1) * exposure <= stake, so every open VANILLA result is
    ///         backed by a whole fraud slash. Counts the job as busy (and exposed) and locks the
    ///         node's stake until `lockUntil`. With `judged` (a VANILLA job whose disputes go to a
    ///         committee), reverts with {NodeNoJurors} unless the pool holds another node that
    ///         could judge it. Only the hub.
    function drawNode(uint64 release, TrustLevel level, uint256 seed, uint40 lockUntil, bool judged, uint256 exposure)
        external
        returns (address);

    /// @notice A job of `node` stopped awaiting its result (`busy`: it was served, refunded or
    ///         timed out) and/or stopped exposing its stake (`exposed`: a VANILLA job ended). Only the hub.
    function freeSlot(address node, bool busy, bool exposed) external;

    /// @notice The slash of a missed deadline: takes up to `amount` and jails the node, unless it is
    ///         jailed already (not yet unjailed): one timeout slash per jail, however many of its
    ///         jobs an outage or a flood made it miss. Returns what was taken. Only the hub.
    function penalizeTimeout(address node, uint256 amount) external returns (uint256 slashed);

    /// @notice Draws `size` seats among the nodes other than `excludeA` and `excludeB`, each seat
    ///         an independent draw weighted by the stored pool weights (sampling with replacement:
    ///         a node may hold several seats, and its votes count once per seat), and locks the
    ///         members' stake until `lockUntil`. The weights are those of the seed block (the pool
    ///         is held since), so a node jailed after it keeps its chance of a seat. Returns no
    ///         seat only when no other node has weight. Only the hub.
    function drawCommittee(
        uint64 release,
        TrustLevel level,
        uint256 seed,
        address excludeA,
        address excludeB,
        uint256 size,
        uint40 lockUntil
    ) external returns (address[] memory);

    /// @notice Takes up to `amount` of `node`'s stake and sends it to the hub. Returns what was
    ///         taken. Only the hub. Constant gas: the node's pools catch up lazily.
    function slash(address node, uint256 amount) external returns (uint256 slashed);

    /// @notice Stops `node` from being drawn for the jail period. Only the hub. Constant gas.
    function jail(address node) external;

    /// @notice Keeps `node`'s stake locked until at least `until` (a dispute of its result). Only the hub.
    function extendLock(address node, uint40 until) external;

    /// @notice Holds the release's VANILLA pool for a committee draw seeded by the hash of block
    ///         `seedBlock`: once that block is mined, no weight in the pool may change (stake,
    ///         services, activation, unbonding, unjailing, sync) until the draw releases it or
    ///         `until` passes, so nobody can grind the committee once the seed is known. Only the hub.
    ///         Reverts with {NodeNoJurors} when no node other than `node` and `challenger` has
    ///         weight in the pool: nobody could judge the dispute.
    function holdPool(uint256 jobId, uint64 release, uint64 seedBlock, uint40 until, address node, address challenger)
        external;

    /// @notice Releases `jobId`'s hold (after its draw, or when its dispute ends undrawn); a no-op
    ///         when it holds nothing. Only the hub.
    function releasePool(uint256 jobId) external;

    /// @notice Whether the release's VANILLA pool is held now.
    function isHeld(uint64 release) external view returns (bool);

    /// @notice Sets `node`'s weight right in every pool it serves (after a slash or jail, which
    ///         update only its record). Anyone may call; draws also fix the entries they land on.
    function sync(address node) external;

    /// @notice The node's record.
    function getNode(address node) external view returns (NodeInfo memory);

    /// @notice The draw weight of `node` for `release` at `level` (zero when not drawable, even
    ///         before its pools caught up).
    function weightOf(address node, uint64 release, TrustLevel level) external view returns (uint256);

    /// @notice The total draw weight and number of nodes ever added for `release` at `level`.
    function poolOf(uint64 release, TrustLevel level) external view returns (uint256 totalWeight, uint256 size);
}
