/** Development chains only: a whole local network, time travel, demo behaviours. */
export { ENCLAVE_MEASUREMENT, launchLocalNetwork, minter, type LocalNetwork, type LocalNetworkOptions, type NodePlan } from "./launcher.js";
export { increaseTime, increaseTimeTo, supportsTimeTravel, timeTravel, type TimeTravelOptions } from "./time.js";
export { behaviourStrategy, lazy, lying, type Behaviour } from "./behaviours.js";
