/**
 * The setup choice, measured (`BENCH_ONLY=setup npm run bench`): for each model, Groth16 with a
 * phase-2 ceremony (key size, proving time, verifyProof gas, one contribution, the beacon, and
 * `zkey verify` of a two-contribution transcript, which is what each node runs once per release)
 * against PLONK over the same circuit (a universal setup: phase 1 only; gates, key size, setup,
 * proving time and verifyProof gas of snarkjs' own verifier).
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { Interface } from "ethers";
import * as snarkjs from "snarkjs";
import { pack } from "../src/engine/fixed.js";
import { findPtau } from "../src/pipeline/adopt.js";
import { applyBeacon, contribute, initialZkey, verifySetup } from "../src/pipeline/ceremony.js";
import { localPtau, ptauPower, releaseCurve, useCurve } from "../src/pipeline/ptau.js";
import { silentProgress } from "../src/pipeline/progress.js";
import { proveInference, type ModelArtifacts } from "../src/pipeline/prove.js";
import { bindingOf } from "../src/protocol/index.js";
import { compileContract } from "../src/pipeline/solidity.js";
import { dependencyDir } from "../src/package.js";

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const seconds = async (fn: () => Promise<unknown>) => {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
};

/** verifyProof gas of a verifier at `address` for `data`, through the GasProbe (execution gas of the call). */
async function probeGas(ethers: HardhatEthers, address: string, data: string): Promise<number> {
  const [deployer] = await ethers.getSigners();
  const probe = await (await ethers.getContractFactory("GasProbe", deployer)).deploy();
  const [used, ok] = await probe.measure(address, data);
  if (!ok) throw new Error("verifyProof returned false");
  return Number(used);
}

