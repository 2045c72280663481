// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAttestationVerifier} from "./IAttestationVerifier.sol";

/// @notice What the TEE registry reads from the hub: how many jobs exist.
interface IJobCounter {
    function jobCount() external view returns (uint256);
}

/// @title ITEERegistry
/// @notice Enclave keys that may sign TEE results. Governance approves code measurements; a node
///         admits an enclave key with an attestation; the enclave proves liveness with signed
///         heartbeats. Revoking a measurement disables every enclave admitted under it at once,
///         and approving it again does not bring them back.
interface ITEERegistry {
    struct Enclave {
        // [operator, measurementGeneration, lastHeartbeat]: [160, 32, 64] = 256
        address operator;
        uint32 generation;
        uint64 lastHeartbeat;
        // [measurement]: 256
        bytes32 measurement;
        // [admittedAtJob]: 64. The hub's next job id when the enclave was admitted.
        uint64 admittedAtJob;
    }

    /// @notice Thrown when a zero address is given where one is needed.
    error TEEZeroAddress();
    /// @notice Thrown when the attested measurement is not approved.
    error TEEMeasurementNotApproved(bytes32 measurement);
    /// @notice Thrown when approving an approved measurement or revoking an unapproved one.
    error TEEMeasurementStatusUnchanged(bytes32 measurement, bool approved);
    /// @notice Thrown when the attestation names another operator than the caller.
    error TEEOperatorMismatch(address attested, address caller);
    /// @notice Thrown when the attestation is older than the maximum age or from the future.
    error TEEAttestationStale(uint256 issuedAt, uint256 maxAge, uint256 now_);
    /// @notice Thrown when an enclave key is admitted twice.
    error TEEEnclaveAlreadyAdmitted(address enclaveKey, address operator);
    /// @notice Thrown when an enclave key was never admitted (or was removed).
    error TEEEnclaveUnknown(address enclaveKey);
    /// @notice Thrown when an enclave key serves another node than the one that needs it.
    error TEEEnclaveOfOtherNode(address enclaveKey, address operator, address node);
    /// @notice Thrown when the enclave's measurement was revoked after it was admitted.
    error TEEMeasurementRevoked(address enclaveKey, bytes32 measurement);
    /// @notice Thrown when the enclave's last heartbeat is older than the maximum age.
    error TEEHeartbeatStale(address enclaveKey, uint256 lastHeartbeat, uint256 maxAge, uint256 now_);
    /// @notice Thrown when a heartbeat is not newer than the last one, or lies in the future.
    error TEEHeartbeatOutOfOrder(address enclaveKey, uint256 timestamp, uint256 lastHeartbeat, uint256 now_);
    /// @notice Thrown when a heartbeat is not signed by the enclave key.
    error TEEHeartbeatBadSignature(address enclaveKey, address signer);
    /// @notice Thrown when a caller other than the enclave's operator removes it.
    error TEENotOperator(address enclaveKey, address caller, address operator);
    /// @notice Thrown when an operator admits more than {MAX_ENCLAVES_PER_OPERATOR} enclaves.
    error TEETooManyEnclaves(address operator, uint256 max);
    /// @notice Thrown when a removed enclave key is admitted again.
    error TEEEnclaveRemoved(address enclaveKey);
    /// @notice Thrown when the enclave's measurement is approved, but not for the job's model.
    error TEEMeasurementNotApprovedFor(address enclaveKey, bytes32 measurement, uint32 modelId);
    /// @notice Thrown when a maximum age is zero or above the bound.
    error TEEInvalidParameter(bytes32 name, uint256 value);

    event MeasurementApproved(bytes32 indexed measurement, uint32 generation);
    event MeasurementApprovedFor(bytes32 indexed measurement, uint32 indexed modelId, uint32 generation);
    event MeasurementRevoked(bytes32 indexed measurement, uint32 generation);
    event EnclaveAdmitted(address indexed enclaveKey, address indexed operator, bytes32 indexed measurement);
    event EnclaveRemoved(address indexed enclaveKey, address indexed operator);
    event HeartbeatRecorded(address indexed enclaveKey, uint64 timestamp);
    event AttestationVerifierSet(address indexed verifier);
    event MaxAgesChanged(uint256 maxAttestationAge, uint256 maxHeartbeatAge);

    /// @notice Approves a code measurement. Only governance.
    function approveMeasurement(bytes32 measurement) external;

    /// @notice Approves a code measurement for one model only (an enclave build made for that
    ///         model's family): its enclaves may sign that model's results and no other's. Only
    ///         governance.
    function approveMeasurementFor(bytes32 measurement, uint32 modelId) external;

    /// @notice Revokes a code measurement, for every model it was approved for: its enclaves stop
    ///         being valid at once. Only governance.
    function revokeMeasurement(bytes32 measurement) external;

    /// @notice Admits the enclave key that `attestation` attests, for the calling operator. A key
    ///         that was ever removed is refused (`TEEEnclaveRemoved`).
    function admitEnclave(bytes calldata attestation) external returns (address enclaveKey);

    /// @notice Removes an enclave key. Only its operator or governance.
    function removeEnclave(address enclaveKey) external;

    /// @notice Records a heartbeat that the enclave key signed (EIP-712 `Heartbeat`). Anyone may relay.
    function heartbeat(address enclaveKey, uint64 timestamp, bytes calldata signature) external;

    /// @notice Reverts with the reason unless `enclaveKey` is admitted for `node`, under a
    ///         measurement approved for every model or for `modelId`, with a fresh heartbeat.
    function checkEnclave(address enclaveKey, address node, uint32 modelId) external view;

    /// @notice Whether the hub must excuse `operator`'s missed TEE deadline on job `jobId`: after
    ///         the job was requested, governance removed one of its enclaves, revoked the
    ///         measurement one was admitted under or shortened the heartbeat age, and the node has
    ///         no enclave it had before the job, approved for the model and alive at the job's
    ///         deadline (a dead one could not have signed). So no owner action turns into a slash of an open job, while a node that
    ///         lost its enclave before the job, or that still had a usable one, answers for it.
    ///         Bounded gas: at most {MAX_ENCLAVES_PER_OPERATOR} enclaves.
    function excusesTimeout(address operator, uint256 jobId, uint32 modelId) external view returns (bool);

    /// @notice Whether {checkEnclave} would pass.
    function isEnclaveValid(address enclaveKey, address node, uint32 modelId) external view returns (bool);

    /// @notice Whether a measurement is approved for every model or for `modelId`.
    function isMeasurementApprovedFor(bytes32 measurement, uint32 modelId) external view returns (bool);

    /// @notice The record of an enclave key.
    function getEnclave(address enclaveKey) external view returns (Enclave memory);

    /// @notice The enclaves an operator has admitted and not removed (at most MAX_ENCLAVES_PER_OPERATOR).
    function enclavesOf(address operator) external view returns (address[] memory);

    /// @notice Whether a measurement is approved now.
    function isMeasurementApproved(bytes32 measurement) external view returns (bool);

    /// @notice The verifier that checks attestations.
    function attestationVerifier() external view returns (IAttestationVerifier);
}
