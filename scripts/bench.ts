/**
 * `npm run bench`: every benchmark (see bench/README.md), a table on stdout, flat figures in
 * bench/results.json with the machine they ran on. Never a timed test.
 *
 * BENCH_ONLY=gas,disputes,matching,verify,constraints,proving,setup,keys,throughput,load,functions,fixtures
 * selects sections;
 * BENCH_RUNS (default 5) is the number of measured runs per median.
 */
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { network } from "hardhat";
import { committeeDraw, disputePaths } from "../bench/disputes.js";
import { gasPerLevel, matchingScale } from "../bench/gas.js";
import { buildMlp, constraints, FLOOR_BASE, FLOOR_PER_INPUT, keysColdAndCached, midInput, proving, verifyGas } from "../bench/pipeline.js";
import { throughput } from "../bench/throughput.js";
import { loadBurst } from "../bench/load.js";
import { setupFigures } from "../bench/setup.js";
import { fixtureFigures, functionCosts } from "../bench/functions.js";
import { quantizeInput } from "../src/engine/fixed.js";
import { buildModel } from "../src/pipeline/build.js";
import { PACKAGE_ROOT } from "../src/package.js";
import { loadArtifacts } from "../src/pipeline/prove.js";
import { intentFeaturizer } from "../test/support/intents.js";

process.env.CI ??= "true";
process.env.HARDHAT_DISABLE_TELEMETRY ??= "true";

const only = process.env.BENCH_ONLY?.split(",").map((s) => s.trim());
const runs = Number(process.env.BENCH_RUNS ?? 5);
const want = (section: string) => !only || only.includes(section);
const log = (line: string) => console.error(`[bench] ${line}`);
const started = performance.now();

const cpus = os.cpus();
const figures: Record<string, number | string> = {
  "machine.cpu": cpus[0]?.model ?? "unknown",
  "machine.cores": cpus.length,
  "machine.memoryGiB": Math.round(os.totalmem() / 2 ** 30),
  "machine.node": process.version,
  "machine.platform": `${os.platform()} ${os.release()}`,
  date: new Date().toISOString(),
  command: "npm run bench",
};

log("building the demo model (cached when unchanged)");
const demo = await buildModel(path.join(PACKAGE_ROOT, "models/support-intents"), {});
const artifacts = await loadArtifacts(demo.dir);
const features = (await intentFeaturizer())("my card was charged twice on the invoice");
const { ethers, networkHelpers } = await network.create();

/** Runs a section; a failure is recorded as <section>.error and the other sections still run. */
async function section(name: string, fn: () => Promise<void>) {
  if (!want(name)) return;
  try {
    await fn();
  } catch (error) {
    figures[`${name}.error`] = (error as Error).message.split("\n")[0];
    log(`${name} failed: ${figures[`${name}.error`]}`);
  }
}

