// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IInferenceHub} from "./IInferenceHub.sol";

/// @title ICommitteeCourt
/// @notice Decides disputes of VANILLA results. For a release without a proof verifier, a committee
///         of other staked nodes, drawn from randomness fixed after the challenge, re-executes the
///         job and votes by commit and reveal. For a release with one, a fraud proof ({proveFraud})
///         decides, unless the release is proven unsound before its answer window closes. The hub
///         holds every token; the court hands it a verdict.
/// @dev Fraud proofs: {proveFraud} (anyone but the node, during the challenge window) checks a proof,
///      bound to the court and the caller, that the model's output on the job's input is not the
///      posted one; the hub takes the challenge bond. Until `drawBy` (the draw, commit and reveal
///      windows from now) the node, or anyone, may answer: a proof of the posted output for the
///      same input together with the claim's proof is an equivocation (ISoundnessBonds), which
///      freezes the release. {resolve} then gives `Unsound` (refund, no slash, the bond back), and
///      after `drawBy` with no freeze, `Fraud`. So a forged fraud proof never slashes a node that
///      can prove its own output, and it costs the forger the release's bond.
/// @dev The game, for one disputed job:
///      1. {challenge} (anyone but the node, during the challenge window): the hub takes the bond.
///         The draw's seed is the hash of block `drawBlock` = the challenge's block + {DRAW_DELAY},
///         unknown when the challenge is sent, so nobody can grind the committee by choosing
///         addresses or by reverting.
///      2. {draw} (anyone, once `drawBlock` is mined, before `drawBy`): draws `committeeSize`
///         seats by stake, with replacement, from the job's pool without the node and the
///         challenger; a node drawn twice holds two seats and its vote counts twice, so votes
///         follow stake however it is split over addresses. If the block hash is no longer
///         available (256 blocks), the draw moves to a new future block.
///      3. {commitVote} until `commitBy`, {revealVote} until `revealBy` (members only, once each
///         whatever their seats).
///      4. {resolve} (anyone, after `revealBy`, or once every member revealed): the posted output
///         revealed by members holding a strict majority of the `committeeSize` seats stands
///         (NodeRight); another output with a strict majority convicts (Fraud); otherwise the
///         dispute is undecided. After the reveal window, members who did not reveal are
///         slashed and jailed; a dispute resolved earlier (every member revealed, or no seat
///         filled) fines nobody.
///      From the seed block until the draw, the pool's weights are held (INodeRegistry.holdPool),
///      so nobody can grind the committee by moving stake once the seed is known.
interface ICommitteeCourt {
    /// @notice A committee dispute.
    /// @dev Packing: [challenger, drawBlock, size, members, committed] = [160, 64, 8, 8, 8] = 248;
    ///      [revealed, drawBy, commitBy, revealBy, commitWindow, revealWindow, resolved, byProof] =
    ///      [8, 32, 32, 32, 32, 32, 8, 8] = 184.
    struct Dispute {
        address challenger;
        uint64 drawBlock;
        /// The configured committee size (from the job's terms).
        uint8 size;
        /// Distinct members drawn (0 until the draw; below `size` when a member holds several seats).
        uint8 members;
        /// Members (not seats) that committed, and that revealed.
        uint8 committed;
        uint8 revealed;
        uint32 drawBy;
        uint32 commitBy;
        uint32 revealBy;
        uint32 commitWindow;
        uint32 revealWindow;
        bool resolved;
        /// A fraud proof ({proveFraud}): nobody is drawn; `drawBy` ends the answer window.
        bool byProof;
    }

    /// @notice A member's vote: the commitment, then the output hash it reveals.
    struct Vote {
        bytes32 commitment;
        bytes32 outputHash;
    }

