/**
 * Pipeline figures: constraints (ours and with the weights as private inputs), witness and proving
 * times, keys and powers of tau cold and cached, verifyProof gas against the precompile floor.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { ContractFactory, Interface } from "ethers";
import { quantizeInput, pack, encodingMax } from "../src/engine/fixed.js";
import { buildModel } from "../src/pipeline/build.js";
import { compileCircuit } from "../src/pipeline/circom.js";
import { PACKAGE_ROOT } from "../src/package.js";
import { bindingOf, encodeProof } from "../src/protocol/index.js";
import { circuitLayout, generateCircuit } from "../src/pipeline/circuit.js";
import { parseJsonModel } from "../src/pipeline/json.js";
import { loadArtifacts, proveInference, releaseProver, type ModelArtifacts } from "../src/pipeline/prove.js";
import { localPtau } from "../src/pipeline/ptau.js";
import { silentProgress } from "../src/pipeline/progress.js";
import { quantize, seededRandom } from "../src/pipeline/quantize.js";
import { calculateWitness, countConstraints, readR1cs } from "../src/pipeline/witness.js";

export const FLOOR_BASE = 181_000;
export const FLOOR_PER_INPUT = 6_150;
const BENCH_DIR = path.join(PACKAGE_ROOT, "build/bench");

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** An MLP JSON spec with random weights (Xavier-like), inputs in [0, 1]. */
export function randomMlpSpec(name: string, sizes: number[], seed: number) {
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
  return { name, input: { shape: [sizes[0]], range: [0, 1] }, layers };
}

/** Non-linear and linear constraints (O1) of an MLP, ours and with the weights as private inputs. */
export async function constraints(name: string, sizes: number[]): Promise<Record<string, number>> {
  const { quantized } = quantize(parseJsonModel(randomMlpSpec(name, sizes, 784)), { scaleBits: 8, sampleCount: 8 });
  const out: Record<string, number> = {};
  for (const [variant, weightsAsInputs] of [
    ["", false],
    [".weightsPrivate", true],
  ] as const) {
    const dir = path.join(BENCH_DIR, `${name}${variant}`);
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `${name.replace(/\W/g, "_")}.circom`);
    await writeFile(file, generateCircuit(quantized, [], { weightsAsInputs }));
    await compileCircuit(file, dir, "O1");
    const counts = countConstraints(await readR1cs(file.replace(/\.circom$/, ".r1cs")));
    out[`constraints.${name}${variant}.nonLinear`] = counts.nonLinear;
    out[`constraints.${name}${variant}.linear`] = counts.linear;
  }
  out[`constraints.${name}.publicSignals`] = circuitLayout(quantized).publicSignals;
  out[`constraints.${name}.reduction`] = out[`constraints.${name}.weightsPrivate.nonLinear`] / out[`constraints.${name}.nonLinear`];
  // Both variants range-check the packed public inputs the same way (input size x input bits):
  // without that common part, the ratio of the model's own arithmetic.
  const inputChecks = quantized.input.size * quantized.input.bits;
  out[`constraints.${name}.inputCheckConstraints`] = inputChecks;
  out[`constraints.${name}.reductionWithoutInputChecks`] =
    (out[`constraints.${name}.weightsPrivate.nonLinear`] - inputChecks) / (out[`constraints.${name}.nonLinear`] - inputChecks);
  return out;
}

/** Witness and proving times (median of `runs`, after one warm-up) for a built model. */
export async function proving(key: string, artifacts: ModelArtifacts, input: bigint[], runs: number): Promise<Record<string, number>> {
  const binding = { chainId: 31337n, hub: "0x000000000000000000000000000000000000dEaD", jobId: 1n, prover: "0x000000000000000000000000000000000000bEEF" };
  const witness: number[] = [];
  const prove: number[] = [];
  let first = 0;
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    await calculateWitness(artifacts.wasm, { binding: bindingOf(binding, artifacts.manifest.quantized.weightsCommitment), inputPacked: pack(input, artifacts.model.input) });
    const t1 = performance.now();
    await proveInference(artifacts, input, { ...binding, jobId: BigInt(i + 1) });
    const t2 = performance.now();
    if (i === 0) first = (t2 - t0) / 1000;
    else {
      witness.push((t1 - t0) / 1000);
      prove.push((t2 - t1) / 1000);
    }
  }
  await releaseProver();
  return {
    [`proving.${key}.witnessSeconds`]: median(witness),
    [`proving.${key}.proveSeconds`]: median(prove),
    [`proving.${key}.firstProofSeconds`]: first,
  };
}

/** Builds an MLP with random weights (keys and all) for the proving benchmark. */
export async function buildMlp(name: string, sizes: number[]): Promise<ModelArtifacts> {
  const dir = path.join(BENCH_DIR, `${name}.model`);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(randomMlpSpec(name, sizes, 784)));
  const built = await buildModel(file, { out: path.join(dir, "build"), verifiersDir: null, scaleBits: 8 });
  return loadArtifacts(built.dir);
}