await section("gas", async () => {
  log("gas per step and level (real verifier, real proofs, node runtimes)");
  Object.assign(figures, await gasPerLevel(ethers, artifacts, features, runs));
});
await section("verify", async () => {
  log("verifyProof gas against the precompile floor");
  Object.assign(figures, await verifyGas(ethers, artifacts, features));
});
await section("constraints", async () => {
  figures["constraints.support-intents.nonLinear"] = demo.manifest.circuit.nonLinear;
  figures["constraints.support-intents.publicSignals"] = demo.manifest.circuit.publicSignals;
  for (const [name, sizes] of [
    ["mlp-784-32-10", [784, 32, 10]],
    ["mlp-64-64-64-10", [64, 64, 64, 10]],
  ] as const) {
    log(`constraints of ${name}, ours and with the weights as private inputs`);
    Object.assign(figures, await constraints(name, [...sizes]));
  }
});
await section("proving", async () => {
  log("witness and proving time: demo");
  Object.assign(figures, await proving("support-intents", artifacts, quantizeInput(artifacts.model, features), runs));
  for (const [name, sizes] of [
    ["mlp-64-64-64-10", [64, 64, 64, 10]],
    ["mlp-784-32-10", [784, 32, 10]],
  ] as const) {
    log(`witness and proving time: ${name} (builds its keys once; the 784 MLP needs a 2^13 powers of tau)`);
    const t0 = performance.now();
    const mlp = await buildMlp(name, [...sizes]);
    figures[`proving.${name}.buildSeconds`] = (performance.now() - t0) / 1000;
    figures[`proving.${name}.nonLinear`] = mlp.manifest.circuit.nonLinear;
    Object.assign(figures, await proving(name, mlp, midInput(mlp), runs));
  }
});
await section("setup", async () => {
  log("setup choice: Groth16 with a ceremony against PLONK (universal), demo model");
  Object.assign(figures, await setupFigures(ethers, "support-intents", artifacts, quantizeInput(artifacts.model, features), runs, { plonk: true }, log));
  if (process.env.BENCH_SETUP_MLP !== "0") {
    log("setup choice: Groth16 ceremony costs, mlp-784-32-10 (its 2^13 keys are built once)");
    const mlp = await buildMlp("mlp-784-32-10", [784, 32, 10]);
    Object.assign(figures, await setupFigures(ethers, "mlp-784-32-10", mlp, midInput(mlp), runs, { plonk: false }, log));
  }
});
await section("keys", async () => {
  log("powers of tau and keys of the demo model, cold and cached");
  Object.assign(figures, await keysColdAndCached());
});
await section("disputes", async () => {
  log("dispute paths: a fraud proof with a real proof, the committee path step by step");
  Object.assign(figures, await disputePaths(ethers, networkHelpers, artifacts, features, runs));
  log("committee draw: 3 of 16, 15 of 16, 15 of 100, and 15 of 100 with 20 jailed nodes' entries out of date");
  Object.assign(figures, await committeeDraw(ethers, networkHelpers, [[3, 16, 0], [15, 16, 0], [15, 100, 0], [15, 100, 20]]));
});
await section("matching", async () => {
  const counts = (process.env.BENCH_NODES ?? "10,100,1000").split(",").map(Number);
  log(`request gas with ${counts.join(", ")} registered nodes`);
  Object.assign(figures, await matchingScale(ethers, networkHelpers, counts));
});
await section("throughput", async () => {
  log("throughput on a local JSON-RPC node with 4 node processes");
  Object.assign(figures, await throughput(features, Number(process.env.BENCH_JOBS ?? 8)));
});
await section("load", async () => {
  log("a burst of minimum-deadline jobs at each level against one node process, on 12-second blocks");
  Object.assign(figures, await loadBurst(features, Number(process.env.BENCH_LOAD_JOBS ?? 50), 12, Number(process.env.BENCH_LOAD_CAPACITY ?? 8)));
});
await section("functions", async () => {
  log("function tables: constraints per element and stated error, inputs over [-16, 16)");
  Object.assign(figures, functionCosts([8, 12]));
});
await section("fixtures", async () => {
  Object.assign(figures, await fixtureFigures(runs, log));
});
figures["bench.seconds"] = (performance.now() - started) / 1000;

// Merge with earlier figures (a BENCH_ONLY run keeps the other sections).
const file = path.join(PACKAGE_ROOT, "bench/results.json");
let previous: Record<string, unknown> = {};
try {
  previous = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  if (typeof previous !== "object" || previous === null || "pipeline" in previous) previous = {}; // an old nested layout
} catch {
  // first run
}
const merged = { ...previous, ...figures };
const sorted = Object.fromEntries(Object.keys(merged).sort().map((k) => [k, merged[k]]));
await writeFile(file, JSON.stringify(sorted, null, 2) + "\n");

const GOALS: [string, string, (v: number) => boolean][] = [
  ["gas.vanilla.total", "<= 176,000", (v) => v <= 176_000],
  ["gas.tee.total", "<= 176,000", (v) => v <= 176_000],
  ["gas.zk.total", "<= 430,000", (v) => v <= 430_000],
  ["verify.ratio", `<= 1.10 x (${FLOOR_BASE} + ${FLOOR_PER_INPUT} n)`, (v) => v <= 1.1],
  ["constraints.mlp-784-32-10.nonLinear", "< 10,000", (v) => v < 10_000],
  ["constraints.mlp-784-32-10.reduction", ">= 10x fewer", (v) => v >= 10],
  ["constraints.mlp-64-64-64-10.reduction", ">= 10x fewer", (v) => v >= 10],
  ["proving.support-intents.proveSeconds", "< 2 s", (v) => v < 2],
  ["gas.request.ratio1000to10", "<= 1.3", (v) => v <= 1.3],
];
const fmt = (v: number | string | undefined) => (typeof v === "number" ? (Number.isInteger(v) ? v.toLocaleString("en-US") : v.toFixed(3)) : String(v ?? "-"));
console.log(`\nmachine: ${figures["machine.cpu"]}, ${figures["machine.cores"]} cores, ${figures["machine.memoryGiB"]} GiB, Node ${figures["machine.node"]}\n`);
const keys = Object.keys(sorted).filter((k) => !k.startsWith("machine.") && k !== "date" && k !== "command");
const width = Math.max(...keys.map((k) => k.length));
for (const k of keys) {
  const goal = GOALS.find(([g]) => g === k);
  const status = goal && typeof sorted[k] === "number" ? `  goal ${goal[1]}: ${goal[2](sorted[k] as number) ? "met" : "MISSED"}` : "";
  console.log(`${k.padEnd(width)}  ${fmt(sorted[k] as number | string)}${status}`);
}
console.log(`\nwritten: ${path.relative(process.cwd(), file)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