    /// @notice Thrown when a job has no dispute in this court.
    error CourtUnknownDispute(uint256 jobId);
    /// @notice Thrown when a dispute is already resolved.
    error CourtResolved(uint256 jobId);
    /// @notice Thrown when {draw} is called before block `drawBlock` is mined.
    error CourtDrawTooEarly(uint256 jobId, uint256 drawBlock, uint256 blockNumber);
    /// @notice Thrown when {draw} is called after `drawBy` (resolve it: it is undecided).
    error CourtDrawWindowClosed(uint256 jobId, uint256 drawBy, uint256 now_);
    /// @notice Thrown when {draw} is called twice, or a vote comes before the draw.
    error CourtDrawn(uint256 jobId, bool drawn);
    /// @notice Thrown when a vote comes from outside the committee.
    error CourtNotMember(uint256 jobId, address caller);
    /// @notice Thrown when a commit comes after the commit window.
    error CourtCommitClosed(uint256 jobId, uint256 commitBy, uint256 now_);
    /// @notice Thrown when a member commits twice, or reveals without a commitment or twice.
    error CourtVoteState(uint256 jobId, address member, bool committed, bool revealed);
    /// @notice Thrown when a reveal comes before every seat committed and the commit window closed,
    ///         or after the reveal window.
    error CourtRevealWindow(uint256 jobId, uint256 opensAfter, uint256 closesAt, uint256 now_);
    /// @notice Thrown when a reveal does not match its commitment.
    error CourtBadReveal(uint256 jobId, address member);
    /// @notice Thrown when {resolve} is called before the dispute can be decided.
    error CourtNotDue(uint256 jobId, uint256 dueAt, uint256 now_);
    /// @notice Thrown when a zero output hash is revealed (it marks "not revealed").
    error CourtZeroOutputHash(uint256 jobId);
    /// @notice Thrown when a zero commitment is sent (it marks "not committed").
    error CourtZeroCommitment(uint256 jobId);
    /// @notice Thrown when a fraud proof proves the output the node posted: there is no fraud.
    error CourtNotFraud(uint256 jobId, bytes32 outputHash);
    /// @notice Thrown when a fraud proof is for a release without a verifier (challenge it instead),
    ///         or when {draw} is called on a fraud proof's dispute.
    error CourtNoVerifier(uint256 jobId);
    /// @notice Thrown when a fraud proof's output does not have the release's output size.
    error CourtOutputLength(uint256 jobId, uint256 expected, uint256 given);
    /// @notice Thrown when a fraud proof's input is not the job's.
    error CourtInputMismatch(uint256 jobId, bytes32 expected, bytes32 given);
    /// @notice Thrown when a fraud proof does not verify for the caller.
    error CourtInvalidProof(uint256 jobId, address prover);

    event ChallengeOpened(uint256 indexed jobId, address indexed challenger, uint256 bond, uint64 drawBlock, uint32 drawBy);
    /// @notice The seed block's hash was no longer available: the draw moved to `drawBlock`.
    event DrawDeferred(uint256 indexed jobId, uint64 drawBlock);
    /// @notice The committee: `members[i]` holds `seats[i]` of the `committeeSize` seats.
    event CommitteeDrawn(uint256 indexed jobId, address[] members, uint8[] seats, uint32 commitBy, uint32 revealBy);
    event VoteCommitted(uint256 indexed jobId, address indexed member);
    event VoteRevealed(uint256 indexed jobId, address indexed member, bytes32 outputHash);
    /// @notice A fraud proof of `output`, bound to the court, the job and `challenger`, was
    ///         accepted; it decides at `answerBy` unless the release is proven unsound first (the
    ///         answer: this output and proof with a proof of the posted output, ISoundnessBonds).
    event FraudClaimed(
        uint256 indexed jobId, address indexed challenger, uint256 bond, uint32 answerBy, int256[] output, bytes proof
    );
    /// @notice `votes` counts the seats behind the deciding output (the largest count when undecided).
    event DisputeResolved(uint256 indexed jobId, IInferenceHub.Verdict verdict, bytes32 decidedOutputHash, uint256 votes);

    /// @notice Disputes a VANILLA result during its challenge window; the hub takes the bond from the caller.
    function challenge(uint256 jobId) external;

    /// @notice Claims, during the challenge window of a VANILLA result of a release with a verifier,
    ///         that the model's output on the job's input is `output`, not the posted one, with a
    ///         proof bound to this court, the job and the caller. The hub takes the bond from the
    ///         caller; the claim decides after its answer window (see above).
    function proveFraud(uint256 jobId, int256[] calldata input, int256[] calldata output, bytes calldata proof)
        external;

    /// @notice Draws the committee (anyone), or moves the draw to a new block when the seed's hash expired.
    function draw(uint256 jobId) external;

    /// @notice A member's commitment: {commitmentOf}(jobId, member, outputHash, salt).
    function commitVote(uint256 jobId, bytes32 commitment) external;

    /// @notice Reveals a committed vote: the hash of the re-executed output and the salt.
    function revealVote(uint256 jobId, bytes32 outputHash, bytes32 salt) external;

    /// @notice Decides the dispute (anyone). `output` is the posted output, passed to the consumer
    ///         when the node was right; ignored otherwise. A fraud proof's dispute is due after its
    ///         answer window, or at once when its release was frozen as unsound.
    function resolve(uint256 jobId, int256[] calldata output) external;

    function hub() external view returns (IInferenceHub);

    /// @notice The dispute, its distinct members, and the seats each holds.
    function getDispute(uint256 jobId)
        external
        view
        returns (Dispute memory, address[] memory members, uint8[] memory seats);

    /// @notice The vote of the member at `index` in {getDispute}'s `members`.
    function getVote(uint256 jobId, uint256 index) external view returns (Vote memory);

    /// @notice The commitment a member sends: keccak256(abi.encode(jobId, member, outputHash, salt)).
    function commitmentOf(uint256 jobId, address member, bytes32 outputHash, bytes32 salt)
        external
        pure
        returns (bytes32);
}
