// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IInferenceHub} from "../interfaces/IInferenceHub.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IProofVerifier} from "../interfaces/IProofVerifier.sol";
import {ISoundnessBonds} from "../interfaces/ISoundnessBonds.sol";
import {TrustLevel} from "../libraries/TrustLevels.sol";

/// @title SoundnessBonds
/// @notice Holds each ZK release's soundness bond and freezes a release that two valid proofs of
///         different outputs for one input prove unsound (see {ISoundnessBonds} for the game).
/// @dev Accounting invariant: token.balanceOf(this) == sum of bonds (not withdrawn, not forfeit) +
///      sum over frozen releases of what is still to be paid (the pool and the untaken reward
///      until settled, then perJob for each claim not yet paid).
contract SoundnessBonds is ISoundnessBonds, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Share of a forfeit bond paid to the hub's treasury at once: what a forging owner
    ///         loses for sure, even if it reports itself and claims for jobs it requested.
    uint16 public constant TREASURY_SHARE_BPS = 5_000;
    /// @notice Share of a forfeit bond paid to whoever proved the equivocation.
    uint16 public constant REPORTER_SHARE_BPS = 1_000;
    /// @notice How long after a freeze the harmed may register their jobs.
    uint32 public constant CLAIM_WINDOW = 14 days;
    /// @notice How long a deprecated release's bond stays after the owner asks for it: the longest
    ///         a job requested before the deprecation can stay open (IInferenceHub.MAX_WINDOW, 30
    ///         days), plus the claim window in which to find a lie settled at its very end.
    uint32 public constant WITHDRAWAL_DELAY = 30 days + CLAIM_WINDOW;

    IERC20 public immutable token;
    IModelRegistry public immutable models;
    IInferenceHub public immutable hub;
    /// @inheritdoc ISoundnessBonds
    uint256 public immutable minBond;

    mapping(uint64 release => Bond) private _bonds;
    mapping(uint64 release => Forfeit) private _forfeits;
    /// @dev 1 registered, 2 paid.
    mapping(uint256 jobId => uint8) private _claims;
    /// @dev The block a reporter's commitment was first seen in.
    mapping(bytes32 commitment => uint256 blockNumber) private _commitments;

    constructor(IERC20 token_, IModelRegistry models_, IInferenceHub hub_, uint256 minBond_) {
        if (minBond_ == 0 || minBond_ > type(uint128).max) revert BondInvalidAmount(minBond_);
        token = token_;
        models = models_;
        hub = hub_;
        minBond = minBond_;
    }

    // ------------------------------------------------------------------ bonds

    /// @inheritdoc ISoundnessBonds
    function postBond(uint32 modelId, uint32 version, uint256 amount) external nonReentrant {
        Bond storage bond = _activeBond(modelId, version);
        (address verifier,) = models.verifierOf(modelId, version);
        if (verifier == address(0)) revert BondNoVerifier(modelId, version);
        uint256 total = bond.amount + amount;
        if (amount == 0 || total > type(uint128).max) revert BondInvalidAmount(amount);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != amount) revert BondTransferMismatch(amount, received);
        // Safe: checked against 2^128 - 1 above.
        bond.amount = uint128(total);
        emit BondPosted(modelId, version, msg.sender, amount, total);
        // A bond on its way out backs nothing; topping it up does not bring it back.
        if (total >= minBond && bond.withdrawableAt == 0) {
            (bool bonded,) = models.soundnessOf(modelId, version);
            if (!bonded) models.setBonded(modelId, version, true);
        }
    }

    /// @inheritdoc ISoundnessBonds
    function requestWithdrawal(uint32 modelId, uint32 version) external {
        Bond storage bond = _ownersBond(modelId, version);
        (, IModelRegistry.Release memory release) = models.getRelease(modelId, version);
        if (!release.deprecated) revert BondReleaseActive(modelId, version);
        if (bond.withdrawableAt != 0) revert BondWithdrawalNotDue(modelId, version, bond.withdrawableAt, block.timestamp);
        // Fits 40 bits for 35,000 years.
        uint40 due = uint40(block.timestamp + WITHDRAWAL_DELAY);
        bond.withdrawableAt = due;
        models.setBonded(modelId, version, false);
        emit BondWithdrawalRequested(modelId, version, due);
    }

    /// @inheritdoc ISoundnessBonds
    function withdrawBond(uint32 modelId, uint32 version) external nonReentrant {
        Bond storage bond = _ownersBond(modelId, version);
        uint256 due = bond.withdrawableAt;
        if (due == 0 || block.timestamp < due) revert BondWithdrawalNotDue(modelId, version, due, block.timestamp);
        uint256 amount = bond.amount;
        if (amount == 0) revert BondEmpty(modelId, version);
        bond.amount = 0;
        emit BondWithdrawn(modelId, version, msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // ------------------------------------------------------------------ equivocation

    /// @inheritdoc ISoundnessBonds
    function commitEquivocation(bytes32 commitment) external {
        if (_commitments[commitment] != 0) return; // the first sighting counts
        _commitments[commitment] = block.number;
        emit EquivocationCommitted(commitment, block.number);
    }

    /// @inheritdoc ISoundnessBonds
    function proveEquivocation(
        uint32 modelId,
        uint32 version,
        int256[] calldata input,
        Statement calldata a,
        Statement calldata b,
        address reporter
    ) external nonReentrant {
        Bond storage bond = _activeBond(modelId, version);
        // The reporter is paid now only with a commitment from an earlier block: a copy of this
        // transaction that names another reporter pays nobody, and the reward waits for one that
        // committed ({claimReporterReward}).
        address paid = _committedBefore(reporter, evidenceDigest(modelId, version, input, a, b), block.number)
            ? reporter
            : address(0);
        bytes32 inputHash = keccak256(abi.encodePacked(input));
        (bytes32 hashA, bytes32 hashB) = _checkLiveEquivocation(modelId, version, input, a, b);
        bond.frozen = true;
        models.freezeRelease(modelId, version);
        _forfeit(modelId, version, bond, paid, inputHash, hashA, hashB);
    }

    /// @dev Splits a frozen release's bond: the treasury's share now, the reporter's now (to `paid`)
    ///      or reserved, the rest to the pool of claims.
    function _forfeit(
        uint32 modelId,
        uint32 version,
        Bond storage bond,
        address paid,
        bytes32 inputHash,
        bytes32 hashA,
        bytes32 hashB
    ) private {
        uint256 amount = bond.amount;
        bond.amount = 0;
        uint256 toTreasury = amount * TREASURY_SHARE_BPS / 10_000;
        uint256 reward = amount * REPORTER_SHARE_BPS / 10_000;
        uint256 pool = amount - toTreasury - reward;
        _openForfeit(modelId, version, pool, paid == address(0) ? reward : 0);
        emit EquivocationProven(modelId, version, paid, inputHash, hashA, hashB, reward, pool);
        if (toTreasury != 0) token.safeTransfer(_treasury(), toTreasury);
        if (paid != address(0) && reward != 0) {
            emit ReporterRewarded(modelId, version, paid, reward);
            token.safeTransfer(paid, reward);
        }
    }

    /// @dev {_checkEquivocation} under the release's current verifier (none once frozen).
    function _checkLiveEquivocation(
        uint32 modelId,
        uint32 version,
        int256[] calldata input,
        Statement calldata a,
        Statement calldata b
    ) private view returns (bytes32, bytes32) {
        (address verifier, bytes32 weights) = models.verifierOf(modelId, version);
        return _checkEquivocation(modelId, version, verifier, weights, input, a, b);
    }

    /// @inheritdoc ISoundnessBonds
    function claimReporterReward(
        uint32 modelId,
        uint32 version,
        int256[] calldata input,
        Statement calldata a,
        Statement calldata b,
        address reporter
    ) external nonReentrant {
        Forfeit storage f = _forfeits[_key(modelId, version)];
        if (f.claimsEnd == 0) revert BondNotFrozen(modelId, version);
        if (block.timestamp > f.claimsEnd) revert ClaimWindow(modelId, version, f.claimsEnd, block.timestamp);
        bytes32 digest = evidenceDigest(modelId, version, input, a, b);
        uint256 reward = f.reward;
        if (reward == 0 || !_committedBefore(reporter, digest, f.frozenBlock)) revert ReporterNotCommitted(reporter, digest);
        // The release's own verifier (the registry no longer returns it once frozen).
        (, IModelRegistry.Release memory release) = models.getRelease(modelId, version);
        _checkEquivocation(modelId, version, release.verifier, release.weightsCommitment, input, a, b);
        f.reward = 0;
        emit ReporterRewarded(modelId, version, reporter, reward);
        token.safeTransfer(reporter, reward);
    }

    /// @inheritdoc ISoundnessBonds
    function evidenceDigest(uint32 modelId, uint32 version, int256[] calldata input, Statement calldata a, Statement calldata b)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(modelId, version, input, a, b));
    }

    // ------------------------------------------------------------------ claims

    /// @inheritdoc ISoundnessBonds
    function claim(uint256 jobId) external {
        IInferenceHub.Job memory job = hub.getJob(jobId);
        uint32 modelId = job.modelId;
        uint32 version = job.version;
        Forfeit storage f = _forfeits[_key(modelId, version)];
        if (f.claimsEnd == 0) revert BondNotFrozen(modelId, version);
        if (block.timestamp > f.claimsEnd) revert ClaimWindow(modelId, version, f.claimsEnd, block.timestamp);
        if (job.level != TrustLevel.ZK) revert ClaimIneligible(jobId, "not a ZK job");
        if (job.status != IInferenceHub.JobStatus.Settled) revert ClaimIneligible(jobId, "not settled");
        if (jobId > f.jobsBefore) revert ClaimIneligible(jobId, "requested after the freeze");
        if (_claims[jobId] != 0) revert ClaimIneligible(jobId, "already claimed");
        _claims[jobId] = 1;
        ++f.claims;
        emit ClaimRegistered(modelId, version, jobId, job.requester);
    }

    /// @inheritdoc ISoundnessBonds
    function payClaim(uint256 jobId) external nonReentrant {
        if (_claims[jobId] != 1) revert ClaimIneligible(jobId, _claims[jobId] == 0 ? bytes32("not claimed") : bytes32("already paid"));
        IInferenceHub.Job memory job = hub.getJob(jobId);
        Forfeit storage f = _settle(job.modelId, job.version);
        _claims[jobId] = 2;
        uint256 amount = f.perJob;
        emit ClaimPaid(jobId, job.requester, amount);
        if (amount != 0) token.safeTransfer(job.requester, amount);
    }

    /// @inheritdoc ISoundnessBonds
    function settleForfeit(uint32 modelId, uint32 version) external nonReentrant {
        _settle(modelId, version);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ISoundnessBonds
    function bondOf(uint32 modelId, uint32 version) external view returns (Bond memory) {
        return _bonds[_key(modelId, version)];
    }

    /// @inheritdoc ISoundnessBonds
    function forfeitOf(uint32 modelId, uint32 version) external view returns (Forfeit memory) {
        return _forfeits[_key(modelId, version)];
    }

    /// @inheritdoc ISoundnessBonds
    function claimOf(uint256 jobId) external view returns (uint8) {
        return _claims[jobId];
    }

    // ------------------------------------------------------------------ internals

    /// @dev After the claim window, once: each claim gets the release's ZK price, or an equal share
    ///      of the pool when it is short; the rest goes to the treasury.
    function _settle(uint32 modelId, uint32 version) private returns (Forfeit storage f) {
        f = _forfeits[_key(modelId, version)];
        if (f.claimsEnd == 0) revert BondNotFrozen(modelId, version);
        if (f.settled) return f;
        if (block.timestamp <= f.claimsEnd) revert ClaimWindow(modelId, version, f.claimsEnd, block.timestamp);
        (, IModelRegistry.Release memory release) = models.getRelease(modelId, version);
        uint256 price = release.prices[uint8(TrustLevel.ZK)];
        uint256 claims = f.claims;
        // A reporter's share nobody took in time goes to the harmed.
        uint256 pool = f.pool + f.reward;
        f.reward = 0;
        uint256 share = claims == 0 ? 0 : pool / claims;
        uint256 perJob = share < price ? share : price;
        uint256 rest = pool - perJob * claims;
        f.settled = true;
        // Safe: perJob <= pool < 2^128.
        f.perJob = uint128(perJob);
        emit ForfeitSettled(modelId, version, claims, perJob, rest);
        if (rest != 0) token.safeTransfer(_treasury(), rest);
    }

    /// @dev Reverts unless `a` and `b` are valid proofs of different outputs on `input` under the
    ///      release's verifier; returns the outputs' hashes.
    function _checkEquivocation(
        uint32 modelId,
        uint32 version,
        address verifier,
        bytes32 weights,
        int256[] calldata input,
        Statement calldata a,
        Statement calldata b
    ) private view returns (bytes32 hashA, bytes32 hashB) {
        if (verifier == address(0)) revert BondNoVerifier(modelId, version);
        hashA = keccak256(abi.encodePacked(a.output));
        hashB = keccak256(abi.encodePacked(b.output));
        if (hashA == hashB) revert EquivocationSameOutput(hashA);
        if (!_verifies(verifier, weights, input, a)) revert EquivocationInvalidProof(0);
        if (!_verifies(verifier, weights, input, b)) revert EquivocationInvalidProof(1);
    }

    function _openForfeit(uint32 modelId, uint32 version, uint256 pool, uint256 reward) private {
        // Safe: pool and reward < 2^128; the hub's job count and block numbers are far below
        // 2^64; 40 bits of seconds.
        _forfeits[_key(modelId, version)] = Forfeit({
            pool: uint128(pool),
            jobsBefore: uint64(hub.jobCount()),
            claimsEnd: uint40(block.timestamp + CLAIM_WINDOW),
            claims: 0,
            perJob: 0,
            frozenBlock: uint64(block.number),
            settled: false,
            reward: uint128(reward)
        });
    }

    /// @dev Whether `reporter` committed to `digest` in a block before `beforeBlock`.
    function _committedBefore(address reporter, bytes32 digest, uint256 beforeBlock) private view returns (bool) {
        uint256 seen = _commitments[keccak256(abi.encode(reporter, digest))];
        return reporter != address(0) && seen != 0 && seen < beforeBlock;
    }

    function _verifies(address verifier, bytes32 weights, int256[] calldata input, Statement calldata s)
        private
        view
        returns (bool)
    {
        return IProofVerifier(verifier).verifyStatement(s.hub, s.jobId, s.prover, weights, input, s.output, s.proof);
    }

    function _activeBond(uint32 modelId, uint32 version) private view returns (Bond storage bond) {
        bond = _bonds[_key(modelId, version)];
        if (bond.frozen) revert BondReleaseFrozen(modelId, version);
    }

    function _ownersBond(uint32 modelId, uint32 version) private view returns (Bond storage bond) {
        bond = _activeBond(modelId, version);
        address owner = models.ownerOf(modelId);
        if (msg.sender != owner) revert BondNotOwner(modelId, msg.sender, owner);
    }

    function _treasury() private view returns (address) {
        return hub.parameters().treasury;
    }

    function _key(uint32 modelId, uint32 version) private pure returns (uint64) {
        return (uint64(modelId) << 32) | version;
    }
}
