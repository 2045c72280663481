/**
 * Benchmarks (never timed tests): `npm run bench` writes bench/results.json and prints a table.
 *
 * pipeline:
 *   - constraints (non-linear / linear) of the demo model and of an MLP 784-32-10 with random weights
 *     (goal for the latter: < 10,000 non-linear);
 *   - proving time of the demo model (goal: < 2 s);
 *   - gas of the generated verifier's verifyProof against the precompile floor
 *     181,000 + 6,150 per public input (goal: within 1.10x), and of the whole adapter call.
 *
 * BENCH_PROOFS (default 5) sets the number of proofs timed.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { network } from "hardhat";
import { quantizeInput } from "../src/engine/fixed.js";
import { buildModel, compileCircuit, PACKAGE_ROOT } from "../src/pipeline/build.js";
import { circuitLayout, generateCircuit } from "../src/pipeline/circuit.js";
import { parseJsonModel } from "../src/pipeline/json.js";
import { encodeProof, loadArtifacts, proveInference, releaseProver } from "../src/pipeline/prove.js";
import { quantize, seededRandom } from "../src/pipeline/quantize.js";
import { countConstraints, readR1cs } from "../src/pipeline/witness.js";

process.env.CI ??= "true";
process.env.HARDHAT_DISABLE_TELEMETRY ??= "true";

const BENCH_DIR = path.join(PACKAGE_ROOT, "build/bench");
const FLOOR_BASE = 181_000;
const FLOOR_PER_INPUT = 6_150;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** An MLP of the given sizes with random weights, inputs in [0, 1] (pixels). */
function randomMlp(name: string, sizes: number[], seed: number) {
  const random = seededRandom(seed);
  const layers: unknown[] = [];
  for (let k = 1; k < sizes.length; k++) {
    const scale = 1 / Math.sqrt(sizes[k - 1]);
    layers.push({
      type: "dense",
      weights: Array.from({ length: sizes[k] }, () => Array.from({ length: sizes[k - 1] }, () => (random() * 2 - 1) * scale)),
      bias: Array.from({ length: sizes[k] }, () => (random() - 0.5) * 0.1),
    });
    if (k < sizes.length - 1) layers.push({ type: "relu" });
  }
  return parseJsonModel({ name, input: { shape: [sizes[0]], range: [0, 1] }, layers });
}

