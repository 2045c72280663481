// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ISoundnessBonds
/// @notice What a ZK release's owner stakes on its circuit being sound, and what happens if it is not.
/// @dev The game, for one release with a proof verifier:
///      1. {postBond}: anyone (the owner, in practice) posts tokens for the release; once they reach
///         {minBond} the release serves ZK jobs (IModelRegistry.servingTerms refuses them before).
///      2. {proveEquivocation}: anyone shows two proofs that verify for the same release and input
///         with different outputs. A sound circuit computes one output per input, so the release is
///         unsound whatever the cause (a leaked trapdoor, a bug). The registry freezes it for good:
///         no new job at any level, and no proof of it settles a job or wins a dispute any more.
///         The bond is forfeit: {TREASURY_SHARE_BPS} to the hub's treasury at once, which the
///         owner loses whatever it does next (it may report its own forgery, and may have
///         requested ZK jobs of its own to claim for), {REPORTER_SHARE_BPS} to the reporter (one
///         that committed to its evidence in an earlier block, {commitEquivocation}, so that
///         nobody can take it from the mempool), the rest to the harmed.
///      3. {claim} (anyone, for a ZK job of the release settled before the freeze, within
///         {CLAIM_WINDOW}): registers the job; after the window {payClaim} pays its requester the
///         release's ZK price, or an equal share of the pool when the pool is short. What is left
///         goes to the hub's treasury, never back to the owner.
///      4. {requestWithdrawal} and {withdrawBond} (owner, after deprecating the release): the bond
///         comes back {WITHDRAWAL_DELAY} after the request (longer than any job requested before
///         can stay open, plus the claim window to find a lie it settled), unless the release is
///         frozen first.
interface ISoundnessBonds {
    /// @notice One proven statement: `output` is the model's output on the evidence's input, proven
    ///         by `proof` bound to (`hub`, `jobId`, `prover`), as the verifier's {verifyStatement}.
    struct Statement {
        address hub;
        uint256 jobId;
        address prover;
        int256[] output;
        bytes proof;
    }

    /// @notice A release's bond.
    /// @dev [amount, withdrawableAt, frozen]: [128, 40, 8].
    struct Bond {
        /// Tokens held for the release (0 once withdrawn or forfeit).
        uint128 amount;
        /// When the owner may withdraw (0 until it asks).
        uint40 withdrawableAt;
        bool frozen;
    }

    /// @notice What a frozen release's bond pays out.
    /// @dev [pool, jobsBefore, claimsEnd, claims]: [128, 64, 40, 24];
    ///      [perJob, frozenBlock, settled]: [128, 64, 8]; [reward]: [128].
    struct Forfeit {
        /// What the harmed share: the bond less the reporter's reward.
        uint128 pool;
        /// The hub's job count at the freeze: later jobs cannot claim.
        uint64 jobsBefore;
        /// The end of the claim window.
        uint40 claimsEnd;
        /// Jobs registered.
        uint24 claims;
        /// What each registered job is paid, fixed after the window.
        uint128 perJob;
        /// The block of the freeze: a reporter's commitment must be older.
        uint64 frozenBlock;
        bool settled;
        /// The reporter's share, while no reporter with an older commitment has taken it (it joins
        /// the pool when the claim window closes).
        uint128 reward;
    }

    /// @notice Thrown for a release without a proof verifier: it has no circuit to be unsound.
    error BondNoVerifier(uint32 modelId, uint32 version);
    /// @notice Thrown for a release already frozen (for {postBond}, {proveEquivocation}, withdrawals).
    error BondReleaseFrozen(uint32 modelId, uint32 version);
    /// @notice Thrown for a release not frozen (for claims).
    error BondNotFrozen(uint32 modelId, uint32 version);
    /// @notice Thrown when a zero amount is posted, or a bond would pass 2^128 - 1.
    error BondInvalidAmount(uint256 amount);
    /// @notice Thrown when the token moved a different amount than asked (fee-on-transfer tokens).
    error BondTransferMismatch(uint256 expected, uint256 received);
    /// @notice Thrown when anyone but the model's owner withdraws its bond.
    error BondNotOwner(uint32 modelId, address caller, address owner);
    /// @notice Thrown when a withdrawal is asked for a release that still serves jobs.
    error BondReleaseActive(uint32 modelId, uint32 version);
    /// @notice Thrown when a withdrawal is made before it was asked for or before its delay.
    error BondWithdrawalNotDue(uint32 modelId, uint32 version, uint256 withdrawableAt, uint256 now_);
    /// @notice Thrown when there is nothing to withdraw.
    error BondEmpty(uint32 modelId, uint32 version);
    /// @notice Thrown when the two statements prove the same output: that is no equivocation.
    error EquivocationSameOutput(bytes32 outputHash);
    /// @notice Thrown when a statement's proof does not verify (`which` is 0 for the first, 1 for the second).
    error EquivocationInvalidProof(uint256 which);
    /// @notice Thrown when a job cannot claim: `reason` says why (not ZK, not settled, another release,
    ///         requested after the freeze, already claimed).
    error ClaimIneligible(uint256 jobId, bytes32 reason);
    /// @notice Thrown when a reporter has no commitment of the evidence older than the freeze, or
    ///         the reward is already paid.
    error ReporterNotCommitted(address reporter, bytes32 evidence);
    /// @notice Thrown for a claim after the claim window, or a payout before its end.
    error ClaimWindow(uint32 modelId, uint32 version, uint256 claimsEnd, uint256 now_);

