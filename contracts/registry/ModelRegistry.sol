// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {TrustLevel, TrustLevels} from "../libraries/TrustLevels.sol";

/// @title ModelRegistry
/// @notice Anyone may register a model; its owner adds releases, deprecates them and earns the
///         royalty of every job that runs them. Releases are immutable once added. A name belongs
///         to its first registrant, so a model found by name cannot be an impostor.
contract ModelRegistry is IModelRegistry {
    /// @notice Largest royalty a model owner may take, in basis points (50%).
    uint16 public constant MAX_ROYALTY_BPS = 5_000;
    /// @notice Largest input or output size, in fixed-point integers.
    uint32 public constant MAX_IO_SIZE = 4_096;
    /// @notice Longest model name, in bytes.
    uint256 public constant MAX_NAME_LENGTH = 64;
    /// @notice Blocks between a ceremony's close and its beacon block: the beacon is unknown to
    ///         every contributor, the last included.
    uint64 public constant BEACON_DELAY = 3;

    struct Model {
        // [owner, latestVersion, releaseCount]: [160, 32, 32] = 224
        address owner;
        uint32 latestVersion;
        uint32 releaseCount;
        // [pendingOwner]: [160]
        address pendingOwner;
        string name;
    }

    /// @dev Flags per release key (`modelId << 32 | version`).
    uint8 private constant BONDED = 1;
    uint8 private constant FROZEN = 2;

    address private immutable _deployer;
    /// @inheritdoc IModelRegistry
    address public soundnessBonds;

    uint32 private _modelCount;
    mapping(uint32 modelId => Model) private _models;
    mapping(uint32 modelId => mapping(uint32 version => Release)) private _releases;
    mapping(bytes32 nameHash => uint32 modelId) private _byName;
    uint64 private _ceremonyCount;
    mapping(uint64 ceremonyId => Ceremony) private _ceremonies;
    mapping(uint64 ceremonyId => mapping(bytes32 contributionHash => address contributor)) private _contributors;
    mapping(uint64 release => uint8 flags) private _soundness;

    modifier onlyBonds() {
        if (msg.sender != soundnessBonds || msg.sender == address(0)) {
            revert ModelOnlySoundnessBonds(msg.sender, soundnessBonds);
        }
        _;
    }

    constructor() {
        _deployer = msg.sender;
    }

    /// @inheritdoc IModelRegistry
    function registerModel(string calldata name, uint32 version, Release calldata release)
        external
        returns (uint32 modelId)
    {
        uint256 length = bytes(name).length;
        if (length == 0 || length > MAX_NAME_LENGTH) revert ModelInvalidName(length);
        bytes32 nameHash = keccak256(bytes(name));
        uint32 taken = _byName[nameHash];
        if (taken != 0) revert ModelNameTaken(name, taken, _models[taken].owner);
        modelId = ++_modelCount;
        _byName[nameHash] = modelId;
        Model storage model = _models[modelId];
        model.owner = msg.sender;
        model.name = name;
        emit ModelRegistered(modelId, msg.sender, name);
        _addRelease(modelId, model, version, release);
    }

    /// @inheritdoc IModelRegistry
    function addRelease(uint32 modelId, uint32 version, Release calldata release) external {
        _addRelease(modelId, _ownedModel(modelId), version, release);
    }

    /// @inheritdoc IModelRegistry
    function openCeremony(bytes32 weightsCommitment, bytes32 r1csHash, bytes32 ptauHash, bytes32 initialZkey)
        external
        returns (uint64 ceremonyId)
    {
        if (weightsCommitment == 0 || r1csHash == 0 || ptauHash == 0 || initialZkey == 0) revert CeremonyInvalidHash();
        ceremonyId = ++_ceremonyCount;
        Ceremony storage c = _ceremonies[ceremonyId];
        c.coordinator = msg.sender;
        c.weightsCommitment = weightsCommitment;
        c.r1csHash = r1csHash;
        c.ptauHash = ptauHash;
        c.initialZkey = initialZkey;
        emit CeremonyOpened(ceremonyId, msg.sender, weightsCommitment, r1csHash, ptauHash, initialZkey);
    }

    /// @inheritdoc IModelRegistry
    function contribute(uint64 ceremonyId, bytes32 zkeyBefore, bytes32 zkeyAfter, bytes32 contributionHash) external {
        Ceremony storage c = _inPhase(ceremonyId, CeremonyPhase.Open);
        if (zkeyBefore == 0 || zkeyAfter == 0) revert CeremonyInvalidHash();
        if (contributionHash == 0 || _contributors[ceremonyId][contributionHash] != address(0)) {
            revert CeremonyContributionInvalid(ceremonyId, contributionHash);
        }
        _contributors[ceremonyId][contributionHash] = msg.sender;
        uint32 index = c.contributions;
        c.contributions = index + 1;
        emit CeremonyContributed(ceremonyId, index, msg.sender, contributionHash, zkeyBefore, zkeyAfter);
    }

    /// @inheritdoc IModelRegistry
    function closeCeremony(uint64 ceremonyId) external {
        Ceremony storage c = _inPhase(ceremonyId, CeremonyPhase.Open);
        if (c.coordinator != msg.sender) revert CeremonyNotCoordinator(ceremonyId, msg.sender, c.coordinator);
        if (c.contributions == 0) revert CeremonyNoContributions(ceremonyId);
        uint64 beaconBlock = uint64(block.number) + BEACON_DELAY;
        c.beaconBlock = beaconBlock;
        emit CeremonyClosed(ceremonyId, beaconBlock);
    }

    /// @inheritdoc IModelRegistry
    function sealCeremony(uint64 ceremonyId) external {
        Ceremony storage c = _inPhase(ceremonyId, CeremonyPhase.Closed);
        uint64 beaconBlock = c.beaconBlock;
        if (block.number <= beaconBlock) revert CeremonyBeaconPending(ceremonyId, beaconBlock, block.number);
        bytes32 beacon = blockhash(beaconBlock);
        if (beacon == 0) {
            // Unread for 256 blocks: a new beacon block, as far ahead as the first. Nobody picks it.
            beaconBlock = uint64(block.number) + BEACON_DELAY;
            c.beaconBlock = beaconBlock;
            emit CeremonyClosed(ceremonyId, beaconBlock);
            return;
        }
        c.beacon = beacon;
        emit CeremonySealed(ceremonyId, beacon);
    }

    /// @inheritdoc IModelRegistry
    function finalizeCeremony(uint64 ceremonyId, bytes32 finalZkey) external {
        Ceremony storage c = _inPhase(ceremonyId, CeremonyPhase.Sealed);
        if (c.coordinator != msg.sender) revert CeremonyNotCoordinator(ceremonyId, msg.sender, c.coordinator);
        if (finalZkey == 0) revert CeremonyInvalidHash();
        c.finalZkey = finalZkey;
        emit CeremonyFinalized(ceremonyId, finalZkey);
    }

    /// @inheritdoc IModelRegistry
    function getCeremony(uint64 ceremonyId) external view returns (Ceremony memory, CeremonyPhase) {
        return (_ceremonies[ceremonyId], _phase(ceremonyId));
    }

    /// @inheritdoc IModelRegistry
    function contributorOf(uint64 ceremonyId, bytes32 contributionHash) external view returns (address) {
        return _contributors[ceremonyId][contributionHash];
    }

    /// @inheritdoc IModelRegistry
    function deprecateRelease(uint32 modelId, uint32 version) external {
        _ownedModel(modelId);
        Release storage release = _releases[modelId][version];
        if (release.contentHash == 0) revert ModelReleaseUnknown(modelId, version);
        if (release.deprecated) revert ModelReleaseDeprecated(modelId, version);
        release.deprecated = true;
        emit ReleaseDeprecated(modelId, version);
    }

    /// @inheritdoc IModelRegistry
    function setSoundnessBonds(address bonds) external {
        if (msg.sender != _deployer || soundnessBonds != address(0) || bonds == address(0)) {
            revert ModelOnlySoundnessBonds(msg.sender, soundnessBonds);
        }
        soundnessBonds = bonds;
        emit SoundnessBondsSet(bonds);
    }

    /// @inheritdoc IModelRegistry
    function setBonded(uint32 modelId, uint32 version, bool bonded) external onlyBonds {
        uint64 key = _key(modelId, version);
        uint8 flags = _soundness[key];
        _soundness[key] = bonded ? flags | BONDED : flags & ~BONDED;
        emit ReleaseBonded(modelId, version, bonded);
    }

    /// @inheritdoc IModelRegistry
    function freezeRelease(uint32 modelId, uint32 version) external onlyBonds {
        uint64 key = _key(modelId, version);
        _soundness[key] = FROZEN;
        emit ReleaseFrozen(modelId, version);
    }

    /// @inheritdoc IModelRegistry
    function soundnessOf(uint32 modelId, uint32 version) external view returns (bool bonded, bool frozen) {
        uint8 flags = _soundness[_key(modelId, version)];
        return (flags & BONDED != 0, flags & FROZEN != 0);
    }

    /// @inheritdoc IModelRegistry
    function transferModel(uint32 modelId, address to) external {
        Model storage model = _ownedModel(modelId);
        model.pendingOwner = to;
        emit ModelTransferStarted(modelId, msg.sender, to);
    }

    /// @inheritdoc IModelRegistry
    function acceptModel(uint32 modelId) external {
        Model storage model = _existingModel(modelId);
        address pending = model.pendingOwner;
        if (msg.sender != pending || pending == address(0)) {
            revert ModelNotPendingOwner(modelId, msg.sender, pending);
        }
        address from = model.owner;
        model.owner = pending;
        delete model.pendingOwner;
        emit ModelTransferred(modelId, from, pending);
    }

    /// @inheritdoc IModelRegistry
    function getRelease(uint32 modelId, uint32 version) public view returns (uint32, Release memory) {
        Model storage model = _existingModel(modelId);
        if (version == 0) version = model.latestVersion;
        Release storage release = _releases[modelId][version];
        if (release.contentHash == 0) revert ModelReleaseUnknown(modelId, version);
        return (version, release);
    }

    /// @inheritdoc IModelRegistry
    function requireServable(uint32 modelId, uint32 version, TrustLevel level)
        external
        view
        returns (uint32 resolvedVersion, address owner, Release memory release)
    {
        (resolvedVersion, release) = getRelease(modelId, version);
        if (release.deprecated) revert ModelReleaseDeprecated(modelId, resolvedVersion);
        _checkSound(modelId, resolvedVersion, level);
        if (!TrustLevels.includes(release.levels, level)) {
            revert ModelLevelUnsupported(modelId, resolvedVersion, level);
        }
        owner = _models[modelId].owner;
    }

    /// @inheritdoc IModelRegistry
    function settlementTerms(uint32 modelId, uint32 version)
        external
        view
        returns (address owner, uint16 royaltyBps, uint32 outputSize)
    {
        owner = _existingModel(modelId).owner;
        Release storage release = _releases[modelId][version];
        if (release.levels == 0) revert ModelReleaseUnknown(modelId, version);
        return (owner, release.royaltyBps, release.outputSize);
    }

    /// @inheritdoc IModelRegistry
    function outputSizeOf(uint32 modelId, uint32 version) external view returns (uint32) {
        Release storage release = _releases[modelId][version];
        if (release.levels == 0) revert ModelReleaseUnknown(modelId, version);
        return release.outputSize;
    }

    /// @inheritdoc IModelRegistry
    function verifierOf(uint32 modelId, uint32 version) external view returns (address verifier, bytes32 weightsCommitment) {
        Release storage release = _releases[modelId][version];
        if (release.levels == 0) revert ModelReleaseUnknown(modelId, version);
        // A frozen release's proofs prove nothing: no fraud proof and no ZK result of it settles.
        if (_soundness[_key(modelId, version)] & FROZEN != 0) return (address(0), release.weightsCommitment);
        return (release.verifier, release.weightsCommitment);
    }

    /// @inheritdoc IModelRegistry
    function servingTerms(uint32 modelId, uint32 version, TrustLevel level) external view returns (ServingTerms memory) {
        Model storage model = _existingModel(modelId);
        uint32 resolvedVersion = version == 0 ? model.latestVersion : version;
        Release storage release = _releases[modelId][resolvedVersion];
        // Reads the packed slot [verifier, inputSize, outputSize, scaleBits, levels, royaltyBps],
        // the deprecated flag, one price and the input range: not the hashes, not the other prices.
        uint8 levels = release.levels;
        if (levels == 0) revert ModelReleaseUnknown(modelId, resolvedVersion); // every release serves a level
        if (release.deprecated) revert ModelReleaseDeprecated(modelId, resolvedVersion);
        if (!TrustLevels.includes(levels, level)) revert ModelLevelUnsupported(modelId, resolvedVersion, level);
        _checkSound(modelId, resolvedVersion, level);
        return ServingTerms({
            version: resolvedVersion,
            price: release.prices[uint8(level)],
            inputSize: release.inputSize,
            outputSize: release.outputSize,
            royaltyBps: release.royaltyBps,
            inputMin: release.inputMin,
            inputMax: release.inputMax,
            byProof: release.verifier != address(0)
        });
    }

    /// @inheritdoc IModelRegistry
    function releaseExists(uint32 modelId, uint32 version) external view returns (bool) {
        return version != 0 && _releases[modelId][version].levels != 0;
    }

    /// @inheritdoc IModelRegistry
    function modelIdOf(string calldata name) external view returns (uint32) {
        return _byName[keccak256(bytes(name))];
    }

    /// @inheritdoc IModelRegistry
    function getModel(uint32 modelId)
        external
        view
        returns (address owner, string memory name, uint32 latestVersion, uint32 releaseCount)
    {
        Model storage model = _existingModel(modelId);
        return (model.owner, model.name, model.latestVersion, model.releaseCount);
    }

    /// @inheritdoc IModelRegistry
    function ownerOf(uint32 modelId) external view returns (address) {
        return _existingModel(modelId).owner;
    }

    /// @inheritdoc IModelRegistry
    function modelCount() external view returns (uint32) {
        return _modelCount;
    }

    function _addRelease(uint32 modelId, Model storage model, uint32 version, Release calldata release) private {
        if (version <= model.latestVersion) revert ModelVersionNotIncreasing(modelId, version, model.latestVersion);
        if (release.contentHash == 0 || release.weightsCommitment == 0) revert ModelInvalidHash();
        if (release.inputSize == 0 || release.outputSize == 0 || release.inputSize > MAX_IO_SIZE
            || release.outputSize > MAX_IO_SIZE) {
            revert ModelInvalidShape(release.inputSize, release.outputSize);
        }
        if (release.levels == 0 || release.levels & ~TrustLevels.ALL != 0) revert ModelInvalidLevels(release.levels);
        if (TrustLevels.includes(release.levels, TrustLevel.ZK) != (release.verifier != address(0))) {
            revert ModelVerifierMismatch(release.levels, release.verifier);
        }
        if (release.royaltyBps > MAX_ROYALTY_BPS) revert ModelRoyaltyTooHigh(release.royaltyBps, MAX_ROYALTY_BPS);
        if (release.inputMin > release.inputMax) revert ModelInvalidInputRange(release.inputMin, release.inputMax);
        if (release.ceremony != 0) {
            // A release may name only a final ceremony of its own owner, for its own weights, and only with a verifier.
            Ceremony storage c = _ceremonies[release.ceremony];
            if (
                _phase(release.ceremony) != CeremonyPhase.Final || c.coordinator != msg.sender
                    || c.weightsCommitment != release.weightsCommitment || release.verifier == address(0)
            ) {
                revert ModelCeremonyMismatch(release.ceremony, release.weightsCommitment, c.weightsCommitment, c.coordinator);
            }
        }

        Release storage stored = _releases[modelId][version];
        stored.contentHash = release.contentHash;
        stored.weightsCommitment = release.weightsCommitment;
        stored.verifier = release.verifier;
        stored.inputSize = release.inputSize;
        stored.outputSize = release.outputSize;
        stored.scaleBits = release.scaleBits;
        stored.levels = release.levels;
        stored.royaltyBps = release.royaltyBps;
        stored.ceremony = release.ceremony;
        stored.prices = release.prices;
        stored.inputMin = release.inputMin;
        stored.inputMax = release.inputMax;
        model.latestVersion = version;
        ++model.releaseCount;
        emit ReleaseAdded(
            modelId, version, release.contentHash, release.weightsCommitment, release.verifier, release.levels,
            release.prices
        );
    }

    /// @dev No new job of a frozen release; no ZK job of a release without its soundness bond.
    function _checkSound(uint32 modelId, uint32 version, TrustLevel level) private view {
        uint8 flags = _soundness[_key(modelId, version)];
        if (flags & FROZEN != 0) revert ModelReleaseFrozen(modelId, version);
        if (level == TrustLevel.ZK && flags & BONDED == 0) revert ModelReleaseUnbonded(modelId, version);
    }

    function _key(uint32 modelId, uint32 version) private pure returns (uint64) {
        return (uint64(modelId) << 32) | version;
    }

    function _phase(uint64 ceremonyId) private view returns (CeremonyPhase) {
        Ceremony storage c = _ceremonies[ceremonyId];
        if (c.coordinator == address(0)) return CeremonyPhase.None;
        if (c.beaconBlock == 0) return CeremonyPhase.Open;
        if (c.beacon == 0) return CeremonyPhase.Closed;
        if (c.finalZkey == 0) return CeremonyPhase.Sealed;
        return CeremonyPhase.Final;
    }

    function _inPhase(uint64 ceremonyId, CeremonyPhase required) private view returns (Ceremony storage c) {
        CeremonyPhase phase = _phase(ceremonyId);
        if (phase == CeremonyPhase.None) revert CeremonyUnknown(ceremonyId);
        if (phase != required) revert CeremonyWrongPhase(ceremonyId, phase, required);
        return _ceremonies[ceremonyId];
    }

    function _existingModel(uint32 modelId) private view returns (Model storage model) {
        model = _models[modelId];
        if (model.owner == address(0)) revert ModelUnknown(modelId);
    }

    function _ownedModel(uint32 modelId) private view returns (Model storage model) {
        model = _existingModel(modelId);
        if (model.owner != msg.sender) revert ModelNotOwner(modelId, msg.sender, model.owner);
    }
}