async function constraintsOf(name: string, sizes: number[], scaleBits: number) {
  const float = randomMlp(name, sizes, 784);
  const { quantized } = quantize(float, { scaleBits, sampleCount: 8 });
  const dir = path.join(BENCH_DIR, name);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.circom`);
  await writeFile(file, generateCircuit(quantized));
  const started = Date.now();
  await compileCircuit(file, dir, "O1");
  const compileSeconds = (Date.now() - started) / 1000;
  const counts = countConstraints(await readR1cs(path.join(dir, `${name}.r1cs`)));
  const layout = circuitLayout(quantized);
  const inputChecks = quantized.input.size * quantized.input.bits;
  return {
    model: `MLP ${sizes.join("-")} (random weights, inputs in [0, 1])`,
    scaleBits,
    inputBits: quantized.input.bits,
    nonLinear: counts.nonLinear,
    linear: counts.linear,
    nonLinearWithoutInputChecks: counts.nonLinear - inputChecks,
    predicted: layout.expectedNonLinear,
    publicSignals: layout.publicSignals,
    compileSeconds,
  };
}

async function main() {
  const results: Record<string, unknown> = { date: new Date().toISOString(), machine: machine(), command: "npm run bench" };
  console.error("building the demo model (cached when unchanged)...");
  const demo = await buildModel(path.join(PACKAGE_ROOT, "models/support-intents"), { verifiersDir: null });
  const artifacts = await loadArtifacts(demo.dir);

  console.error("compiling an MLP 784-32-10 with random weights (O1, to count linear constraints too)...");
  const mnist = await constraintsOf("mlp-784-32-10", [784, 32, 10], 8);

  // Proving time: the first proof loads the wasm and zkey and starts the curve's workers.
  const spec = JSON.parse(await readFile(path.join(PACKAGE_ROOT, "models/support-intents/model.json"), "utf8")) as { vocabulary: string[] };
  const words = new Set("my card was charged twice please refund".split(" "));
  const input = quantizeInput(artifacts.model, spec.vocabulary.map((w) => (words.has(w) ? 1 : 0)));
  const runs = Number(process.env.BENCH_PROOFS ?? 5);
  const times: number[] = [];
  let last;
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    last = await proveInference(artifacts, input, { chainId: 31337n, hub: "0x000000000000000000000000000000000000dEaD", jobId: BigInt(i + 1), prover: "0x000000000000000000000000000000000000bEEF" });
    times.push((performance.now() - started) / 1000);
  }
  await releaseProver();

  // Verification gas on the in-process network.
  const { ethers } = await network.create();
  const [deployer] = await ethers.getSigners();
  const verifierFactory = await ethers.getContractFactory(artifacts.manifest.verifier.contract, deployer);
  const adapterFactory = await ethers.getContractFactory(artifacts.manifest.adapter.contract, deployer);
  const probe = await (await ethers.getContractFactory("GasProbe", deployer)).deploy();
  const verifier = await verifierFactory.deploy();
  const adapter = await adapterFactory.deploy();
  const proof = await proveInference(artifacts, input, {
    chainId: (await ethers.provider.getNetwork()).chainId,
    hub: await probe.getAddress(),
    jobId: 7n,
    prover: deployer.address,
  });
  await releaseProver();
  const n = proof.publicSignals.length;
  const p = proof.proof;
  const verifyData = verifier.interface.encodeFunctionData("verifyProof", [
    [p.pi_a[0], p.pi_a[1]],
    [
      [p.pi_b[0][1], p.pi_b[0][0]],
      [p.pi_b[1][1], p.pi_b[1][0]],
    ],
    [p.pi_c[0], p.pi_c[1]],
    proof.publicSignals,
  ]);
  const [verifyGas, verifyOk] = await probe.measure(await verifier.getAddress(), verifyData);
  const adapterData = adapter.interface.encodeFunctionData("verifyInference", [
    7n,
    deployer.address,
    artifacts.manifest.quantized.weightsCommitment,
    input,
    proof.output,
    encodeProof(p),
  ]);
  const [adapterGas, adapterOk, adapterRet] = await probe.measure(await adapter.getAddress(), adapterData);
  const txGas = await ethers.provider.estimateGas({ to: await verifier.getAddress(), data: verifyData });
  if (!verifyOk || !adapterOk || BigInt(adapterRet) !== 1n) throw new Error("the benchmark's proof did not verify");
  const floor = FLOOR_BASE + FLOOR_PER_INPUT * n;

  const m = demo.manifest;
  results.pipeline = {
    demo: {
      model: "support-intents 32-16-6 + argmax",
      scaleBits: m.quantized.scaleBits,
      nonLinear: m.circuit.nonLinear,
      linear: m.circuit.linear,
      publicSignals: m.circuit.publicSignals,
      ptauPower: m.ptau.power,
      optimisation: "O2",
    },
    mlp784: { ...mnist, goalNonLinear: 10_000, meetsGoal: mnist.nonLinear < 10_000 },
    proving: {
      model: "support-intents",
      runs,
      firstSeconds: times[0],
      medianSeconds: median(times.slice(1)),
      maxSeconds: Math.max(...times.slice(1)),
      goalSeconds: 2,
    },
    verifyGas: {
      publicSignals: n,
      verifyProof: Number(verifyGas),
      floor,
      ratio: Number(verifyGas) / floor,
      goalRatio: 1.1,
      adapterVerifyInference: Number(adapterGas),
      adapterRatio: Number(adapterGas) / floor,
      verifyProofTransactionEstimate: Number(txGas),
    },
  };
  await mkdir(path.join(PACKAGE_ROOT, "bench"), { recursive: true });
  const file = path.join(PACKAGE_ROOT, "bench/results.json");
  let previous: Record<string, unknown> = {};
  try {
    previous = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  } catch {
    // first run
  }
  await writeFile(file, JSON.stringify({ ...previous, ...results }, null, 2) + "\n");

  const pipe = results.pipeline as Record<string, Record<string, number | string | boolean>>;
  console.log(`machine: ${results.machine && JSON.stringify(results.machine)}`);
  console.log(`demo support-intents: ${pipe.demo.nonLinear} non-linear + ${pipe.demo.linear} linear constraints (O2), ${pipe.demo.publicSignals} public signals, ptau 2^${pipe.demo.ptauPower}`);
  console.log(`MLP 784-32-10: ${pipe.mlp784.nonLinear} non-linear (${pipe.mlp784.nonLinearWithoutInputChecks} without the ${784}x${pipe.mlp784.inputBits}-bit input checks) + ${pipe.mlp784.linear} linear (O1); goal < 10,000: ${pipe.mlp784.meetsGoal ? "met" : "MISSED"}`);
  console.log(`proving support-intents: median ${(pipe.proving.medianSeconds as number).toFixed(3)} s over ${runs} (first ${(pipe.proving.firstSeconds as number).toFixed(3)} s); goal < 2 s`);
  console.log(`verifyProof: ${pipe.verifyGas.verifyProof} gas for ${n} public signals; floor ${floor}; ratio ${(pipe.verifyGas.ratio as number).toFixed(3)} (goal <= 1.10)`);
  console.log(`adapter verifyInference (packing + binding + verifyProof): ${pipe.verifyGas.adapterVerifyInference} gas (${(pipe.verifyGas.adapterRatio as number).toFixed(3)}x floor); verifyProof as a transaction: ${txGas} (estimateGas)`);
  console.log(`written: ${path.relative(process.cwd(), file)}`);
}

await main();
