/**
 * A whole proofgrid network on one machine, for the demo, `proofgrid run`, tests and local nodes:
 * deploy (or attach), register built models at every level they support, fund and stake nodes of
 * each level and behaviour, admit their enclaves, start their runtimes and a watcher.
 *
 * The deployer owns the token (it mints for the actors) and, on networks without an attestation
 * root of their own, is the simulated attestation root.
 */
import { id, type Signer } from "ethers";
import { attachProofgrid, deployProofgrid, describeDeployment, TOKEN, type DeploymentFile, type Proofgrid } from "../../deploy/proofgrid.js";
import type { ModelArtifacts } from "../pipeline/prove.js";
import { levelMask, TrustLevel } from "../protocol/index.js";
import { ProofgridClient } from "../sdk/client.js";
import { SimulatedEnclave } from "./enclave.js";
import { NodeRuntime, type Behaviour } from "./runtime.js";
import { Watcher } from "./watcher.js";

export const ENCLAVE_MEASUREMENT = id("proofgrid-simulated-enclave-v1");

export interface NodePlan {
  name: string;
  signer: Signer;
  levels: TrustLevel[];
  behaviour?: Behaviour;
  /** Indices into LocalNetworkOptions.models of the models served (default: all). */
  models?: number[];
  stake?: bigint;
}

export interface LocalNetworkOptions {
  deployer: Signer;
  /** Attach to this deployment instead of deploying. */
  deployment?: DeploymentFile;
  requester: Signer;
  watcher?: Signer;
  /** Built models to register (every level they support; ZK when they have a verifier). */
  models: { artifacts: ModelArtifacts; name?: string; levels?: TrustLevel[]; prices?: [bigint, bigint, bigint] }[];
  nodes: NodePlan[];
  log?: (line: string) => void;
  pollMs?: number;
  /** Move time past the activation delay, challenge windows and missed deadlines. Default: when the network allows it. */
  advanceTime?: boolean;
}

export interface LocalNetwork {
  contracts: Proofgrid;
  deployment: DeploymentFile;
  client: ProofgridClient;
  modelIds: number[];
  nodes: NodeRuntime[];
  watcher?: Watcher;
  stop(): Promise<void>;
}

/** Whether the network lets us move time (the in-process network, hardhat node, anvil). */
export async function supportsTimeTravel(signer: Signer): Promise<boolean> {
  const provider = signer.provider as unknown as { send(method: string, params: unknown[]): Promise<unknown> };
  try {
    await provider.send("evm_increaseTime", [0]);
    return true;
  } catch {
    return false;
  }
}

async function increaseTime(signer: Signer, seconds: bigint) {
  const provider = signer.provider as unknown as { send(method: string, params: unknown[]): Promise<unknown> };
  await provider.send("evm_increaseTime", [Number(seconds)]);
  await provider.send("evm_mine", []);
}

/** The id of the model registered under this name (names are unique) when its latest release has these weights and levels. */
export async function findModel(contracts: Proofgrid, name: string, weightsCommitment: string, levels?: number): Promise<number | undefined> {
  const id = Number(await contracts.models.modelIdOf(name));
  if (id === 0) return undefined;
  const [, release] = await contracts.models.getRelease(id, 0);
  const matches = release.weightsCommitment === weightsCommitment && !release.deprecated && (levels === undefined || Number(release.levels) === levels);
  return matches ? id : undefined;
}

