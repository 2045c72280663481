/**
 * The proofgrid story on the in-process network, with real parts throughout: the demo intent model
 * built into a real circuit and Groth16 verifier, real proofs, ECDSA enclave keys admitted by a
 * signed attestation, node runtimes of each level (one lazy, one lying), a watcher, the SDK, and a
 * consumer contract that routes support tickets by the predicted intent.
 *
 * Run: npm run demo
 */
import path from "node:path";
import { ethers as E } from "ethers";
import { network } from "hardhat";
import { TOKEN } from "../deploy/proofgrid.js";
import { launchLocalNetwork } from "../src/devnet/launcher.js";
import { buildModel } from "../src/pipeline/build.js";
import { PACKAGE_ROOT } from "../src/package.js";
import { consoleProgress } from "../src/pipeline/progress.js";
import { loadArtifacts, releaseProver } from "../src/pipeline/prove.js";
import { PENALTY_NAMES, TrustLevel, type Penalty } from "../src/protocol/index.js";
import { JobRefundedError, type InferenceResult } from "../src/sdk/index.js";
import { quantizeInput } from "../src/engine/fixed.js";
import { TicketRouter__factory } from "../types/contracts/index.js";
import { intentFeaturizer } from "../test/support/intents.js";
import { timeTravel } from "../src/devnet/time.js";

const started = Date.now();
const fmt = (x: bigint) => E.formatUnits(x, 18).replace(/\.0$/, "");

console.log("proofgrid demo: in-process network\n");
console.log("1. model pipeline: models/support-intents -> circuit -> Groth16 keys -> verifier");
const built = await buildModel(path.join(PACKAGE_ROOT, "models/support-intents"), { progress: consoleProgress(6) });
const artifacts = await loadArtifacts(built.dir);
console.log();
const featurize = await intentFeaturizer();

const { ethers } = await network.create();
const s = await ethers.getSigners();
const lines: string[] = [];
const log = (line: string) => lines.push(line);
console.log("2. deploy, register the model, stake nodes, admit enclaves");
// Model #1 is served by honest nodes at every level. Model #2 has the same weights and is served
// only by the misbehaving nodes, so that the stake-weighted draw lands on them.
const net = await launchLocalNetwork({
  deployer: s[0],
  requester: s[1],
  watcher: s[2],
  models: [{ artifacts }, { artifacts, name: "support-intents-untrusted" }],
  nodes: [
    { name: "zk-prover", signer: s[10], levels: [TrustLevel.ZK], models: [0] },
    { name: "tee-enclave", signer: s[11], levels: [TrustLevel.TEE], models: [0] },
    { name: "vanilla-a", signer: s[12], levels: [TrustLevel.VANILLA], models: [0] },
    { name: "liar", signer: s[13], levels: [TrustLevel.VANILLA], models: [1], behaviour: "lying" },
    { name: "sleeper", signer: s[14], levels: [TrustLevel.TEE], models: [1], behaviour: "lazy" },
  ],
  pollMs: 100,
  log,
});
const nodeName = new Map<string, string>();
for (const r of net.nodes) nodeName.set(await r.address(), r.name);
console.log(`   hub ${await net.contracts.hub.getAddress()}`);
console.log(`   nodes: ${net.nodes.map((n) => `${n.name} (${n.behaviour})`).join(", ")}; a watcher re-executes VANILLA results\n`);

// The consumer: a contract that routes tickets by intent, paying for each request itself.
const router = await new TicketRouter__factory(s[0]).deploy(await net.contracts.hub.getAddress(), await net.contracts.token.getAddress(), net.modelIds[0], (await net.contracts.models.getRelease(net.modelIds[0], 0))[0], artifacts.model.labels!);
await router.waitForDeployment();
const customer = s[3];
await (await net.contracts.token.mint(customer.address, 100n * TOKEN)).wait();
await (await net.contracts.token.connect(customer).approve(await router.getAddress(), E.MaxUint256)).wait();

interface Row {
  job: string;
  request: string;
  level: string;
  node: string;
  intent: string;
  verification: string;
  outcome: string;
  latency: string;
  gas: string;
  split: string;
}
const rows: Row[] = [];
const row = (request: string, r: InferenceResult): Row => ({
  job: `#${r.jobId}`,
  request,
  level: r.trust,
  node: nodeName.get(r.node) ?? r.node.slice(0, 10),
  intent: r.label ?? String(r.values),
  // A proof is only as good as its keys: the demo's are this machine's single-party development keys.
  verification: r.verification.checked ? `${r.verification.method}: ok${r.verification.setup === "development" ? " (dev key)" : ""}` : "unchecked (no local artifacts)",
  outcome: "settled",
  latency: `${(r.latencyMs / 1000).toFixed(2)} s`,
  gas: Object.entries(r.gas)
    .filter(([k]) => k !== "approve")
    .map(([k, v]) => `${k} ${v}`)
    .join(", "),
  split: `${fmt(r.fee.node)} / ${fmt(r.fee.owner)} / ${fmt(r.fee.protocol)}`,
});