    event BondPosted(uint32 indexed modelId, uint32 indexed version, address indexed from, uint256 amount, uint256 total);
    event BondWithdrawalRequested(uint32 indexed modelId, uint32 indexed version, uint256 withdrawableAt);
    event BondWithdrawn(uint32 indexed modelId, uint32 indexed version, address indexed to, uint256 amount);
    /// @notice Two valid proofs of different outputs for one input: the release is frozen and its bond forfeit.
    event EquivocationProven(
        uint32 indexed modelId,
        uint32 indexed version,
        address indexed reporter,
        bytes32 inputHash,
        bytes32 outputHashA,
        bytes32 outputHashB,
        uint256 reward,
        uint256 pool
    );
    /// @notice `commitment` = keccak256(abi.encode(reporter, evidenceDigest)) was first seen at `blockNumber`.
    event EquivocationCommitted(bytes32 indexed commitment, uint256 blockNumber);
    event ReporterRewarded(uint32 indexed modelId, uint32 indexed version, address indexed reporter, uint256 amount);
    event ClaimRegistered(uint32 indexed modelId, uint32 indexed version, uint256 indexed jobId, address requester);
    event ClaimPaid(uint256 indexed jobId, address indexed requester, uint256 amount);
    /// @notice The claim window closed: each claim gets `perJob`; `toTreasury` is what nobody claimed.
    event ForfeitSettled(uint32 indexed modelId, uint32 indexed version, uint256 claims, uint256 perJob, uint256 toTreasury);

    /// @notice Adds `amount` to the release's bond (pulled from the caller).
    function postBond(uint32 modelId, uint32 version, uint256 amount) external;

    /// @notice Owner of the model, release deprecated: starts the withdrawal delay; the release's
    ///         ZK jobs are no longer bonded.
    function requestWithdrawal(uint32 modelId, uint32 version) external;

    /// @notice Owner of the model, after the delay: pays the bond to the owner.
    function withdrawBond(uint32 modelId, uint32 version) external;

    /// @notice Records a commitment to evidence before showing it, so that the reporter's share
    ///         cannot be taken from the mempool: keccak256(abi.encode(reporter, {evidenceDigest})).
    function commitEquivocation(bytes32 commitment) external;

    /// @notice Anyone: proves the release unsound with two valid proofs of different outputs for
    ///         one input. Freezes the release. The reporter's share goes to `reporter` if it
    ///         committed to this evidence in an earlier block; otherwise it waits for
    ///         {claimReporterReward} by a reporter that did, and joins the pool after the window.
    function proveEquivocation(
        uint32 modelId,
        uint32 version,
        int256[] calldata input,
        Statement calldata a,
        Statement calldata b,
        address reporter
    ) external;

    /// @notice Within the claim window: pays the reporter's share to `reporter`, whose commitment
    ///         to this evidence (valid: two proofs of different outputs for one input under the
    ///         release's verifier) is older than the freeze, when the freeze's caller had none.
    function claimReporterReward(
        uint32 modelId,
        uint32 version,
        int256[] calldata input,
        Statement calldata a,
        Statement calldata b,
        address reporter
    ) external;

    /// @notice The digest a reporter commits to (with its address): the release, the input and both statements.
    function evidenceDigest(uint32 modelId, uint32 version, int256[] calldata input, Statement calldata a, Statement calldata b)
        external
        pure
        returns (bytes32);

    /// @notice Anyone, within the claim window: registers a ZK job of the frozen release that
    ///         settled before the freeze; paid to its requester after the window.
    function claim(uint256 jobId) external;

    /// @notice Anyone, after the claim window: pays a registered job's requester its share.
    function payClaim(uint256 jobId) external;

    /// @notice Anyone, after the claim window: fixes each claim's share and sends what nobody
    ///         claimed to the treasury (run by the first {payClaim} otherwise).
    function settleForfeit(uint32 modelId, uint32 version) external;

    function bondOf(uint32 modelId, uint32 version) external view returns (Bond memory);

    function forfeitOf(uint32 modelId, uint32 version) external view returns (Forfeit memory);

    /// @notice 0 when the job has no claim, 1 when registered, 2 when paid.
    function claimOf(uint256 jobId) external view returns (uint8);

    /// @notice The smallest bond with which a release serves ZK jobs.
    function minBond() external view returns (uint256);
}
