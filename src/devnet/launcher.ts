/**
 * A whole proofgrid network on one machine, for the demo, `proofgrid run`, tests and local nodes:
 * deploy (or attach), register built models at every level they support, fund and stake nodes of
 * each level and behaviour, admit their enclaves, start their runtimes and a watcher.
 *
 * The deployer owns the token (it mints for the actors) and, on networks without an attestation
 * root of their own, is the simulated attestation root.
 */
import { id, type Signer } from "ethers";
import { deployProofgrid } from "../../deploy/proofgrid.js";
import { attachProofgrid, describeDeployment, TOKEN, type DeploymentFile, type Proofgrid } from "../chain/contracts.js";
import { findModel } from "../chain/models.js";
import { topUpFromFaucet } from "../chain/tokens.js";
import { activateNodes, prepareNode } from "../node/bootstrap.js";
import { SimulatedEnclave } from "../node/enclave.js";
import type { SetupTrust } from "../node/setup.js";
import { NodeRuntime } from "../node/runtime.js";
import { Watcher } from "../node/watcher.js";
import type { ModelArtifacts } from "../pipeline/prove.js";
import { levelMask, TrustLevel } from "../protocol/index.js";
import { ProofgridClient } from "../sdk/client.js";
import { behaviourStrategy, type Behaviour } from "./behaviours.js";
import { increaseTimeTo, supportsTimeTravel, timeTravel } from "./time.js";

/** The measurement of the simulated enclave: approved on local networks whose deployer is the attestation root. */
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
  /** Which setups the nodes stake on (default: development keys accepted, as on any development chain). */
  setupTrust?: SetupTrust;
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

/** Mints `amount` of the local token to `to` (the deployer owns it on local networks). */
export function minter(contracts: Proofgrid) {
  return async (to: string, amount: bigint) => {
    await (await contracts.token.mint(to, amount)).wait();
  };
}

export async function launchLocalNetwork(options: LocalNetworkOptions): Promise<LocalNetwork> {
  const log = options.log ?? (() => {});
  const { deployer, requester } = options;
  let contracts: Proofgrid;
  if (options.deployment) contracts = attachProofgrid(options.deployment, deployer);
  else contracts = await deployProofgrid(deployer, { attestationRoot: await deployer.getAddress(), log: (l) => log(`deployed ${l}`) });
  const deployment = options.deployment ?? (await describeDeployment(contracts, deployer));
  const advanceTime = options.advanceTime ?? (await supportsTimeTravel(deployer));
  const mint = minter(contracts);

  const client = await ProofgridClient.connect({ signer: requester, deployment, pollMs: options.pollMs, onWait: advanceTime ? timeTravel({ pollMs: options.pollMs }) : undefined });
  const owner = await ProofgridClient.connect({ signer: deployer, deployment: contracts });
  const modelIds: number[] = [];
  const registered = new Map<number, ModelArtifacts>();
  for (const m of options.models) {
    const levels = m.levels ?? [TrustLevel.VANILLA, TrustLevel.TEE, TrustLevel.ZK];
    // On a network that persists (a local node), a model registered by an earlier run is reused.
    const existing = await findModel(contracts, m.name ?? m.artifacts.model.name, m.artifacts.manifest.quantized.weightsCommitment, levelMask(...levels));
    // A ZK release's soundness bond comes from the owner (the deployer, who mints it here).
    if (!existing && levels.includes(TrustLevel.ZK)) await topUpFromFaucet(contracts.token, await deployer.getAddress(), await contracts.bonds.minBond());
    const modelId = existing ?? (await owner.registerModel(m.artifacts, { name: m.name, levels, prices: m.prices ?? [1n * TOKEN, 2n * TOKEN, 4n * TOKEN] }));
    client.addModel(m.artifacts, modelId);
    registered.set(modelId, m.artifacts);
    modelIds.push(modelId);
    log(`${existing ? "reusing the registered" : "registered"} model #${modelId} ${m.name ?? m.artifacts.model.name}${existing ? "" : ", release 1.0"} (${levels.map((l) => TrustLevel[l]).join(", ")})`);
  }

  if (!(await contracts.tee.isMeasurementApproved(ENCLAVE_MEASUREMENT))) await (await contracts.tee.approveMeasurement(ENCLAVE_MEASUREMENT)).wait();
  const runtimes: NodeRuntime[] = [];
  for (const plan of options.nodes) {
    const served = new Map([...registered].filter((_, index) => !plan.models || plan.models.includes(index)));
    const runtime = new NodeRuntime({
      signer: plan.signer,
      contracts: attachProofgrid(deployment, plan.signer),
      models: served,
      levels: plan.levels,
      strategy: behaviourStrategy(plan.behaviour ?? "honest"),
      enclave: plan.levels.includes(TrustLevel.TEE) ? new SimulatedEnclave(ENCLAVE_MEASUREMENT) : undefined,
      name: plan.name,
      log,
      pollMs: options.pollMs,
      // A development network: the keys were made on this machine by the build it just ran.
      setupTrust: options.setupTrust ?? { developmentKeys: true },
    });
    await prepareNode(runtime, { stake: plan.stake ?? 1_000n * TOKEN, fund: mint, attestationRoot: deployer });
    runtimes.push(runtime);
  }
  await activateNodes(runtimes, { skipTo: advanceTime ? (t) => increaseTimeTo(deployer, t) : undefined, log });

  let watcher: Watcher | undefined;
  if (options.watcher) {
    await mint(await options.watcher.getAddress(), 1_000n * TOKEN);
    watcher = new Watcher({ signer: options.watcher, contracts: attachProofgrid(deployment, options.watcher), models: registered, log, pollMs: options.pollMs ?? 250 });
    watcher.start();
  }
  await mint(await requester.getAddress(), 1_000n * TOKEN);
  for (const r of runtimes) r.start();

  return {
    contracts,
    deployment,
    client,
    modelIds,
    nodes: runtimes,
    watcher,
    async stop() {
      await watcher?.stop();
      await Promise.all(runtimes.map((r) => r.stop()));
    },
  };
}
