// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICommitteeCourt} from "../interfaces/ICommitteeCourt.sol";
import {IInferenceHub} from "../interfaces/IInferenceHub.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IProofVerifier} from "../interfaces/IProofVerifier.sol";

/// @title CommitteeCourt
/// @notice Runs the disputes of VANILLA results: committees where the release has no proof
///         verifier, fraud proofs with an answer window where it has one (see {ICommitteeCourt}).
///         It holds no tokens: the hub takes the bond when a dispute opens and pays everyone out
///         when the court hands it the verdict.
contract CommitteeCourt is ICommitteeCourt, ReentrancyGuardTransient {
    /// @notice Blocks between a challenge and the block whose hash seeds the draw.
    uint256 public constant DRAW_DELAY = 2;
    /// @notice How long a drawn member's stake stays locked after the reveal window, so that anyone
    ///         can resolve and slash an absent member before it withdraws.
    uint32 public constant RESOLUTION_GRACE = 1 days;

    /// @inheritdoc ICommitteeCourt
    IInferenceHub public immutable hub;
    IModelRegistry private immutable _models;

    mapping(uint256 jobId => Dispute) private _disputes;
    /// @dev The distinct members of a job's committee, and the seats each holds.
    mapping(uint256 jobId => address[]) private _committees;
    mapping(uint256 jobId => uint8[]) private _seats;
    mapping(uint256 jobId => mapping(uint256 member => Vote)) private _votes;

    constructor(IInferenceHub hub_) {
        hub = hub_;
        _models = hub_.models();
    }

    /// @inheritdoc ICommitteeCourt
    function challenge(uint256 jobId) external nonReentrant {
        // Fits: block numbers and times are far below 2^64 and 2^32 (until 2106); windows are bounded.
        uint64 drawBlock = uint64(block.number + DRAW_DELAY);
        // The hub checks the status, the window, the release's kind and that the caller is not the
        // node, takes the bond and holds the pool from the seed block on; a job can be challenged
        // once, since it leaves Submitted.
        IInferenceHub.DisputeTerms memory t = hub.openDispute(jobId, msg.sender, drawBlock);
        uint32 drawBy = uint32(block.timestamp + t.drawWindow);
        _disputes[jobId] = Dispute({
            challenger: msg.sender,
            drawBlock: drawBlock,
            size: t.committeeSize,
            members: 0,
            committed: 0,
            revealed: 0,
            drawBy: drawBy,
            commitBy: 0,
            revealBy: 0,
            commitWindow: t.commitWindow,
            revealWindow: t.revealWindow,
            resolved: false,
            byProof: false
        });
        emit ChallengeOpened(jobId, msg.sender, t.bond, drawBlock, drawBy);
    }

    /// @inheritdoc ICommitteeCourt
    function proveFraud(uint256 jobId, int256[] calldata input, int256[] calldata output, bytes calldata proof)
        external
        nonReentrant
    {
        _checkFraudProof(jobId, input, output, proof);
        // The hub checks the status, the window and that the caller is not the node, and takes the bond.
        IInferenceHub.DisputeTerms memory t = hub.openDispute(jobId, msg.sender, 0);
        // The answer window: as long as a committee dispute's draw, commit and reveal windows, which
        // the hub's lock of the node's stake already covers. Fits 32 bits until 2106.
        uint32 answerBy = uint32(block.timestamp + t.drawWindow + t.commitWindow + t.revealWindow);
        Dispute storage d = _disputes[jobId];
        d.challenger = msg.sender;
        d.drawBy = answerBy;
        d.byProof = true;
        emit FraudClaimed(jobId, msg.sender, t.bond, answerBy, output, proof);
    }

    /// @dev Reverts unless `proof` proves, for the caller, an output other than the posted one on
    ///      the job's input, under the release's verifier.
    function _checkFraudProof(uint256 jobId, int256[] calldata input, int256[] calldata output, bytes calldata proof)
        private
        view
    {
        IInferenceHub.Job memory job = hub.getJob(jobId);
        (address verifier, bytes32 weights) = _models.verifierOf(job.modelId, job.version);
        if (verifier == address(0)) revert CourtNoVerifier(jobId);
        _checkStatement(jobId, job, input, output);
        // Bound to this court, the job and the caller: nobody can take the proof from the mempool.
        if (!IProofVerifier(verifier).verifyInference(jobId, msg.sender, weights, input, output, proof)) {
            revert CourtInvalidProof(jobId, msg.sender);
        }
    }

    /// @dev The claim is about the job's input, and its output has the release's size and is not the posted one.
    function _checkStatement(uint256 jobId, IInferenceHub.Job memory job, int256[] calldata input, int256[] calldata output)
        private
        view
    {
        uint32 outputSize = _models.outputSizeOf(job.modelId, job.version);
        if (output.length != outputSize) revert CourtOutputLength(jobId, outputSize, output.length);
        bytes32 outputHash = keccak256(abi.encodePacked(output));
        if (outputHash == job.outputHash) revert CourtNotFraud(jobId, outputHash);
        bytes32 inputHash = keccak256(abi.encodePacked(input));
        if (inputHash != job.inputHash) revert CourtInputMismatch(jobId, job.inputHash, inputHash);
    }

    /// @inheritdoc ICommitteeCourt
    function draw(uint256 jobId) external nonReentrant {
        Dispute storage d = _openDispute(jobId);
        if (d.byProof) revert CourtNoVerifier(jobId);
        if (d.commitBy != 0) revert CourtDrawn(jobId, true);
        if (block.timestamp > d.drawBy) revert CourtDrawWindowClosed(jobId, d.drawBy, block.timestamp);
        uint256 drawBlock = d.drawBlock;
        if (block.number <= drawBlock) revert CourtDrawTooEarly(jobId, drawBlock, block.number);
        bytes32 seedBlockHash = blockhash(drawBlock);
        if (seedBlockHash == 0) {
            // More than 256 blocks passed: move to a new future block rather than fall back to a
            // hash the caller could choose by choosing when to call.
            uint64 next = uint64(block.number + DRAW_DELAY);
            d.drawBlock = next;
            emit DrawDeferred(jobId, next);
            return;
        }
        uint32 commitBy = uint32(block.timestamp) + d.commitWindow;
        uint32 revealBy = commitBy + d.revealWindow;
        d.commitBy = commitBy;
        d.revealBy = revealBy;
        uint256 seed = uint256(keccak256(abi.encode(seedBlockHash, jobId, address(this))));
        (address[] memory members, uint8[] memory seats) =
            _group(hub.drawCommittee(jobId, d.challenger, seed, uint40(revealBy) + RESOLUTION_GRACE));
        // Safe: the hub caps the committee at its configured size, at most 15.
        d.members = uint8(members.length);
        _committees[jobId] = members;
        _seats[jobId] = seats;
        emit CommitteeDrawn(jobId, members, seats, commitBy, revealBy);
    }

    /// @dev Groups drawn seats by member, in order of first seat: at most 15 seats.
    function _group(address[] memory drawn) private pure returns (address[] memory members, uint8[] memory seats) {
        uint256 n = drawn.length;
        members = new address[](n);
        seats = new uint8[](n);
        uint256 count;
        for (uint256 i; i < n; ++i) {
            uint256 j;
            while (j < count && members[j] != drawn[i]) ++j;
            if (j == count) members[count++] = drawn[i];
            ++seats[j];
        }
        // Shrink both arrays to the members found. Safe: count <= n, their allocated length.
        assembly ("memory-safe") {
            mstore(members, count)
            mstore(seats, count)
        }
    }

    /// @inheritdoc ICommitteeCourt
    function commitVote(uint256 jobId, bytes32 commitment) external {
        Dispute storage d = _drawnDispute(jobId);
        if (block.timestamp > d.commitBy) revert CourtCommitClosed(jobId, d.commitBy, block.timestamp);
        // A zero commitment would leave the seat uncommitted while counting it.
        if (commitment == 0) revert CourtZeroCommitment(jobId);
        Vote storage v = _votes[jobId][_memberIndex(jobId, msg.sender)];
        if (v.commitment != 0) revert CourtVoteState(jobId, msg.sender, true, v.outputHash != 0);
        v.commitment = commitment;
        ++d.committed;
        emit VoteCommitted(jobId, msg.sender);
    }

    /// @inheritdoc ICommitteeCourt
    function revealVote(uint256 jobId, bytes32 outputHash, bytes32 salt) external {
        Dispute storage d = _drawnDispute(jobId);
        // Reveals open once every member committed or the commit window closed.
        uint256 opensAfter = d.committed == d.members ? 0 : d.commitBy;
        if (block.timestamp <= opensAfter || block.timestamp > d.revealBy) {
            revert CourtRevealWindow(jobId, opensAfter, d.revealBy, block.timestamp);
        }
        if (outputHash == 0) revert CourtZeroOutputHash(jobId);
        Vote storage v = _votes[jobId][_memberIndex(jobId, msg.sender)];
        if (v.commitment == 0 || v.outputHash != 0) {
            revert CourtVoteState(jobId, msg.sender, v.commitment != 0, v.outputHash != 0);
        }
        if (commitmentOf(jobId, msg.sender, outputHash, salt) != v.commitment) revert CourtBadReveal(jobId, msg.sender);
        v.outputHash = outputHash;
        ++d.revealed;
        emit VoteRevealed(jobId, msg.sender, outputHash);
    }

    /// @inheritdoc ICommitteeCourt
    function resolve(uint256 jobId, int256[] calldata output) external nonReentrant {
        Dispute storage d = _openDispute(jobId);
        if (d.byProof) return _resolveProof(jobId, d, output);
        if (d.commitBy == 0) {
            // Never drawn: undecided once the draw window has closed.
            if (block.timestamp <= d.drawBy) revert CourtNotDue(jobId, d.drawBy, block.timestamp);
        } else if (block.timestamp <= d.revealBy && d.revealed < d.members) {
            // Due after the reveal window, once every member revealed, or at once when no seat was
            // filled (every other node left the pool before the seed block).
            revert CourtNotDue(jobId, d.revealBy, block.timestamp);
        }
        d.resolved = true;
        // Members are absent only once the reveal window has closed: a dispute resolved earlier
        // (every member revealed, or no seat filled) fines nobody.
        (IInferenceHub.Verdict verdict, address[] memory paid, address[] memory absent) =
            _tally(jobId, d.size, d.commitBy != 0 && block.timestamp > d.revealBy);
        hub.closeDispute(jobId, verdict, d.challenger, msg.sender, paid, absent, output);
    }

    /// @dev A fraud proof: unsound at once if its release was frozen meanwhile (its verifier is gone,
    ///      and with it what the proof was worth), else fraud once the answer window has closed.
    function _resolveProof(uint256 jobId, Dispute storage d, int256[] calldata output) private {
        IInferenceHub.Job memory job = hub.getJob(jobId);
        (address verifier,) = _models.verifierOf(job.modelId, job.version);
        IInferenceHub.Verdict verdict = verifier == address(0) ? IInferenceHub.Verdict.Unsound : IInferenceHub.Verdict.Fraud;
        if (verdict == IInferenceHub.Verdict.Fraud && block.timestamp <= d.drawBy) {
            revert CourtNotDue(jobId, d.drawBy, block.timestamp);
        }
        d.resolved = true;
        emit DisputeResolved(jobId, verdict, 0, 0);
        address[] memory nobody = new address[](0);
        hub.closeDispute(jobId, verdict, d.challenger, msg.sender, nobody, nobody, output);
    }

    /// @dev Counts the revealed votes, each weighing its member's seats: the posted output behind a
    ///      strict majority of the configured `size` seats, or another output behind more than two
    ///      thirds of them, decides. Returns who is paid, once per seat (the
    ///      majority when decided, every member who revealed when undecided) and, when
    ///      `windowClosed`, who is absent (drawn, never revealed), once per member.
    function _tally(uint256 jobId, uint256 size, bool windowClosed)
        private
        returns (IInferenceHub.Verdict verdict, address[] memory paid, address[] memory absent)
    {
        address[] memory members = _committees[jobId];
        uint8[] memory seats = _seats[jobId];
        (bytes32[] memory revealed, Count memory c) = _count(jobId, seats, windowClosed);
        // A strict majority of the seats decides, whichever output it backs. The rule is symmetric
        // on purpose: a minority wins only when the draw hands it a majority of the seats, on
        // either side. A higher bar for conviction (two thirds, say) hands a minority a veto instead:
        // with a third of the seats it upholds its own lies and makes challenging them a loss
        // (README, "Who judges a VANILLA result").
        bool forNode = c.best == hub.getJob(jobId).outputHash;
        bool decided = c.bestVotes * 2 > size;
        if (!decided) verdict = IInferenceHub.Verdict.Undecided;
        else if (forNode) verdict = IInferenceHub.Verdict.NodeRight;
        else verdict = IInferenceHub.Verdict.Fraud;

        paid = new address[](decided ? c.bestVotes : c.revealedSeats);
        absent = new address[](c.absent);
        uint256 p;
        uint256 a;
        for (uint256 i; i < members.length; ++i) {
            bytes32 h = revealed[i];
            if (h == 0) {
                if (windowClosed) absent[a++] = members[i];
            } else if (!decided || h == c.best) {
                for (uint256 k; k < seats[i]; ++k) {
                    paid[p++] = members[i];
                }
            }
        }
        emit DisputeResolved(jobId, verdict, decided ? c.best : bytes32(0), c.bestVotes);
    }

    /// @dev The output with the most seats behind it, the seats that revealed, and the members
    ///      absent (counted only when `windowClosed`).
    struct Count {
        bytes32 best;
        uint256 bestVotes;
        uint256 revealedSeats;
        uint256 absent;
    }

    /// @dev Reads the revealed output hashes (zero: not revealed) and counts them.
    function _count(uint256 jobId, uint8[] memory seats, bool windowClosed)
        private
        view
        returns (bytes32[] memory revealed, Count memory c)
    {
        uint256 count = seats.length;
        revealed = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            bytes32 h = _votes[jobId][i].outputHash;
            revealed[i] = h;
            if (h == 0) {
                if (windowClosed) ++c.absent;
                continue;
            }
            c.revealedSeats += seats[i];
            uint256 n;
            for (uint256 j; j <= i; ++j) {
                if (revealed[j] == h) n += seats[j];
            }
            if (n > c.bestVotes) (c.best, c.bestVotes) = (h, n);
        }
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ICommitteeCourt
    function getDispute(uint256 jobId) external view returns (Dispute memory, address[] memory, uint8[] memory) {
        return (_disputes[jobId], _committees[jobId], _seats[jobId]);
    }

    /// @inheritdoc ICommitteeCourt
    function getVote(uint256 jobId, uint256 index) external view returns (Vote memory) {
        return _votes[jobId][index];
    }

    /// @inheritdoc ICommitteeCourt
    function commitmentOf(uint256 jobId, address member, bytes32 outputHash, bytes32 salt)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(jobId, member, outputHash, salt));
    }

    // ------------------------------------------------------------------ internals

    function _openDispute(uint256 jobId) private view returns (Dispute storage d) {
        d = _disputes[jobId];
        if (d.challenger == address(0)) revert CourtUnknownDispute(jobId);
        if (d.resolved) revert CourtResolved(jobId);
    }

    function _drawnDispute(uint256 jobId) private view returns (Dispute storage d) {
        d = _openDispute(jobId);
        if (d.commitBy == 0) revert CourtDrawn(jobId, false);
    }

    /// @dev The caller's index among the committee's members (at most 15).
    function _memberIndex(uint256 jobId, address member) private view returns (uint256) {
        address[] storage committee = _committees[jobId];
        uint256 count = committee.length;
        for (uint256 i; i < count; ++i) {
            if (committee[i] == member) return i;
        }
        revert CourtNotMember(jobId, member);
    }
}
