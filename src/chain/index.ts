/** Chain access shared by the SDK, the node runtime and the CLI. */
export * from "./contracts.js";
export * from "./errors.js";
export * from "./jobs.js";
export * from "./models.js";
export * from "./nodes.js";
export * from "./tokens.js";
export * from "./time.js";
export * from "./poller.js";
export * from "./types/index.js";