async function ask(text: string, model: string, trust: "vanilla" | "tee" | "zk") {
  const t0 = Date.now();
  try {
    rows.push(row(`"${text}"`, await net.client.infer(model, featurize(text), { trust, onWait: timeTravel({ patienceMs: 2_000, pollMs: 100 }) })));
  } catch (error) {
    if (!(error instanceof JobRefundedError)) throw error;
    const job = await net.contracts.hub.getJob(error.jobId);
    const challenge = net.watcher!.challenges.find((c) => c.jobId === error.jobId);
    rows.push({
      job: `#${error.jobId}`,
      request: `"${text}"`,
      level: trust,
      node: nodeName.get(job.node) ?? job.node,
      intent: challenge ? `${artifacts.model.labels![Number(challenge.posted[0])]} (wrong; true: ${artifacts.model.labels![Number(challenge.truth[0])]})` : "-",
      verification: error.reason === "fraud" ? "fraud proof (Groth16)" : "none: deadline missed",
      outcome: `refunded (${error.reason}), slashed`,
      latency: `${((Date.now() - t0) / 1000).toFixed(2)} s`,
      gas: challenge ? Object.entries(challenge.gas).map(([k, v]) => `${k} ${v}`).join(", ") : "-",
      split: `refund ${fmt(error.refund)} to the requester`,
    });
  }
}

console.log("3. requests at each trust level (time is moved past challenge windows and missed deadlines)");
await ask("I was charged twice on my invoice", "support-intents", "zk");
await ask("where is my package, tracking says it was not shipped", "support-intents", "tee");
await ask("reset my password, my login is locked", "support-intents", "vanilla");
await ask("cancel my subscription plan", "support-intents-untrusted", "vanilla"); // the liar
await ask("the app crashes with an error after the update", "support-intents-untrusted", "tee"); // the sleeper

// The consumer contract: the ticket is routed in the hub's callback, after the proof is checked.
for (const [text, level] of [
  ["I want a refund, send my money back", TrustLevel.ZK],
  ["my delivery did not arrive, where is the package", TrustLevel.TEE],
] as const) {
  const fee = [1n, 2n, 4n][level] * TOKEN + (await router.callbackCost());
  const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp + 600);
  const t0 = Date.now();
  const tx = await router.connect(customer).openTicket(quantizeInput(artifacts.model, featurize(text)), level, fee, deadline);
  const receipt = (await tx.wait())!;
  const opened = receipt.logs.map((l) => router.interface.parseLog(l)).find((l) => l?.name === "TicketOpened")!;
  const result = await net.client.waitFor(opened.args.jobId as bigint, { started: t0 });
  const ticket = await router.ticket(opened.args.ticketId);
  rows.push({ ...row(`ticket #${opened.args.ticketId} via TicketRouter`, result), outcome: `routed to queue "${await router.queue(ticket.intent)}"` });
}
await net.stop();
await releaseProver();

/** A markdown table of `columns` of `data`, each column as wide as its widest cell. */
function table(data: Row[], columns: (keyof Row)[], headers: string[]) {
  const widths = columns.map((k, i) => Math.max(headers[i].length, ...data.map((r) => r[k].length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => c.padEnd(widths[i])).join(" | ") + " |";
  console.log(line(headers));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const r of data) console.log(line(columns.map((k) => r[k])));
}
// Two tables that fit a terminal: what happened, then what it cost.
const clip = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);
for (const r of rows) r.request = clip(r.request, 30);
console.log();
table(rows, ["job", "request", "level", "node", "intent", "verification", "outcome", "latency"], ["job", "request", "level", "node", "intent", "checked", "outcome", "latency"]);
console.log();
table(rows, ["job", "level", "gas", "split"], ["job", "level", "gas", "fee (PGT): node / model owner / protocol, or refund"]);

console.log("\nslashes and refunds:");
const { hub } = net.contracts;
for (const e of await hub.queryFilter(hub.filters.NodePenalized())) {
  console.log(`  job #${e.args.jobId}: ${nodeName.get(e.args.node)} slashed ${fmt(e.args.slashed)} PGT (${PENALTY_NAMES[Number(e.args.reason) as Penalty]}) and jailed`);
}
for (const e of await hub.queryFilter(hub.filters.JobRefunded())) console.log(`  job #${e.args.jobId}: requester refunded ${fmt(e.args.fee)} PGT`);
const queues = await Promise.all(artifacts.model.labels!.map(async (label, i) => `${label} ${await router.queueLength(i)}`));
console.log(`\nTicketRouter queues: ${queues.join(", ")}`);
console.log(`hub holds ${fmt(await net.contracts.token.balanceOf(await hub.getAddress()))} PGT (withdrawable balances: treasury, model owner, watcher, refunds)`);
if (process.env.PROOFGRID_VERBOSE) console.log(`\nnode log:\n${lines.join("\n")}`);
console.log(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s (PROOFGRID_VERBOSE=1 prints the nodes' log)`);
