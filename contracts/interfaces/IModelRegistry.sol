// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TrustLevel} from "../libraries/TrustLevels.sol";

/// @title IModelRegistry
/// @notice Models and their releases: what a node must run, what it costs at each trust level, who
///         earns the royalty and which proof verifier checks its ZK results.
interface IModelRegistry {
    /// @notice What a release is and what it costs. Immutable once added, except `deprecated`.
    /// @dev Storage packing: [contentHash] = 256; [weightsCommitment] = 256;
    ///      [verifier, inputSize, outputSize, scaleBits, levels, royaltyBps, deprecated] =
    ///      [160, 32, 32, 8, 8, 16, 8] = 264, so `deprecated` starts the next slot;
    ///      [deprecated, ceremony] = [8, 64]; [prices[0], prices[1]] = [96, 96]; [prices[2]] = 96;
    ///      [inputMin, inputMax] = [128, 128].
    struct Release {
        /// keccak256 of the model file (ONNX or JSON spec) exactly as published.
        bytes32 contentHash;
        /// Commitment to the quantized weights (the circuit's weight commitment for ZK models).
        bytes32 weightsCommitment;
        /// The IProofVerifier that checks ZK results; zero when the release has no circuit.
        address verifier;
        /// Number of fixed-point integers in one input.
        uint32 inputSize;
        /// Number of fixed-point integers in one output.
        uint32 outputSize;
        /// Fixed-point scale: a real value x is carried as round(x * 2^scaleBits).
        uint8 scaleBits;
        /// Bit mask of supported {TrustLevel}s.
        uint8 levels;
        /// Share of each fee paid to the model owner, in basis points.
        uint16 royaltyBps;
        /// Deprecated releases take no new requests.
        bool deprecated;
        /// The setup ceremony whose final zkey the verifier was made from (see {openCeremony}): zero
        /// when the release has no circuit, or when its keys are a single-party development setup
        /// (whoever made them could prove anything; nodes refuse such releases unless told otherwise).
        uint64 ceremony;
        /// Price per trust level, in network tokens, indexed by uint8(TrustLevel).
        uint96[3] prices;
        /// The smallest input value (fixed point) a request may carry: the circuit's range for ZK
        /// models, taken from the build manifest, so every accepted input can be served and proven.
        int128 inputMin;
        /// The largest input value (fixed point) a request may carry.
        int128 inputMax;
    }

    /// @notice What the hub needs to accept a request.
    struct ServingTerms {
        uint32 version;
        uint96 price;
        uint32 inputSize;
        uint32 outputSize;
        uint16 royaltyBps;
        int128 inputMin;
        int128 inputMax;
        /// The release has a proof verifier: its VANILLA results are disputed by fraud proofs, not committees.
        bool byProof;
    }

    /// @notice Thrown when `modelId` was never registered.
    error ModelUnknown(uint32 modelId);
    /// @notice Thrown when `modelId` has no release `version` (major << 16 | minor).
    error ModelReleaseUnknown(uint32 modelId, uint32 version);
    /// @notice Thrown when a release is deprecated.
    error ModelReleaseDeprecated(uint32 modelId, uint32 version);
    /// @notice Thrown when a release does not support the requested trust level.
    error ModelLevelUnsupported(uint32 modelId, uint32 version, TrustLevel level);
    /// @notice Thrown when a new release's version is not above the latest one.
    error ModelVersionNotIncreasing(uint32 modelId, uint32 version, uint32 latest);
    /// @notice Thrown when a caller other than the model owner manages the model.
    error ModelNotOwner(uint32 modelId, address caller, address owner);
    /// @notice Thrown when a caller other than the pending owner accepts a transfer.
    error ModelNotPendingOwner(uint32 modelId, address caller, address pendingOwner);
    /// @notice Thrown when a release declares no trust level or an unknown one.
    error ModelInvalidLevels(uint8 levels);
    /// @notice Thrown when a release supports ZK but has no verifier, or names one without ZK.
    error ModelVerifierMismatch(uint8 levels, address verifier);
    /// @notice Thrown when the royalty is above {MAX_ROYALTY_BPS}.
    error ModelRoyaltyTooHigh(uint16 royaltyBps, uint16 maxBps);
    /// @notice Thrown when input or output size is zero or above {MAX_IO_SIZE}.
    error ModelInvalidShape(uint32 inputSize, uint32 outputSize);
    /// @notice Thrown when the input range is empty (min above max).
    error ModelInvalidInputRange(int128 inputMin, int128 inputMax);
    /// @notice Thrown when the content hash or the weights commitment is zero.
    error ModelInvalidHash();
    /// @notice Thrown when the model name is empty or longer than 64 bytes.
    error ModelInvalidName(uint256 length);
    /// @notice Thrown when a name is already registered: a name belongs to its first registrant.
    error ModelNameTaken(string name, uint32 modelId, address owner);

