/**
 * Bringing a node into service: fund its stake (where the caller can), join the registry for its
 * checked releases and levels, admit its enclave with an attestation, wait out the activation
 * delay (or let a development chain skip it) and activate. Every step is skipped when already
 * done, so running it again after a restart is safe.
 */
import { formatUnits, type Signer } from "ethers";
import { joinNode } from "../chain/nodes.js";
import { chainNow } from "../chain/time.js";
import { NodeStatus, trustName, unpackVersion } from "../protocol/index.js";
import type { NodeRuntime } from "./runtime.js";

/** Sleeps `ms`, or rejects as soon as `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", abort, { once: true });
  });
}

export interface BootstrapOptions {
  /** The stake to join with. */
  stake: bigint;
  /** Tops the operator's token balance up to `amount` (e.g. a local token's owner minting); default: none. */
  fund?: (operator: string, amount: bigint) => Promise<void>;
  /** Signs the enclave's attestation (the vendor's root; on local networks, the simulated root). */
  attestationRoot?: Signer;
  /**
   * How many jobs the node can have awaiting its result at once (1 to 255): the registry draws it
   * for no more, so a flood is refused instead of missed. Default: the registry's DEFAULT_CAPACITY (8).
   */
  capacity?: number;
}

/** Joins (once) and admits the enclave; the node activates later (see activateNodes). */
export async function prepareNode(runtime: NodeRuntime, options: BootstrapOptions): Promise<void> {
  const { contracts, signer, levels, enclave } = runtime.options;
  const me = await runtime.address();
  const releases = await runtime.resolveReleases();
  if ((await contracts.nodes.getNode(me)).stake === 0n) {
    if (options.fund && (await contracts.token.balanceOf(me)) < options.stake) await options.fund(me, options.stake);
    await joinNode(contracts, options.stake, releases, levels);
    runtime.log(`joined with ${formatUnits(options.stake)} PGT stake for ${releases.map((r) => `#${r.modelId} ${unpackVersion(r.version)}`).join(", ")} at ${levels.map(trustName).join(", ")}`);
  }
  if (options.capacity !== undefined && BigInt(options.capacity) !== (await contracts.nodes.getNode(me)).capacity) {
    await (await contracts.nodes.setCapacity(options.capacity)).wait();
    runtime.log(`capacity: at most ${options.capacity} jobs awaiting its result at once`);
  }
  if (enclave && options.attestationRoot) {
    const [first] = runtime.options.models.keys();
    if (await contracts.tee.isEnclaveValid(enclave.address, me, first ?? 0)) return;
    // Enclaves of earlier processes: their keys died with them, so nothing can sign for them any
    // more. Removed before the new one is admitted, so restarts never fill the registry's slots
    // (TEETooManyEnclaves) and a dead enclave is never mistaken for a live one.
    for (const old of await contracts.tee.enclavesOf(me)) {
      if (old === enclave.address) continue;
      await (await contracts.tee.removeEnclave(old)).wait();
      runtime.log(`enclave ${old} of an earlier process removed (its key is gone)`);
    }
    const { chainId } = await signer.provider!.getNetwork();
    const now = await chainNow(signer.provider!);
    const attestation = await enclave.attestation(options.attestationRoot, chainId, await contracts.attestation.getAddress(), me, now);
    await (await contracts.tee.admitEnclave(attestation)).wait();
    runtime.heartbeatSent(now);
    runtime.log(`enclave ${enclave.address} admitted (measurement ${enclave.measurement.slice(0, 10)}...)`);
  }
}

/** When the registry lets this node activate (0 when it is not pending). */
export async function activatesAt(runtime: NodeRuntime): Promise<bigint> {
  const info = await runtime.options.contracts.nodes.getNode(await runtime.address());
  return Number(info.status) === NodeStatus.Pending ? info.activatesAt : 0n;
}

/**
 * Activates pending nodes once the activation delay has passed. `skipTo` moves a development
 * chain's time to the given timestamp instead of waiting; otherwise this waits in real time,
 * logging the time left every 10 s, calling `tick` on each check (on an idle development chain,
 * mine a block so that its clock follows the wall clock) and giving up when `signal` aborts.
 */
export async function activateNodes(
  runtimes: NodeRuntime[],
  options: { skipTo?: (timestamp: bigint) => Promise<void>; tick?: () => Promise<void>; log?: (line: string) => void; signal?: AbortSignal } = {},
): Promise<void> {
  const times = await Promise.all(runtimes.map(activatesAt));
  const until = times.reduce((a, b) => (b > a ? b : a), 0n);
  if (until === 0n) return;
  const provider = runtimes[0].options.signer.provider!;
  if (options.skipTo) await options.skipTo(until);
  else {
    let lastLog = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      await options.tick?.();
      const now = await chainNow(provider);
      if (now >= until) break;
      if (Date.now() - lastLog >= 10_000) {
        options.log?.(`waiting for activation: ${until - now} s left (until ${new Date(Number(until) * 1000).toISOString()}, chain time)`);
        lastLog = Date.now();
      }
      await sleep(1_000, options.signal);
    }
  }
  for (const [i, runtime] of runtimes.entries()) {
    if (times[i] === 0n) continue;
    await (await runtime.options.contracts.nodes.activate()).wait();
    runtime.log("active");
  }
}