export async function setupFigures(
  ethers: HardhatEthers,
  name: string,
  artifacts: ModelArtifacts,
  input: bigint[],
  runs: number,
  options: { plonk: boolean },
  log: (line: string) => void,
): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  const key = (k: string) => `setup.${name}.${k}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), "proofgrid-bench-setup-"));
  const [deployer] = await ethers.getSigners();
  const { chainId } = await ethers.provider.getNetwork();
  try {
    const r1cs = path.resolve(artifacts.dir, artifacts.manifest.r1cs.file);
    const ptau = await findPtau(artifacts.manifest.ptau);
    out[key("constraints")] = artifacts.manifest.circuit.nonLinear + artifacts.manifest.circuit.linear;
    out[key("groth16.zkeyBytes")] = (await stat(artifacts.zkey)).size;

    // Groth16 with a ceremony: what each party runs.
    log(`${name}: a two-contribution ceremony and its verification`);
    const z = (i: number) => path.join(dir, `${i}.zkey`);
    out[key("ceremony.initialSeconds")] = await seconds(() => initialZkey(r1cs, ptau, z(0)));
    const contributions: number[] = [];
    for (const i of [1, 2]) contributions.push(await seconds(() => contribute(z(i - 1), z(i), `bench ${i}`)));
    out[key("ceremony.contributeSeconds")] = median(contributions);
    out[key("ceremony.beaconSeconds")] = await seconds(() => applyBeacon(z(2), z(3), `0x${"5a".repeat(32)}`));
    out[key("ceremony.verifySeconds")] = await seconds(() => verifySetup(r1cs, ptau, z(3)));

    // Groth16 proving and verifying with the build's keys.
    const binding = { chainId, hub: deployer.address, jobId: 1n, prover: deployer.address };
    const times: number[] = [];
    let proof = await proveInference(artifacts, input, binding);
    for (let r = 0; r < runs; r++) times.push(await seconds(async () => (proof = await proveInference(artifacts, input, binding))));
    out[key("groth16.proveSeconds")] = median(times);
    const compiledVerifier = JSON.parse(await readFile(path.resolve(artifacts.dir, artifacts.manifest.deployable.file), "utf8")) as { verifierBytecode: string };
    const g16 = await (await deployer.sendTransaction({ data: compiledVerifier.verifierBytecode })).wait();
    const n = proof.publicSignals.length;
    const p = proof.proof;
    const g16Data = new Interface([`function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${n}]) view returns (bool)`]).encodeFunctionData("verifyProof", [
      [p.pi_a[0], p.pi_a[1]],
      [
        [p.pi_b[0][1], p.pi_b[0][0]],
        [p.pi_b[1][1], p.pi_b[1][0]],
      ],
      [p.pi_c[0], p.pi_c[1]],
      proof.publicSignals,
    ]);
    out[key("groth16.verifyGas")] = await probeGas(ethers, g16!.contractAddress!, g16Data);
    out[key("publicSignals")] = n;

    if (!options.plonk) return out;
    // PLONK over the same r1cs: a universal setup (phase 1 only), from a ptau large enough for its gates.
    log(`${name}: PLONK setup, proving and verifying`);
    const plonkZkey = path.join(dir, "plonk.zkey");
    const lines: string[] = [];
    const logger = { debug: () => {}, info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
    let power = Math.max(await ptauPower(ptau), 12);
    for (;;) {
      const file = await localPtau(power, silentProgress());
      const t = await seconds(() => useCurve(() => (snarkjs as unknown as { plonk: { setup(a: string, b: string, c: string, l: unknown): Promise<unknown> } }).plonk.setup(r1cs, file, plonkZkey, logger)));
      const gates = lines.map((l) => /Plonk constraints: (\d+)/.exec(l)?.[1]).find(Boolean);
      if (gates) out[key("plonk.gates")] = Number(gates);
      if (!(await stat(plonkZkey).catch(() => undefined))) {
        // snarkjs logs "circuit too big for this power of tau ceremony" and writes nothing: a larger one.
        lines.length = 0;
        power++;
        if (power > 14) throw new Error(`PLONK needs a powers of tau above 2^14 for ${name}`);
        continue;
      }
      out[key("plonk.setupSeconds")] = t;
      out[key("plonk.ptauPower")] = power;
      break;
    }
    out[key("plonk.zkeyBytes")] = (await stat(plonkZkey)).size;
    const signals = { binding: bindingOf(binding, artifacts.manifest.quantized.weightsCommitment), inputPacked: pack(input, artifacts.model.input) };
    const plonk = snarkjs as unknown as {
      plonk: {
        fullProve(i: unknown, w: string, z: string): Promise<{ proof: unknown; publicSignals: string[] }>;
        exportSolidityCallData(p: unknown, s: string[]): Promise<string>;
      };
      zKey: { exportSolidityVerifier(z: string, t: Record<string, string>): Promise<string> };
    };
    const plonkTimes: number[] = [];
    let result = await useCurve(() => plonk.plonk.fullProve(signals, artifacts.wasm, plonkZkey));
    for (let r = 0; r < runs; r++) plonkTimes.push(await seconds(async () => (result = await useCurve(() => plonk.plonk.fullProve(signals, artifacts.wasm, plonkZkey)))));
    out[key("plonk.proveSeconds")] = median(plonkTimes);
    const template = await readFile(path.join(dependencyDir("snarkjs"), "templates/verifier_plonk.sol.ejs"), "utf8");
    const source = await useCurve(() => plonk.zKey.exportSolidityVerifier(plonkZkey, { plonk: template }));
    const compiled = compileContract({ "PlonkVerifier.sol": source }, "PlonkVerifier.sol", "PlonkVerifier");
    const deployed = await (await deployer.sendTransaction({ data: compiled.bytecode })).wait();
    // snarkjs writes "[p0, ..., p23],[s0, ...]" (quoted or not, by version): the numbers, in order.
    const numbers = (await plonk.plonk.exportSolidityCallData(result.proof, result.publicSignals)).match(/0x[0-9a-fA-F]+/g) ?? [];
    const calldata = [numbers.slice(0, 24), numbers.slice(24)];
    const data = new Interface([`function verifyProof(uint256[24],uint256[${result.publicSignals.length}]) view returns (bool)`]).encodeFunctionData("verifyProof", calldata);
    out[key("plonk.verifyGas")] = await probeGas(ethers, deployed!.contractAddress!, data);
    return out;
  } finally {
    await releaseCurve();
    await rm(dir, { recursive: true, force: true });
  }
}