    /// @notice The phases of a Groth16 phase-2 ceremony, in order. See {openCeremony}.
    enum CeremonyPhase {
        None,
        /// Taking contributions.
        Open,
        /// Closed by its coordinator: the beacon block is fixed, and not yet mined (or its hash was not yet read).
        Closed,
        /// The beacon (the hash of the beacon block) is recorded; the coordinator applies it.
        Sealed,
        /// The final zkey's hash is recorded; a release may name the ceremony.
        Final
    }

    /// @notice A phase-2 ceremony for one circuit, coordinated by whoever opened it.
    /// @dev Storage packing: [coordinator, beaconBlock, contributions] = [160, 64, 32] = 256; then one
    ///      slot per hash.
    struct Ceremony {
        address coordinator;
        uint64 beaconBlock;
        uint32 contributions;
        /// The weights commitment of the model whose circuit this is.
        bytes32 weightsCommitment;
        /// keccak256 of the circuit's r1cs file.
        bytes32 r1csHash;
        /// keccak256 of the powers-of-tau file the initial zkey was made from (phase 1).
        bytes32 ptauHash;
        /// keccak256 of the initial zkey (no contribution yet).
        bytes32 initialZkey;
        /// blockhash(beaconBlock): the public randomness applied after the last contribution.
        bytes32 beacon;
        /// keccak256 of the final zkey (every contribution, then the beacon).
        bytes32 finalZkey;
    }

    /// @notice Thrown for a ceremony id that was never opened.
    error CeremonyUnknown(uint64 ceremonyId);
    /// @notice Thrown when a ceremony is not in the phase a call needs.
    error CeremonyWrongPhase(uint64 ceremonyId, CeremonyPhase phase, CeremonyPhase required);
    /// @notice Thrown when anyone but the ceremony's coordinator closes or finalizes it.
    error CeremonyNotCoordinator(uint64 ceremonyId, address caller, address coordinator);
    /// @notice Thrown when a ceremony is closed with no contribution.
    error CeremonyNoContributions(uint64 ceremonyId);
    /// @notice Thrown when a contribution's hash is zero or already recorded.
    error CeremonyContributionInvalid(uint64 ceremonyId, bytes32 contributionHash);
    /// @notice Thrown when the ceremony is sealed before its beacon block is mined.
    error CeremonyBeaconPending(uint64 ceremonyId, uint64 beaconBlock, uint256 blockNumber);
    /// @notice Thrown when a zero hash is given where a file's hash is needed.
    error CeremonyInvalidHash();
    /// @notice Thrown when a release names a ceremony that is not final, not its owner's, or for other weights.
    /// @notice Thrown for a release that two valid proofs of different outputs for one input proved
    ///         unsound: it serves no new job at any level ({ISoundnessBonds}).
    error ModelReleaseFrozen(uint32 modelId, uint32 version);
    /// @notice Thrown for a ZK job of a release whose owner has not posted the soundness bond.
    error ModelReleaseUnbonded(uint32 modelId, uint32 version);
    /// @notice Thrown when anyone but the soundness bonds contract marks a release, or the contract
    ///         is set twice or by anyone but the deployer.
    error ModelOnlySoundnessBonds(address caller, address bonds);
    error ModelCeremonyMismatch(uint64 ceremonyId, bytes32 weightsCommitment, bytes32 ceremonyWeights, address coordinator);

