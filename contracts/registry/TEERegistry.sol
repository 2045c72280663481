// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IAttestationVerifier} from "../interfaces/IAttestationVerifier.sol";
import {IInferenceHub} from "../interfaces/IInferenceHub.sol";
import {IJobCounter, ITEERegistry} from "../interfaces/ITEERegistry.sol";

/// @title TEERegistry
/// @notice Approved enclave code, admitted enclave keys and their heartbeats.
contract TEERegistry is ITEERegistry, Ownable2Step, EIP712 {
    bytes32 public constant HEARTBEAT_TYPEHASH = keccak256("Heartbeat(address enclaveKey,uint64 timestamp)");
    /// @notice Bound on both maximum ages.
    uint256 public constant MAX_AGE_BOUND = 30 days;
    /// @notice Most enclaves one operator may have admitted at once (bounds {disabledByGovernanceSince}).
    uint256 public constant MAX_ENCLAVES_PER_OPERATOR = 8;

    struct Measurement {
        // [approved, generation, scoped]: [8, 32, 8] = 48
        /// Approved for every model.
        bool approved;
        /// Bumped on every revocation; an enclave is valid only under the generation it was admitted in.
        uint32 generation;
        /// Approved for some models only ({approveMeasurementFor}).
        bool scoped;
    }

    IAttestationVerifier private _attestationVerifier;
    uint64 public maxAttestationAge;
    uint64 public maxHeartbeatAge;

    mapping(bytes32 measurement => Measurement) private _measurements;
    mapping(address enclaveKey => Enclave) private _enclaves;
    mapping(address operator => address[]) private _operatorEnclaves;
    /// @dev Per-model approvals: the measurement's generation + 1 when approved for the model.
    mapping(bytes32 measurement => mapping(uint32 modelId => uint32 generationPlusOne)) private _modelApprovals;
    /// @dev Keys that were removed: they can never be admitted again, whatever the attestation.
    mapping(address enclaveKey => bool) private _removed;
    /// @notice The hub whose job ids date governance actions (set once, at deployment).
    IJobCounter public hub;
    // Governance actions are dated by the first hub job requested after them ("firstJobAfter"):
    // a job with a smaller id was open when the action happened.
    /// @dev The revocation that ended `generation` of a measurement.
    mapping(bytes32 measurement => mapping(uint32 generation => uint64)) private _revokedAtJob;
    /// @dev The last removal of one of the operator's enclaves by governance, or by the operator
    ///      of one that a revocation had already disabled (dated by that revocation).
    mapping(address operator => uint64) private _disabledAtJob;
    /// @dev The last shortening of the heartbeat age.
    uint64 private _heartbeatCutAtJob;
    /// @dev The last time the operator removed one of its own enclaves while it was still usable.
    mapping(address operator => uint64) private _selfRemovedAtJob;

    constructor(address owner_, IAttestationVerifier verifier_, uint64 maxAttestationAge_, uint64 maxHeartbeatAge_)
        Ownable(owner_)
        EIP712("proofgrid TEERegistry", "1")
    {
        _setAttestationVerifier(verifier_);
        _setMaxAges(maxAttestationAge_, maxHeartbeatAge_);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc ITEERegistry
    function approveMeasurement(bytes32 measurement) external onlyOwner {
        Measurement storage m = _measurements[measurement];
        if (m.approved) revert TEEMeasurementStatusUnchanged(measurement, true);
        m.approved = true;
        emit MeasurementApproved(measurement, m.generation);
    }

    /// @inheritdoc ITEERegistry
    function approveMeasurementFor(bytes32 measurement, uint32 modelId) external onlyOwner {
        Measurement storage m = _measurements[measurement];
        m.scoped = true;
        _modelApprovals[measurement][modelId] = m.generation + 1;
        emit MeasurementApprovedFor(measurement, modelId, m.generation);
    }

    /// @inheritdoc ITEERegistry
    function revokeMeasurement(bytes32 measurement) external onlyOwner {
        Measurement storage m = _measurements[measurement];
        if (!m.approved && !m.scoped) revert TEEMeasurementStatusUnchanged(measurement, false);
        m.approved = false;
        m.scoped = false;
        uint32 generation = ++m.generation;
        _revokedAtJob[measurement][generation - 1] = _firstJobAfter();
        emit MeasurementRevoked(measurement, generation);
    }

    /// @notice Sets the hub whose job ids date governance actions, once. Only governance.
    function setHub(IJobCounter hub_) external onlyOwner {
        if (address(hub) != address(0) || address(hub_) == address(0)) revert TEEZeroAddress();
        hub = hub_;
    }

    /// @notice Replaces the attestation verifier (e.g. by a Nitro or SGX verifier). Only governance.
    function setAttestationVerifier(IAttestationVerifier verifier_) external onlyOwner {
        _setAttestationVerifier(verifier_);
    }

    /// @notice Sets how old an attestation and a heartbeat may be. Only governance.
    function setMaxAges(uint64 maxAttestationAge_, uint64 maxHeartbeatAge_) external onlyOwner {
        _setMaxAges(maxAttestationAge_, maxHeartbeatAge_);
    }

    // ---------------------------------------------------------------- operators and enclaves

    /// @inheritdoc ITEERegistry
    function admitEnclave(bytes calldata attestation) external returns (address enclaveKey) {
        IAttestationVerifier.Attested memory attested = _attestationVerifier.verifyAttestation(attestation);
        if (attested.operator != msg.sender) revert TEEOperatorMismatch(attested.operator, msg.sender);
        Measurement storage m = _measurements[attested.measurement];
        if (!m.approved && !m.scoped) revert TEEMeasurementNotApproved(attested.measurement);
        if (attested.issuedAt > block.timestamp || block.timestamp - attested.issuedAt > maxAttestationAge) {
            revert TEEAttestationStale(attested.issuedAt, maxAttestationAge, block.timestamp);
        }
        enclaveKey = attested.enclaveKey;
        // A removed key stays out, even with an attestation issued before or after its removal.
        if (_removed[enclaveKey]) revert TEEEnclaveRemoved(enclaveKey);
        Enclave storage enclave = _enclaves[enclaveKey];
        if (enclave.operator != address(0)) revert TEEEnclaveAlreadyAdmitted(enclaveKey, enclave.operator);
        address[] storage own = _operatorEnclaves[msg.sender];
        if (own.length >= MAX_ENCLAVES_PER_OPERATOR) revert TEETooManyEnclaves(msg.sender, MAX_ENCLAVES_PER_OPERATOR);
        own.push(enclaveKey);
        enclave.operator = msg.sender;
        enclave.generation = m.generation;
        enclave.lastHeartbeat = attested.issuedAt;
        enclave.measurement = attested.measurement;
        enclave.admittedAtJob = _firstJobAfter();
        emit EnclaveAdmitted(enclaveKey, msg.sender, attested.measurement);
    }

    /// @inheritdoc ITEERegistry
    function removeEnclave(address enclaveKey) external {
        Enclave storage enclave = _enclaves[enclaveKey];
        address operator = enclave.operator;
        if (operator == address(0)) revert TEEEnclaveUnknown(enclaveKey);
        if (msg.sender != operator && msg.sender != owner()) revert TEENotOperator(enclaveKey, msg.sender, operator);
        // Remember what governance did to this operator, also once the record is gone; and when the
        // operator itself gave up an enclave that was still usable (no excuse for jobs open then).
        uint64 disabledAt =
            msg.sender == operator ? _revokedAtJob[enclave.measurement][enclave.generation] : _firstJobAfter();
        if (disabledAt > _disabledAtJob[operator]) _disabledAtJob[operator] = disabledAt;
        Measurement storage m = _measurements[enclave.measurement];
        if (msg.sender == operator && m.generation == enclave.generation && (m.approved || m.scoped)) {
            _selfRemovedAtJob[operator] = _firstJobAfter();
        }
        address[] storage own = _operatorEnclaves[operator];
        uint256 count = own.length;
        for (uint256 i; i < count; ++i) {
            if (own[i] == enclaveKey) {
                own[i] = own[count - 1];
                own.pop();
                break;
            }
        }
        delete _enclaves[enclaveKey];
        _removed[enclaveKey] = true;
        emit EnclaveRemoved(enclaveKey, operator);
    }

    /// @inheritdoc ITEERegistry
    function heartbeat(address enclaveKey, uint64 timestamp, bytes calldata signature) external {
        Enclave storage enclave = _enclaves[enclaveKey];
        if (enclave.operator == address(0)) revert TEEEnclaveUnknown(enclaveKey);
        if (timestamp <= enclave.lastHeartbeat || timestamp > block.timestamp) {
            revert TEEHeartbeatOutOfOrder(enclaveKey, timestamp, enclave.lastHeartbeat, block.timestamp);
        }
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(HEARTBEAT_TYPEHASH, enclaveKey, timestamp)));
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, signature);
        if (err != ECDSA.RecoverError.NoError || signer != enclaveKey) revert TEEHeartbeatBadSignature(enclaveKey, signer);
        enclave.lastHeartbeat = timestamp;
        emit HeartbeatRecorded(enclaveKey, timestamp);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ITEERegistry
    function checkEnclave(address enclaveKey, address node, uint32 modelId) public view {
        Enclave storage enclave = _enclaves[enclaveKey];
        address operator = enclave.operator;
        if (operator == address(0)) revert TEEEnclaveUnknown(enclaveKey);
        if (operator != node) revert TEEEnclaveOfOtherNode(enclaveKey, operator, node);
        if (!_approvedFor(enclave, modelId)) {
            if (_measurements[enclave.measurement].generation == enclave.generation) {
                revert TEEMeasurementNotApprovedFor(enclaveKey, enclave.measurement, modelId);
            }
            revert TEEMeasurementRevoked(enclaveKey, enclave.measurement);
        }
        uint256 last = enclave.lastHeartbeat;
        if (block.timestamp > last + maxHeartbeatAge) {
            revert TEEHeartbeatStale(enclaveKey, last, maxHeartbeatAge, block.timestamp);
        }
    }

    /// @inheritdoc ITEERegistry
    function excusesTimeout(address operator, uint256 jobId, uint32 modelId) external view returns (bool) {
        // The operator gave up a usable enclave itself while the job was open: no excuse.
        if (_selfRemovedAtJob[operator] > jobId) return false;
        address[] storage own = _operatorEnclaves[operator];
        uint256 count = own.length;
        // An enclave it had before the job, still approved for the model and alive at the deadline
        // (its last heartbeat, before or after, keeps it fresh then): it could have signed. A dead
        // enclave could not, so it does not take away an excuse; and a node cannot make one by
        // letting a live enclave die after the deadline.
        bool approved;
        bool revokedSince;
        uint256 deadline = IInferenceHub(address(hub)).getJob(jobId).deadline;
        for (uint256 i; i < count; ++i) {
            Enclave storage enclave = _enclaves[own[i]];
            // Enclaves admitted after the job was requested (a recovery) do not count either way.
            if (enclave.admittedAtJob > jobId) continue;
            if (_approvedFor(enclave, modelId)) {
                if (uint256(enclave.lastHeartbeat) + maxHeartbeatAge >= deadline) approved = true;
            } else if (_revokedAtJob[enclave.measurement][enclave.generation] > jobId) revokedSince = true;
        }
        // Governance acted during the job (a removal, a revocation or a shorter heartbeat age) and
        // left the node no enclave that could sign by the deadline.
        return !approved && (revokedSince || _disabledAtJob[operator] > jobId || _heartbeatCutAtJob > jobId);
    }

    /// @inheritdoc ITEERegistry
    function isEnclaveValid(address enclaveKey, address node, uint32 modelId) external view returns (bool) {
        try this.checkEnclave(enclaveKey, node, modelId) {
            return true;
        } catch {
            return false;
        }
    }

    /// @inheritdoc ITEERegistry
    function enclavesOf(address operator) external view returns (address[] memory) {
        return _operatorEnclaves[operator];
    }

    /// @inheritdoc ITEERegistry
    function getEnclave(address enclaveKey) external view returns (Enclave memory) {
        return _enclaves[enclaveKey];
    }

    /// @inheritdoc ITEERegistry
    function isMeasurementApproved(bytes32 measurement) external view returns (bool) {
        return _measurements[measurement].approved;
    }

    /// @inheritdoc ITEERegistry
    function attestationVerifier() external view returns (IAttestationVerifier) {
        return _attestationVerifier;
    }

    /// @dev Whether the enclave's measurement is approved, in the enclave's generation, for every
    ///      model or for `modelId`.
    function _approvedFor(Enclave storage enclave, uint32 modelId) private view returns (bool) {
        Measurement storage m = _measurements[enclave.measurement];
        if (m.generation != enclave.generation) return false;
        return m.approved || _modelApprovals[enclave.measurement][modelId] == m.generation + 1;
    }

    /// @inheritdoc ITEERegistry
    function isMeasurementApprovedFor(bytes32 measurement, uint32 modelId) external view returns (bool) {
        Measurement storage m = _measurements[measurement];
        return m.approved || _modelApprovals[measurement][modelId] == m.generation + 1;
    }

    /// @dev The id the hub's next job will get: jobs below it were requested before now.
    function _firstJobAfter() private view returns (uint64) {
        IJobCounter h = hub;
        // Safe: job ids count requests, far below 2^64.
        return address(h) == address(0) ? 0 : uint64(h.jobCount() + 1);
    }

    function _setAttestationVerifier(IAttestationVerifier verifier_) private {
        if (address(verifier_) == address(0)) revert TEEZeroAddress();
        _attestationVerifier = verifier_;
        emit AttestationVerifierSet(address(verifier_));
    }

    function _setMaxAges(uint64 maxAttestationAge_, uint64 maxHeartbeatAge_) private {
        if (maxAttestationAge_ == 0 || maxAttestationAge_ > MAX_AGE_BOUND) {
            revert TEEInvalidParameter("maxAttestationAge", maxAttestationAge_);
        }
        if (maxHeartbeatAge_ == 0 || maxHeartbeatAge_ > MAX_AGE_BOUND) {
            revert TEEInvalidParameter("maxHeartbeatAge", maxHeartbeatAge_);
        }
        if (maxHeartbeatAge_ < maxHeartbeatAge) _heartbeatCutAtJob = _firstJobAfter();
        maxAttestationAge = maxAttestationAge_;
        maxHeartbeatAge = maxHeartbeatAge_;
        emit MaxAgesChanged(maxAttestationAge_, maxHeartbeatAge_);
    }
}
