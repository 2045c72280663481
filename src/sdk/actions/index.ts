/** The SDK's actions: each one thing against a deployment, composed by ProofgridClient. */
export { BondFundsError, bondStatus, claimForfeit, payForfeitClaim, postBond, type BondStatus } from "./bonds.js";
export { getJob } from "./getJob.js";
export { deployVerifier, registerModel, releaseOf } from "./registerModel.js";
export { requestInference, type Requested } from "./request.js";
export { verifyResult } from "./verifyResult.js";
export { keeperStep, waitForJob } from "./waitForJob.js";
export { ceremonyDir, CeremonyPhase, closeCeremony, contributeToCeremony, finalizeCeremony, openCeremony } from "./ceremony.js";