    /// @notice Emitted when a model is registered.
    event ModelRegistered(uint32 indexed modelId, address indexed owner, string name);
    /// @notice Emitted when a release is added.
    event ReleaseAdded(
        uint32 indexed modelId,
        uint32 indexed version,
        bytes32 contentHash,
        bytes32 weightsCommitment,
        address verifier,
        uint8 levels,
        uint96[3] prices
    );
    /// @notice Emitted when a phase-2 ceremony is opened.
    event CeremonyOpened(
        uint64 indexed ceremonyId,
        address indexed coordinator,
        bytes32 weightsCommitment,
        bytes32 r1csHash,
        bytes32 ptauHash,
        bytes32 initialZkey
    );
    /// @notice Emitted for each contribution: the zkey it read, the zkey it wrote and its hash (snarkjs'
    ///         64-byte contribution hash, keccak256'd).
    event CeremonyContributed(
        uint64 indexed ceremonyId,
        uint32 index,
        address indexed contributor,
        bytes32 contributionHash,
        bytes32 zkeyBefore,
        bytes32 zkeyAfter
    );
    /// @notice Emitted when a ceremony is closed (or its beacon block renewed after 256 blocks unread).
    event CeremonyClosed(uint64 indexed ceremonyId, uint64 beaconBlock);
    /// @notice Emitted when the beacon is recorded.
    event CeremonySealed(uint64 indexed ceremonyId, bytes32 beacon);
    /// @notice Emitted when the final zkey is recorded.
    event CeremonyFinalized(uint64 indexed ceremonyId, bytes32 finalZkey);
    /// @notice Emitted when a release is deprecated.
    event ReleaseDeprecated(uint32 indexed modelId, uint32 indexed version);
    /// @notice The soundness bonds contract was set (once, at deployment).
    event SoundnessBondsSet(address bonds);
    /// @notice A ZK release's bond reached the minimum (`bonded`) or is on its way out.
    event ReleaseBonded(uint32 indexed modelId, uint32 indexed version, bool bonded);
    /// @notice The release was proven unsound and serves no new job.
    event ReleaseFrozen(uint32 indexed modelId, uint32 indexed version);
    /// @notice Emitted when the owner starts a transfer of the model.
    event ModelTransferStarted(uint32 indexed modelId, address indexed from, address indexed to);
    /// @notice Emitted when a transfer is accepted.
    event ModelTransferred(uint32 indexed modelId, address indexed from, address indexed to);

    /// @notice Registers a model owned by the caller, with its first release. Returns its id.
    function registerModel(string calldata name, uint32 version, Release calldata release) external returns (uint32 modelId);

    /// @notice Adds a release to a model. Only the owner. `version` must be above the latest.
    function addRelease(uint32 modelId, uint32 version, Release calldata release) external;

    /// @notice Opens a Groth16 phase-2 ceremony for the circuit of `weightsCommitment`, coordinated by
    ///         the caller: the circuit (r1cs), the phase-1 powers of tau and the initial zkey are
    ///         named by their keccak256. Anyone may then contribute in turn ({contribute}); the
    ///         coordinator closes it ({closeCeremony}), which fixes a beacon block a few blocks ahead;
    ///         anyone records the beacon ({sealCeremony}); the coordinator applies it and records the
    ///         final zkey ({finalizeCeremony}). A release made from that zkey names the ceremony.
    function openCeremony(bytes32 weightsCommitment, bytes32 r1csHash, bytes32 ptauHash, bytes32 initialZkey)
        external
        returns (uint64 ceremonyId);

    /// @notice Records a contribution to an open ceremony: the zkey it read and wrote and its hash.
    ///         Anyone may contribute; the record names the sender, so a node can find its own.
    function contribute(uint64 ceremonyId, bytes32 zkeyBefore, bytes32 zkeyAfter, bytes32 contributionHash) external;

    /// @notice Closes a ceremony to contributions and fixes its beacon block. Only the coordinator.
    function closeCeremony(uint64 ceremonyId) external;

    /// @notice Records the beacon: the hash of the beacon block, once mined. Anyone. If that hash can
    ///         no longer be read (256 blocks later), a new beacon block is fixed instead.
    function sealCeremony(uint64 ceremonyId) external;

