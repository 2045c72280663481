/**
 * Gas per step and per level with real parts (the demo model's generated verifier, real proofs,
 * enclave signatures, node runtimes), and request gas as the node count grows.
 */
import { ethers as E } from "ethers";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import { deployProofgrid, TOKEN } from "../deploy/proofgrid.js";
import { quantizeInput } from "../src/engine/fixed.js";
import { launchLocalNetwork } from "../src/devnet/launcher.js";
import type { ModelArtifacts } from "../src/pipeline/prove.js";
import { levelMask, packVersion, releaseKey, TrustLevel } from "../src/protocol/index.js";
import { TicketRouter__factory } from "../types/contracts/index.js";
import { registerMock } from "./disputes.js";
import { timeTravel } from "../src/devnet/time.js";

const median = (xs: bigint[]) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[Math.floor(xs.length / 2)];
const LEVELS = [
  ["vanilla", TrustLevel.VANILLA],
  ["tee", TrustLevel.TEE],
  ["zk", TrustLevel.ZK],
] as const;

/** gas.<level>.<step>, gas.<level>.total and gas.<level>.callback, medians of `runs` jobs after a warm-up. */
export async function gasPerLevel(ethers: HardhatEthers, artifacts: ModelArtifacts, features: number[], runs = 5): Promise<Record<string, number>> {
  const s = await ethers.getSigners();
  const net = await launchLocalNetwork({
    deployer: s[0],
    requester: s[1],
    models: [{ artifacts }],
    nodes: [
      { name: "zk", signer: s[10], levels: [TrustLevel.ZK] },
      { name: "tee", signer: s[11], levels: [TrustLevel.TEE] },
      { name: "vanilla", signer: s[12], levels: [TrustLevel.VANILLA] },
    ],
    pollMs: 50,
  });
  const out: Record<string, number> = {};
  try {
    for (const [name, level] of LEVELS) {
      const samples: Record<string, bigint>[] = [];
      for (let i = 0; i <= runs; i++) {
        const r = await net.client.infer(net.modelIds[0], features, { trust: name, onWait: timeTravel({ challengeGraceMs: 0, pollMs: 50 }) });
        if (i > 0) samples.push(r.gas); // the first job pays first writes of fresh balances
      }
      const steps = level === TrustLevel.VANILLA ? ["request", "submit", "finalize"] : ["request", "submit"];
      let total = 0n;
      for (const step of steps) {
        const m = median(samples.map((g) => g[step]));
        out[`gas.${name}.${step === "submit" && level !== TrustLevel.VANILLA ? "submitAndSettle" : step}`] = Number(m);
        total += m;
      }
      out[`gas.${name}.total`] = Number(total);
    }

    // The callback: the same jobs requested by a consumer contract that stores the routed intent.
    const router = await new TicketRouter__factory(s[0]).deploy(await net.contracts.hub.getAddress(), await net.contracts.token.getAddress(), net.modelIds[0], (await net.contracts.models.getRelease(net.modelIds[0], 0))[0], artifacts.model.labels ?? ["a", "b", "c", "d", "e", "f"]);
    await router.waitForDeployment();
    const customer = s[3];
    await (await net.contracts.token.mint(customer.address, 1_000n * TOKEN)).wait();
    await (await net.contracts.token.connect(customer).approve(await router.getAddress(), E.MaxUint256)).wait();
    const input = quantizeInput(artifacts.model, features);
    for (const [name, level] of LEVELS) {
      const settle: bigint[] = [];
      for (let i = 0; i <= runs; i++) {
        const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp + 600);
        const receipt = (await (await router.connect(customer).openTicket(input, level, [1n, 2n, 4n][level] * TOKEN + (await router.callbackCost()), deadline)).wait())!;
        const opened = receipt.logs.map((l) => router.interface.parseLog(l)).find((l) => l?.name === "TicketOpened")!;
        const r = await net.client.waitFor(opened.args.jobId as bigint, { onWait: timeTravel({ challengeGraceMs: 0, pollMs: 50 }) });
        if (i > 0) settle.push(level === TrustLevel.VANILLA ? r.gas.finalize : r.gas.submit);
      }
      const plain = out[`gas.${name}.${level === TrustLevel.VANILLA ? "finalize" : "submitAndSettle"}`];
      out[`gas.${name}.callback`] = Number(median(settle)) - plain;
    }
  } finally {
    await net.stop();
  }
  return out;
}

/** Request gas (VANILLA, 16 inputs) with `counts` registered nodes: gas.request.nodes<n>. */
export async function matchingScale(ethers: HardhatEthers, helpers: NetworkHelpers, counts: number[]): Promise<Record<string, number>> {
  const [deployer, modelOwner, requester] = await ethers.getSigners();
  const input = Array.from({ length: 16 }, (_, i) => BigInt(i * 37 - 200));
  const out: Record<string, number> = {};
  for (const n of counts) {
    const pg = await deployProofgrid(deployer, { attestationRoot: deployer.address, staking: { activationDelay: 0n } });
    await registerMock(pg, modelOwner, input.length, 6, levelMask(TrustLevel.VANILLA, TrustLevel.TEE));
    await (await pg.token.mint(requester.address, 1_000_000n * TOKEN)).wait();
    await (await pg.token.connect(requester).approve(await pg.hub.getAddress(), E.MaxUint256)).wait();
    for (let i = 0; i < n; i++) {
      const wallet = E.Wallet.createRandom().connect(ethers.provider);
      await helpers.setBalance(wallet.address, 10n ** 20n);
      await (await pg.token.mint(wallet.address, 1_000n * TOKEN)).wait();
      await (await pg.token.connect(wallet).approve(await pg.nodes.getAddress(), E.MaxUint256)).wait();
      await (await pg.nodes.connect(wallet).join(1_000n * TOKEN, [releaseKey(1, packVersion(1, 0))], levelMask(TrustLevel.VANILLA))).wait();
      await (await pg.nodes.connect(wallet).activate()).wait();
    }
    const used: bigint[] = [];
    for (let i = 0; i < 30; i++) {
      const deadline = BigInt(await helpers.time.latest()) + 3_600n;
      const receipt = (await (await pg.hub.connect(requester).request({ modelId: 1, version: 0, level: 0, fee: TOKEN, deadline, consumer: E.ZeroAddress, callbackGasLimit: 0, input })).wait())!;
      if (i >= 15) used.push(receipt.gasUsed);
    }
    out[`gas.request.nodes${n}`] = Number(median(used));
  }
  const [first, last] = [counts[0], counts[counts.length - 1]];
  out[`gas.request.ratio${last}to${first}`] = out[`gas.request.nodes${last}`] / out[`gas.request.nodes${first}`];
  return out;
}
