/** The node operator: its runtime, bootstrap, simulated enclave, release checks and the watcher. */
export { NodeConfigError, NodeRuntime, type AssignedJob, type NodeOptions, type OutputStrategy } from "./runtime.js";
export { activateNodes, activatesAt, prepareNode, type BootstrapOptions } from "./bootstrap.js";
export { EnclaveModelError, SimulatedEnclave } from "./enclave.js";
export { checkRelease, checkVerifierCode, ReleaseMismatchError } from "./release.js";
export { Watcher, type ChallengeRecord, type WatcherOptions } from "./watcher.js";
export { auditBuild, checkSetup, type CheckedSetup, type SetupTrust } from "./setup.js";