    /// @notice Records the final zkey (the last contribution's, with the beacon applied). Only the coordinator.
    function finalizeCeremony(uint64 ceremonyId, bytes32 finalZkey) external;

    /// @notice A ceremony and its phase.
    function getCeremony(uint64 ceremonyId) external view returns (Ceremony memory, CeremonyPhase phase);

    /// @notice Who recorded contribution `contributionHash` to a ceremony (zero: nobody).
    function contributorOf(uint64 ceremonyId, bytes32 contributionHash) external view returns (address);

    /// @notice Deprecates a release: it takes no new requests. Only the owner.
    function deprecateRelease(uint32 modelId, uint32 version) external;

    /// @notice Deployer only, once: the contract that holds soundness bonds and freezes releases.
    function setSoundnessBonds(address bonds) external;

    /// @notice Soundness bonds contract only: whether a release's ZK jobs are backed by its bond.
    function setBonded(uint32 modelId, uint32 version, bool bonded) external;

    /// @notice Soundness bonds contract only: freezes a release proven unsound, for good. It serves
    ///         no new job and {verifierOf} returns no verifier, so no proof of it settles anything.
    function freezeRelease(uint32 modelId, uint32 version) external;

    /// @notice Whether the release's ZK jobs are bonded and whether it was frozen as unsound.
    function soundnessOf(uint32 modelId, uint32 version) external view returns (bool bonded, bool frozen);

    /// @notice The soundness bonds contract (zero until set at deployment).
    function soundnessBonds() external view returns (address);

    /// @notice Starts a two-step ownership transfer of a model. Only the owner.
    function transferModel(uint32 modelId, address to) external;

    /// @notice Accepts a pending transfer. Only the pending owner.
    function acceptModel(uint32 modelId) external;

    /// @notice The release of `modelId` at `version` (0 = latest). Reverts when unknown.
    function getRelease(uint32 modelId, uint32 version) external view returns (uint32 resolvedVersion, Release memory);

    /// @notice What the hub needs to accept a request, read from as few slots as possible: reverts
    ///         like {requireServable}. Returns the resolved version, the price at `level`, the
    ///         input and output sizes, the owner's royalty and the accepted input range.
    function servingTerms(uint32 modelId, uint32 version, TrustLevel level) external view returns (ServingTerms memory);

    /// @notice What settling a job of a release needs: the owner who earns the royalty, the royalty
    ///         and the output size (two slots). Reverts when the model or release is unknown.
    function settlementTerms(uint32 modelId, uint32 version)
        external
        view
        returns (address owner, uint16 royaltyBps, uint32 outputSize);

    /// @notice The output size of a release (one slot). Reverts when the release is unknown.
    function outputSizeOf(uint32 modelId, uint32 version) external view returns (uint32);

    /// @notice The proof verifier of a release and the weights commitment it checks (two slots).
    ///         Reverts when the release is unknown.
    function verifierOf(uint32 modelId, uint32 version) external view returns (address verifier, bytes32 weightsCommitment);

    /// @notice Like {getRelease}, but also reverts when the release is deprecated or lacks `level`,
    ///         and returns the owner who earns the royalty.
    function requireServable(uint32 modelId, uint32 version, TrustLevel level)
        external
        view
        returns (uint32 resolvedVersion, address owner, Release memory);

    /// @notice Whether release `version` (not 0) of `modelId` exists.
    function releaseExists(uint32 modelId, uint32 version) external view returns (bool);

    /// @notice The id of the model registered under `name` (zero when none): names are unique.
    function modelIdOf(string calldata name) external view returns (uint32);

    /// @notice The model's owner, name, latest version and number of releases.
    function getModel(uint32 modelId)
        external
        view
        returns (address owner, string memory name, uint32 latestVersion, uint32 releaseCount);

    /// @notice The owner of `modelId`, who earns its royalties. Reverts when unknown.
    function ownerOf(uint32 modelId) external view returns (address);

    /// @notice The number of registered models; ids run from 1 to this number.
    function modelCount() external view returns (uint32);
}
