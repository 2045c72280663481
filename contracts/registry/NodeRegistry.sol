// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {INodeRegistry} from "../interfaces/INodeRegistry.sol";
import {StakeTree} from "../libraries/StakeTree.sol";
import {TrustLevel, TrustLevels} from "../libraries/TrustLevels.sol";

/// @title NodeRegistry
/// @notice Stake, services and draw pools of compute nodes. One {StakeTree} per (release, level)
///         holds the stake of every node that opted into that exact release, so a node's stake
///         answers only for releases it named, and a draw costs O(log n) storage reads.
/// @dev The hub's slash and jail change only the node's record (constant gas, however many pools
///      it serves); its pool weights catch up lazily: a draw that lands on a node whose weight is
///      out of date sets it right and draws again, and anyone may {sync} a node's pools.
contract NodeRegistry is INodeRegistry, Ownable2Step, ReentrancyGuard {
    using SafeERC20 for IERC20;
    using StakeTree for StakeTree.Tree;

    /// @notice Most releases one node may serve (bounds the gas of stake updates).
    uint256 public constant MAX_RELEASES_PER_NODE = 16;
    /// @notice Most nodes one challenge committee may have.
    uint256 public constant MAX_COMMITTEE = 15;
    /// @notice Longest delay governance may set for activation, unbonding or jail.
    uint256 public constant MAX_DELAY = 90 days;
    /// @notice Most entries a request's draw skips (out of date in a held pool, or busy) before it gives up.
    uint256 public constant MAX_STALE_SKIPS = 16;
    /// @notice Jobs a node may have awaiting its result at once until it declares its own capacity.
    uint8 public constant DEFAULT_CAPACITY = 8;

    /// @dev A VANILLA pool's hold while committee draws are pending: [fromBlock, until, pending,
    ///      epoch] = [64, 40, 32, 32] = 168. Weights cannot change once block `fromBlock` (a pending
    ///      draw's seed block) is mined, until the draws are done or `until` passes. A hold that
    ///      expired is started afresh (a new epoch), so a dispute left undrawn cannot keep later
    ///      holds alive, and its late release cannot end a newer hold.
    struct Hold {
        uint64 fromBlock;
        uint40 until;
        uint32 pending;
        uint32 epoch;
    }

    struct Node {
        // [stake, status, levels, statusUntil, jailedUntil, lockedUntil, capacity, busy, exposed]:
        // [96, 8, 8, 40, 40, 40, 8, 8, 8] = 256. One slot, so the draw's lock and counts rewrite
        // one nonzero slot.
        uint96 stake;
        NodeStatus status;
        uint8 levels;
        /// Pending: when the node may activate. Unbonding: when the stake unbonds.
        uint40 statusUntil;
        uint40 jailedUntil;
        uint40 lockedUntil;
        /// Declared capacity (0: DEFAULT_CAPACITY).
        uint8 capacity;
        /// Jobs awaiting its result.
        uint8 busy;
        /// VANILLA jobs not yet ended.
        uint8 exposed;
        /// The releases served, each `modelId << 32 | version`.
        uint64[] releases;
    }

    IERC20 public immutable token;
    IModelRegistry public immutable models;
    address public hub;

    uint96 public minStake;
    uint40 public activationDelay;
    uint40 public unbondingDelay;
    uint40 public jailPeriod;

    mapping(address node => Node) private _nodes;
    mapping(uint256 poolKey => StakeTree.Tree) private _pools;
    mapping(uint256 poolKey => Hold) private _holds;
    /// @dev The pool a disputed job holds, plus one, and the hold's epoch: [keyPlusOne, epoch] at
    ///      bits [0, 128) and [128, 160) (zero: none).
    mapping(uint256 jobId => uint256 held) private _heldBy;

    modifier onlyHub() {
        if (msg.sender != hub) revert NodeOnlyHub(msg.sender);
        _;
    }

    constructor(
        address owner_,
        IERC20 token_,
        IModelRegistry models_,
        uint96 minStake_,
        uint40 activationDelay_,
        uint40 unbondingDelay_,
        uint40 jailPeriod_
    ) Ownable(owner_) {
        if (address(token_) == address(0) || address(models_) == address(0)) revert NodeZeroAddress();
        token = token_;
        models = models_;
        _setParameters(minStake_, activationDelay_, unbondingDelay_, jailPeriod_);
    }

    // ---------------------------------------------------------------- governance

    /// @notice Sets the hub once. Only the owner.
    function setHub(address hub_) external onlyOwner {
        if (hub != address(0)) revert NodeHubAlreadySet(hub);
        if (hub_ == address(0)) revert NodeZeroAddress();
        hub = hub_;
        emit HubSet(hub_);
    }

    /// @notice Sets the staking parameters. Only the owner. A new minimum applies to a node at its
    ///         next stake change, activation or unjail.
    function setParameters(uint96 minStake_, uint40 activationDelay_, uint40 unbondingDelay_, uint40 jailPeriod_)
        external
        onlyOwner
    {
        _setParameters(minStake_, activationDelay_, unbondingDelay_, jailPeriod_);
    }

    // ---------------------------------------------------------------- node operators

    /// @inheritdoc INodeRegistry
    function join(uint96 amount, uint64[] calldata releases, uint8 levels) external nonReentrant {
        Node storage node = _nodes[msg.sender];
        if (node.status != NodeStatus.None) revert NodeWrongStatus(msg.sender, node.status, NodeStatus.None);
        if (amount < minStake) revert NodeStakeTooLow(amount, minStake);
        _checkServices(releases, levels);
        _pull(amount);
        uint40 activatesAt = uint40(block.timestamp) + activationDelay;
        node.stake = amount;
        node.status = NodeStatus.Pending;
        node.levels = levels;
        node.statusUntil = activatesAt;
        node.releases = releases;
        emit NodeJoined(msg.sender, amount, levels, releases, activatesAt);
    }

    /// @inheritdoc INodeRegistry
    function activate() external {
        Node storage node = _nodeWithStatus(msg.sender, NodeStatus.Pending);
        if (block.timestamp < node.statusUntil) revert NodeNotYetActive(msg.sender, node.statusUntil, block.timestamp);
        if (node.stake < minStake) revert NodeStakeTooLow(node.stake, minStake);
        node.status = NodeStatus.Active;
        _sync(msg.sender, node);
        emit NodeActivated(msg.sender);
    }

    /// @inheritdoc INodeRegistry
    function addStake(uint96 amount) external nonReentrant {
        Node storage node = _nodes[msg.sender];
        NodeStatus status = node.status;
        if (status != NodeStatus.Active && status != NodeStatus.Pending) {
            revert NodeWrongStatus(msg.sender, status, NodeStatus.Active);
        }
        _pull(amount);
        uint96 stake = node.stake + amount;
        node.stake = stake;
        _sync(msg.sender, node);
        emit StakeAdded(msg.sender, amount, stake);
    }

    /// @inheritdoc INodeRegistry
    function setServices(uint64[] calldata releases, uint8 levels) external {
        Node storage node = _nodes[msg.sender];
        NodeStatus status = node.status;
        if (status != NodeStatus.Active && status != NodeStatus.Pending) {
            revert NodeWrongStatus(msg.sender, status, NodeStatus.Active);
        }
        _checkServices(releases, levels);
        _setWeight(msg.sender, node, 0);
        node.releases = releases;
        node.levels = levels;
        _sync(msg.sender, node);
        emit NodeServicesChanged(msg.sender, levels, releases);
    }

    /// @inheritdoc INodeRegistry
    function setCapacity(uint8 capacity) external {
        Node storage node = _nodes[msg.sender];
        if (node.status == NodeStatus.None) revert NodeWrongStatus(msg.sender, NodeStatus.None, NodeStatus.Active);
        if (capacity == 0) revert NodeInvalidCapacity(capacity);
        node.capacity = capacity;
        emit CapacitySet(msg.sender, capacity);
    }

    /// @inheritdoc INodeRegistry
    function beginUnbonding() external {
        Node storage node = _nodes[msg.sender];
        NodeStatus status = node.status;
        if (status != NodeStatus.Active && status != NodeStatus.Pending) {
            revert NodeWrongStatus(msg.sender, status, NodeStatus.Active);
        }
        _setWeight(msg.sender, node, 0);
        uint40 unbondsAt = uint40(block.timestamp) + unbondingDelay;
        node.status = NodeStatus.Unbonding;
        node.statusUntil = unbondsAt;
        emit UnbondingStarted(msg.sender, unbondsAt);
    }

    /// @inheritdoc INodeRegistry
    function withdrawStake() external nonReentrant {
        Node storage node = _nodeWithStatus(msg.sender, NodeStatus.Unbonding);
        uint256 unlocksAt = node.statusUntil > node.lockedUntil ? node.statusUntil : node.lockedUntil;
        if (block.timestamp < unlocksAt) revert NodeStakeLocked(msg.sender, unlocksAt, block.timestamp);
        // Its jobs must have ended first (anyone can end them: finalize, claimTimeout, resolve), so
        // that a record rejoined from the same address never starts with counts its old jobs lower.
        if (node.busy != 0 || node.exposed != 0) revert NodeJobsOpen(msg.sender, node.busy, node.exposed);
        uint256 amount = node.stake;
        delete _nodes[msg.sender];
        emit StakeWithdrawn(msg.sender, amount);
        if (amount != 0) token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc INodeRegistry
    function unjail() external {
        Node storage node = _nodes[msg.sender];
        if (node.jailedUntil == 0) revert NodeNotJailed(msg.sender);
        if (block.timestamp < node.jailedUntil) revert NodeStillJailed(msg.sender, node.jailedUntil, block.timestamp);
        if (node.stake < minStake) revert NodeStakeTooLow(node.stake, minStake);
        node.jailedUntil = 0;
        _sync(msg.sender, node);
        emit NodeUnjailed(msg.sender);
    }

    // ---------------------------------------------------------------- hub

    /// @inheritdoc INodeRegistry
    function drawNode(uint64 release, TrustLevel level, uint256 seed, uint40 lockUntil, bool judged, uint256 exposure)
        external
        onlyHub
        returns (address node)
    {
        uint256 key = _poolKey(release, level);
        StakeTree.Tree storage pool = _pools[key];
        bool busy;
        (node, busy) = _drawFree(pool, _isHeld(key), seed, exposure);
        if (node == address(0)) {
            if (busy) revert NodePoolBusy(_modelOf(release), _versionOf(release), level);
            revert NodeNoneEligible(_modelOf(release), _versionOf(release), level);
        }
        // Checked after the draw, which set right the out-of-date entries it met.
        if (judged && pool.live < 2) revert NodeNoJurors(_modelOf(release), _versionOf(release));
        Node storage record = _nodes[node];
        // Cannot overflow: _canTake checked busy < capacity <= 255 and, with an exposure, exposed < 255.
        ++record.busy;
        if (exposure != 0) ++record.exposed;
        _lock(node, lockUntil);
    }

    /// @dev Draws by stake until it lands on a node that is up to date and can take the job.
    ///      Out-of-date entries (jailed, slashed or below a raised minimum since their last sync)
    ///      are set right and drawn again; in a held pool, where no weight may change (see
    ///      holdPool), they are skipped in memory instead, as are nodes that cannot take the job.
    ///      Each pass removes one entry from the draw, so the loop ends. Returns the zero address
    ///      when none is left (or MAX_STALE_SKIPS were skipped), and whether a busy node was met.
    function _drawFree(StakeTree.Tree storage pool, bool held, uint256 seed, uint256 exposure)
        private
        returns (address node, bool busy)
    {
        uint256[] memory skipped = new uint256[](MAX_STALE_SKIPS);
        uint256[] memory skippedWeights = new uint256[](MAX_STALE_SKIPS);
        uint256 count;
        uint256 skippedTotal;
        while (pool.total() > skippedTotal && count < MAX_STALE_SKIPS) {
            node = pool.drawExcluding(seed, skipped, skippedWeights, count, skippedTotal);
            Node storage record = _nodes[node];
            uint256 weight = _weightOf(record);
            bool stale = pool.weightOf(node) != weight;
            if (stale && !held) {
                pool.set(node, weight);
            } else if (stale || !_canTake(record, exposure)) {
                busy = busy || !stale;
                (count, skippedTotal) = _exclude(pool, node, skipped, skippedWeights, count, skippedTotal);
            } else {
                return (node, busy);
            }
            seed = uint256(keccak256(abi.encode(seed)));
        }
        return (address(0), busy);
    }

    /// @dev Whether the node has room for one more job, and (with `exposure`) stake for one more
    ///      VANILLA result. Room beyond DEFAULT_CAPACITY jobs per minimum stake needs more stake:
    ///      a node that abandons its jobs is slashed once per jail, so the jobs it can hold at once
    ///      must grow with what it has at stake, not with what it declares.
    function _canTake(Node storage record, uint256 exposure) private view returns (bool) {
        uint256 capacity = record.capacity == 0 ? DEFAULT_CAPACITY : record.capacity;
        uint256 busy = record.busy;
        if (busy >= capacity || (busy + 1) * minStake > uint256(record.stake) * DEFAULT_CAPACITY) return false;
        if (exposure == 0) return true;
        uint256 exposed = record.exposed;
        return exposed < type(uint8).max && (exposed + 1) * exposure <= record.stake;
    }

    /// @inheritdoc INodeRegistry
    function freeSlot(address node, bool busy, bool exposed) external onlyHub {
        Node storage record = _nodes[node];
        if (busy && record.busy != 0) --record.busy;
        if (exposed && record.exposed != 0) --record.exposed;
    }

    /// @inheritdoc INodeRegistry
    function penalizeTimeout(address node, uint256 amount) external onlyHub nonReentrant returns (uint256 slashed) {
        Node storage record = _nodes[node];
        if (record.jailedUntil != 0 || record.status == NodeStatus.None) return 0;
        slashed = _slash(node, record, amount);
        _jail(node, record);
    }

    /// @inheritdoc INodeRegistry
    function drawCommittee(
        uint64 release,
        TrustLevel level,
        uint256 seed,
        address excludeA,
        address excludeB,
        uint256 size,
        uint40 lockUntil
    ) external onlyHub returns (address[] memory committee) {
        if (size > MAX_COMMITTEE) size = MAX_COMMITTEE;
        StakeTree.Tree storage pool = _pools[_poolKey(release, level)];
        uint256[] memory excluded = new uint256[](2);
        uint256[] memory weights = new uint256[](2);
        uint256 count;
        uint256 excludedTotal;
        (count, excludedTotal) = _exclude(pool, excludeA, excluded, weights, count, excludedTotal);
        if (excludeB != excludeA) (count, excludedTotal) = _exclude(pool, excludeB, excluded, weights, count, excludedTotal);
        // Nobody left to judge (the hold refused such a pool, but its members may have left before
        // the seed block): no seat is filled.
        if (pool.total() <= excludedTotal) return new address[](0);
        // Sampling with replacement: every seat is an independent draw by stake, so a node's
        // expected share of the votes is its share of the stake, however many addresses it splits
        // that stake over. Members are drawn from the stored weights as they are: those cannot
        // change from the seed block until the draw (the hold), so the committee is the one the
        // seed picks from the pool as it stood at the seed block. A member jailed or slashed since
        // keeps its seats (and may vote): skipping it would let whoever times a jail after the
        // seed is known pick the seats.
        committee = new address[](size);
        for (uint256 i; i < size; ++i) {
            address member = pool.drawExcluding(uint256(keccak256(abi.encode(seed, i))), excluded, weights, count, excludedTotal);
            committee[i] = member;
            _lock(member, lockUntil);
        }
    }

    /// @inheritdoc INodeRegistry
    function slash(address node, uint256 amount) external onlyHub nonReentrant returns (uint256 slashed) {
        return _slash(node, _nodes[node], amount);
    }

    /// @inheritdoc INodeRegistry
    function jail(address node) external onlyHub {
        Node storage record = _nodes[node];
        if (record.status == NodeStatus.None) return;
        _jail(node, record);
    }

    function _slash(address node, Node storage record, uint256 amount) private returns (uint256 slashed) {
        uint96 stake = record.stake;
        slashed = amount < stake ? amount : stake;
        // Cannot underflow: slashed <= stake. The pools catch up lazily (see the contract's notes).
        uint96 left = stake - uint96(slashed);
        record.stake = left;
        emit NodeSlashed(node, slashed, left);
        if (slashed != 0) token.safeTransfer(msg.sender, slashed);
    }

    function _jail(address node, Node storage record) private {
        uint40 until = uint40(block.timestamp) + jailPeriod;
        record.jailedUntil = until;
        // The pools catch up lazily: a jailed node is never drawn (see drawNode).
        emit NodeJailed(node, until);
    }

    /// @inheritdoc INodeRegistry
    function extendLock(address node, uint40 until) external onlyHub {
        _lock(node, until);
    }

    /// @inheritdoc INodeRegistry
    function holdPool(uint256 jobId, uint64 release, uint64 seedBlock, uint40 until, address node, address challenger)
        external
        onlyHub
    {
        uint256 key = _poolKey(release, TrustLevel.VANILLA);
        // Somebody other than the two parties must be able to sit: a challenge nobody could judge
        // is refused, and the result stands (see README, "Who judges a VANILLA result").
        StakeTree.Tree storage pool = _pools[key];
        uint256 jurors = pool.live;
        if (pool.weightOf(node) != 0) --jurors;
        if (challenger != node && pool.weightOf(challenger) != 0) --jurors;
        if (jurors == 0) revert NodeNoJurors(_modelOf(release), _versionOf(release));
        Hold storage h = _holds[key];
        if (h.pending == 0 || block.timestamp > h.until) {
            ++h.epoch;
            h.pending = 0;
            h.fromBlock = seedBlock;
            h.until = until;
        } else {
            if (seedBlock < h.fromBlock) h.fromBlock = seedBlock;
            if (until > h.until) h.until = until;
        }
        ++h.pending;
        // [key + 1, epoch]: the key fits 72 bits.
        _heldBy[jobId] = (key + 1) | (uint256(h.epoch) << 128);
        emit PoolHeld(release, jobId, h.fromBlock, h.until);
    }

    /// @inheritdoc INodeRegistry
    function releasePool(uint256 jobId) external onlyHub {
        uint256 held = _heldBy[jobId];
        if (held == 0) return;
        delete _heldBy[jobId];
        Hold storage h = _holds[uint128(held) - 1];
        // A hold of an earlier epoch has already ended: its count was reset.
        if (h.epoch == uint32(held >> 128) && h.pending != 0) --h.pending;
    }

    /// @inheritdoc INodeRegistry
    function isHeld(uint64 release) external view returns (bool) {
        return _isHeld(_poolKey(release, TrustLevel.VANILLA));
    }

    /// @inheritdoc INodeRegistry
    function sync(address node) external {
        Node storage record = _nodes[node];
        _setWeight(node, record, _weightOf(record));
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc INodeRegistry
    function getNode(address node) external view returns (NodeInfo memory info) {
        Node storage record = _nodes[node];
        info = NodeInfo({
            status: record.status,
            stake: record.stake,
            levels: record.levels,
            activatesAt: record.status == NodeStatus.Pending ? record.statusUntil : 0,
            unbondsAt: record.status == NodeStatus.Unbonding ? record.statusUntil : 0,
            jailedUntil: record.jailedUntil,
            lockedUntil: record.lockedUntil,
            releases: record.releases,
            capacity: record.capacity == 0 ? DEFAULT_CAPACITY : record.capacity,
            busy: record.busy,
            exposed: record.exposed
        });
    }

    /// @inheritdoc INodeRegistry
    function weightOf(address node, uint64 release, TrustLevel level) external view returns (uint256) {
        uint256 stored = _pools[_poolKey(release, level)].weightOf(node);
        return stored == 0 ? 0 : _weightOf(_nodes[node]);
    }

    /// @inheritdoc INodeRegistry
    function poolOf(uint64 release, TrustLevel level) external view returns (uint256 totalWeight, uint256 size) {
        StakeTree.Tree storage pool = _pools[_poolKey(release, level)];
        return (pool.total(), pool.count);
    }

    // ---------------------------------------------------------------- internals

    /// @dev The weight a node should have in its pools: its stake while it is active, unjailed
    ///      and at or above the minimum stake; zero otherwise.
    function _sync(address who, Node storage node) private {
        _setWeight(who, node, _weightOf(node));
    }

    /// @dev The weight a node should have in the pools it serves.
    function _weightOf(Node storage node) private view returns (uint256) {
        bool drawable = node.status == NodeStatus.Active && node.jailedUntil == 0 && node.stake >= minStake;
        return drawable ? node.stake : 0;
    }

    /// @dev Adds `who` (when it is in the pool with a weight) to the in-memory exclusions of a draw.
    function _exclude(
        StakeTree.Tree storage pool,
        address who,
        uint256[] memory excluded,
        uint256[] memory weights,
        uint256 count,
        uint256 total
    ) private view returns (uint256, uint256) {
        uint256 index = pool.indexOfMember(who);
        if (index == 0) return (count, total);
        uint256 weight = pool.weightAt(index);
        if (weight == 0) return (count, total);
        excluded[count] = index;
        weights[count] = weight;
        return (count + 1, total + weight);
    }

    function _setWeight(address who, Node storage node, uint256 weight) private {
        uint64[] storage ids = node.releases;
        uint8 levels = node.levels;
        uint256 count = ids.length;
        for (uint256 i; i < count; ++i) {
            uint64 release = ids[i];
            for (uint8 level; level < 3; ++level) {
                if (levels & (uint8(1) << level) != 0) {
                    uint256 key = _poolKey(release, TrustLevel(level));
                    StakeTree.Tree storage pool = _pools[key];
                    if (pool.weightOf(who) == weight) continue;
                    // A committee draw's seed is known: its pool must not change before the draw,
                    // or a node could grind the committee by moving its own weight.
                    if (level == uint8(TrustLevel.VANILLA) && _isHeld(key)) {
                        Hold storage h = _holds[key];
                        revert NodePoolHeld(_modelOf(release), _versionOf(release), h.fromBlock, h.until);
                    }
                    pool.set(who, weight);
                }
            }
        }
    }

    function _isHeld(uint256 key) private view returns (bool) {
        Hold storage h = _holds[key];
        return h.pending != 0 && block.number > h.fromBlock && block.timestamp <= h.until;
    }

    function _lock(address node, uint40 lockUntil) private {
        Node storage record = _nodes[node];
        if (record.lockedUntil < lockUntil) record.lockedUntil = lockUntil;
    }

    /// @dev Every release must exist (version 0, "the latest", is not a release: a node answers
    ///      only for releases it named), once.
    function _checkServices(uint64[] calldata releases, uint8 levels) private view {
        if (levels == 0 || levels & ~TrustLevels.ALL != 0) revert NodeInvalidLevels(levels);
        uint256 count = releases.length;
        if (count == 0 || count > MAX_RELEASES_PER_NODE) revert NodeInvalidReleases(count, 0, 0);
        for (uint256 i; i < count; ++i) {
            uint64 release = releases[i];
            uint32 modelId = _modelOf(release);
            uint32 version = _versionOf(release);
            if (version == 0 || !models.releaseExists(modelId, version)) revert NodeInvalidReleases(count, modelId, version);
            for (uint256 j; j < i; ++j) {
                if (releases[j] == release) revert NodeInvalidReleases(count, modelId, version);
            }
        }
    }

    function _pull(uint256 amount) private {
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != amount) revert NodeTransferMismatch(amount, received);
    }

    function _nodeWithStatus(address who, NodeStatus expected) private view returns (Node storage node) {
        node = _nodes[who];
        if (node.status != expected) revert NodeWrongStatus(who, node.status, expected);
    }

    function _setParameters(uint96 minStake_, uint40 activationDelay_, uint40 unbondingDelay_, uint40 jailPeriod_)
        private
    {
        if (minStake_ == 0) revert NodeInvalidParameter("minStake", 0);
        if (activationDelay_ > MAX_DELAY) revert NodeInvalidParameter("activationDelay", activationDelay_);
        if (unbondingDelay_ > MAX_DELAY) revert NodeInvalidParameter("unbondingDelay", unbondingDelay_);
        if (jailPeriod_ > MAX_DELAY) revert NodeInvalidParameter("jailPeriod", jailPeriod_);
        minStake = minStake_;
        activationDelay = activationDelay_;
        unbondingDelay = unbondingDelay_;
        jailPeriod = jailPeriod_;
        emit ParametersChanged(minStake_, activationDelay_, unbondingDelay_, jailPeriod_);
    }

    function _modelOf(uint64 release) private pure returns (uint32) {
        return uint32(release >> 32);
    }

    function _versionOf(uint64 release) private pure returns (uint32) {
        return uint32(release);
    }

    /// @dev One pool per (release, level): [modelId, version, level] = [32, 32, 8].
    function _poolKey(uint64 release, TrustLevel level) private pure returns (uint256) {
        return (uint256(release) << 8) | uint8(level);
    }
}