export function midInput(artifacts: ModelArtifacts): bigint[] {
  const random = seededRandom(5);
  const { lo } = artifacts.model.input;
  const span = Number(encodingMax(artifacts.model.input) - lo) / 2; // the declared range, roughly
  return Array.from({ length: artifacts.model.input.size }, () => lo + BigInt(Math.floor(random() * span)));
}

/** Powers of tau and keys of the demo model: cold (an empty cache, a fresh build dir) and cached. */
export async function keysColdAndCached(): Promise<Record<string, number>> {
  const cache = await mkdtemp(path.join(os.tmpdir(), "proofgrid-bench-cache-"));
  const out = await mkdtemp(path.join(os.tmpdir(), "proofgrid-bench-build-"));
  const saved = process.env.PROOFGRID_CACHE;
  process.env.PROOFGRID_CACHE = cache;
  try {
    let t0 = performance.now();
    await localPtau(10, silentProgress());
    const ptauCold = (performance.now() - t0) / 1000;
    t0 = performance.now();
    await localPtau(10, silentProgress());
    const ptauCached = (performance.now() - t0) / 1000;
    t0 = performance.now();
    await buildModel(path.join(PACKAGE_ROOT, "models/support-intents"), { out, verifiersDir: null });
    const buildCold = (performance.now() - t0) / 1000;
    t0 = performance.now();
    await buildModel(path.join(PACKAGE_ROOT, "models/support-intents"), { out, verifiersDir: null });
    const buildCached = (performance.now() - t0) / 1000;
    return {
      "keys.ptau2e10.coldSeconds": ptauCold,
      "keys.ptau2e10.cachedSeconds": ptauCached,
      "keys.demo.buildColdSeconds": buildCold,
      "keys.demo.buildCachedSeconds": buildCached,
    };
  } finally {
    if (saved === undefined) delete process.env.PROOFGRID_CACHE;
    else process.env.PROOFGRID_CACHE = saved;
    await rm(cache, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  }
}

/** verifyProof and the adapter's verifyInference, in gas, against the precompile floor. */
export async function verifyGas(ethers: HardhatEthers, artifacts: ModelArtifacts, features: number[]): Promise<Record<string, number>> {
  const [deployer] = await ethers.getSigners();
  const compiled = JSON.parse(await readFile(path.resolve(artifacts.dir, artifacts.manifest.deployable.file), "utf8")) as { abi: []; bytecode: string };
  const adapter = await new ContractFactory(compiled.abi, compiled.bytecode, deployer).deploy();
  await adapter.waitForDeployment();
  const probe = await (await ethers.getContractFactory("GasProbe", deployer)).deploy();
  const input = quantizeInput(artifacts.model, features);
  const { chainId } = await ethers.provider.getNetwork();
  const proof = await proveInference(artifacts, input, { chainId, hub: await probe.getAddress(), jobId: 7n, prover: deployer.address });
  await releaseProver();
  const verifier = await (adapter as unknown as { groth16Verifier(): Promise<string> }).groth16Verifier();
  const p = proof.proof;
  const n = proof.publicSignals.length;
  const iface = new Interface([`function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${n}]) view returns (bool)`]);
  const verifyData = iface.encodeFunctionData("verifyProof", [
    [p.pi_a[0], p.pi_a[1]],
    [
      [p.pi_b[0][1], p.pi_b[0][0]],
      [p.pi_b[1][1], p.pi_b[1][0]],
    ],
    [p.pi_c[0], p.pi_c[1]],
    proof.publicSignals,
  ]);
  const [verifyUsed, verifyOk] = await probe.measure(verifier, verifyData);
  const adapterData = adapter.interface.encodeFunctionData("verifyInference", [7n, deployer.address, artifacts.manifest.quantized.weightsCommitment, input, proof.output, encodeProof(p)]);
  const [adapterUsed, adapterOk, ret] = await probe.measure(await adapter.getAddress(), adapterData);
  if (!verifyOk || !adapterOk || BigInt(ret) !== 1n) throw new Error("the benchmark's proof did not verify");
  const txEstimate = await ethers.provider.estimateGas({ to: verifier, data: verifyData });
  const calldataGas = [...Buffer.from(verifyData.slice(2), "hex")].reduce((acc, b) => acc + (b === 0 ? 4 : 16), 0);
  const floor = FLOOR_BASE + FLOOR_PER_INPUT * n;
  return {
    "verify.publicSignals": n,
    "verify.verifyProofGas": Number(verifyUsed),
    "verify.floorGas": floor,
    "verify.ratio": Number(verifyUsed) / floor,
    "verify.adapterGas": Number(adapterUsed),
    "verify.adapterRatio": Number(adapterUsed) / floor,
    "verify.transactionGas": Number(txEstimate),
    "verify.transactionFloorGas": 21_000 + calldataGas + floor,
    "verify.transactionRatio": Number(txEstimate) / (21_000 + calldataGas + floor),
  };
}