export async function launchLocalNetwork(options: LocalNetworkOptions): Promise<LocalNetwork> {
  const log = options.log ?? (() => {});
  const { deployer, requester } = options;
  let contracts: Proofgrid;
  if (options.deployment) contracts = attachProofgrid(options.deployment, deployer);
  else contracts = await deployProofgrid(deployer, { attestationRoot: await deployer.getAddress(), log: (l) => log(`deployed ${l}`) });
  const deployment = options.deployment ?? (await describeDeployment(contracts, deployer));
  const advanceTime = options.advanceTime ?? (await supportsTimeTravel(deployer));

  const client = await ProofgridClient.connect({ signer: requester, deployment: attachProofgrid(deployment, requester), pollMs: options.pollMs, advanceTime });
  const owner = await ProofgridClient.connect({ signer: deployer, deployment: contracts });
  const modelIds: number[] = [];
  const registered = new Map<number, ModelArtifacts>();
  for (const m of options.models) {
    const levels = m.levels ?? [TrustLevel.VANILLA, TrustLevel.TEE, TrustLevel.ZK];
    // On a network that persists (a local node), a model registered by an earlier run is reused.
    const existing = await findModel(contracts, m.name ?? m.artifacts.model.name, m.artifacts.manifest.quantized.weightsCommitment, levelMask(...levels));
    const modelId = existing ?? (await owner.registerModel(m.artifacts, { name: m.name, levels, prices: m.prices ?? [1n * TOKEN, 2n * TOKEN, 4n * TOKEN] }));
    client.addModel(m.artifacts, modelId);
    registered.set(modelId, m.artifacts);
    modelIds.push(modelId);
    log(`registered model #${modelId} ${m.name ?? m.artifacts.model.name} ${m.artifacts.model.version} (${levels.map((l) => TrustLevel[l]).join(", ")})`);
  }

  if (!(await contracts.tee.isMeasurementApproved(ENCLAVE_MEASUREMENT))) await (await contracts.tee.approveMeasurement(ENCLAVE_MEASUREMENT)).wait();
  const runtimes: NodeRuntime[] = [];
  for (const plan of options.nodes) {
    const address = await plan.signer.getAddress();
    const stake = plan.stake ?? 1_000n * TOKEN;
    if ((await contracts.nodes.getNode(address)).stake === 0n) await (await contracts.token.mint(address, stake)).wait();
    const served = new Map([...registered].filter((_, index) => !plan.models || plan.models.includes(index)));
    const runtime = new NodeRuntime({
      signer: plan.signer,
      contracts: attachProofgrid(deployment, plan.signer),
      models: served,
      levels: plan.levels,
      behaviour: plan.behaviour,
      enclave: plan.levels.includes(TrustLevel.TEE) ? new SimulatedEnclave(ENCLAVE_MEASUREMENT) : undefined,
      name: plan.name,
      log,
      pollMs: options.pollMs,
    });
    await runtime.join(stake);
    await runtime.admitEnclave(deployer);
    runtimes.push(runtime);
  }
  const pending = (await Promise.all(runtimes.map((r) => r.activatesAt()))).some((t) => t > 0n);
  if (pending && advanceTime) await increaseTime(deployer, await contracts.nodes.activationDelay());
  else if (pending) {
    // A network that keeps real time (a testnet): wait out the activation delay.
    const until = (await Promise.all(runtimes.map((r) => r.activatesAt()))).reduce((a, b) => (b > a ? b : a), 0n);
    log(`waiting for node activation (until ${new Date(Number(until) * 1000).toISOString()})`);
    while (BigInt((await deployer.provider!.getBlock("latest"))!.timestamp) < until) await new Promise((r) => setTimeout(r, 5_000));
  }
  for (const r of runtimes) await r.activate();

  let watcher: Watcher | undefined;
  const loops: NodeJS.Timeout[] = [];
  if (options.watcher) {
    await (await contracts.token.mint(await options.watcher.getAddress(), 1_000n * TOKEN)).wait();
    watcher = new Watcher({ signer: options.watcher, contracts: attachProofgrid(deployment, options.watcher), models: registered, log });
    const w = watcher;
    let busy = false;
    loops.push(
      setInterval(() => {
        if (busy) return;
        busy = true;
        w.poll()
          .catch((e: Error) => log(`[watcher] poll failed: ${e.message.split("\n")[0]}`))
          .finally(() => (busy = false));
      }, options.pollMs ?? 250),
    );
  }
  await (await contracts.token.mint(await requester.getAddress(), 1_000n * TOKEN)).wait();
  for (const r of runtimes) r.start();

  return {
    contracts,
    deployment,
    client,
    modelIds,
    nodes: runtimes,
    watcher,
    async stop() {
      for (const l of loops) clearInterval(l);
      await Promise.all(runtimes.map((r) => r.stop()));
    },
  };
}
