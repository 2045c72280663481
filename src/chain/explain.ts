/**
 * Contract custom errors in plain words: which model, release and level, how much was offered and
 * how much is needed (in tokens), when a time comes (as a date). The error's name and raw
 * arguments stay on ContractRevertError for code that matches on them.
 */
import { formatUnits } from "ethers";
import { trustName, unpackVersion } from "../protocol/index.js";

const tokens = (wei: unknown) => `${formatUnits(BigInt(wei as bigint), 18)} PGT`;
const release = (modelId: unknown, version: unknown) => `model #${modelId} release ${unpackVersion(BigInt(version as bigint))}`;
const level = (l: unknown) => trustName(Number(l));
const date = (t: unknown) => new Date(Number(t) * 1000).toISOString();
const short = (a: unknown) => String(a);

const EXPLAIN: Record<string, (...a: unknown[]) => string> = {
  ModelUnknown: (m) => `no model #${m} in the registry`,
  ModelReleaseUnknown: (m, v) => `${release(m, v)} does not exist`,
  ModelReleaseDeprecated: (m, v) => `${release(m, v)} is deprecated by its owner`,
  ModelLevelUnsupported: (m, v, l) => `${release(m, v)} does not offer trust level ${level(l)}`,
  ModelNameTaken: (name, m, owner) => `the name ${name} belongs to model #${m} of ${short(owner)}`,
  ModelNotOwner: (m, caller, owner) => `${short(caller)} does not own model #${m} (its owner is ${short(owner)})`,
  NodeNoneEligible: (m, v, l) => `no active node serves ${release(m, v)} at ${level(l)} (nodes must join for that release and level, and activate)`,
  NodeStakeTooLow: (stake, min) => `a stake of ${tokens(stake)} is below the minimum of ${tokens(min)}`,
  NodeNotYetActive: (node, at) => `node ${short(node)} may activate only from ${date(at)}`,
  NodeStillJailed: (node, until) => `node ${short(node)} is jailed until ${date(until)}`,
  NodeInvalidReleases: (count, m, v) => (BigInt(count as bigint) === 0n ? "a node must join for at least one release" : `${release(m, v)} does not exist or is not one a node may join`),
  HubFeeTooLow: (m, v, l, offered, required) => `a fee of ${tokens(offered)} is below the ${tokens(required)} that ${release(m, v)} costs at ${level(l)}`,
  HubDeadlineInPast: (deadline, now) => `the deadline ${date(deadline)} has passed (chain time ${date(now)})`,
  HubDeadlineTooSoon: (deadline, earliest) => `the deadline ${date(deadline)} leaves the node too little time: the earliest allowed is ${date(earliest)}`,
  HubDeadlineTooFar: (deadline, latest) => `the deadline ${date(deadline)} is too far: the latest allowed is ${date(latest)}`,
  HubInputLength: (m, v, expected, actual) => `the input has ${actual} values, ${release(m, v)} takes ${expected}`,
  HubInputOutOfRange: (i, value, min, max) => `input ${i} is ${value} in fixed point, outside the release's range [${min}, ${max}]`,
  HubUnknownJob: (jobId) => `job ${jobId} does not exist`,
  HubNothingToWithdraw: (account) => `${short(account)} has nothing to withdraw`,
  HubCallbackGas: (requested, max) => `a callback gas limit of ${requested} is above the hub's maximum of ${max}`,
  ERC20InsufficientBalance: (account, balance, needed) => `account ${short(account)} holds ${tokens(balance)}, needs ${tokens(needed)}`,
  ERC20InsufficientAllowance: (spender, allowance, needed) => `the allowance of ${short(spender)} is ${tokens(allowance)}, needs ${tokens(needed)}`,
  TEEMeasurementNotApproved: (measurement) => `enclave measurement ${short(measurement)} is not approved by governance`,
  TEEAttestationStale: (issuedAt, maxAge) => `the attestation issued at ${date(issuedAt)} is older than the ${maxAge} s the registry accepts`,
};

/** The error in plain words, or undefined when there is no explanation for it. */
export function explainRevert(errorName: string, args: readonly unknown[]): string | undefined {
  const explain = EXPLAIN[errorName];
  if (!explain) return undefined;
  try {
    return explain(...args);
  } catch {
    return undefined;
  }
}
