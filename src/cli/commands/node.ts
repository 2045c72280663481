/** `proofgrid node start`: run a node until interrupted. */
import { Wallet, type Signer } from "ethers";
import { chainNow } from "../../chain/time.js";
import { attachProofgrid, TOKEN } from "../../chain/contracts.js";
import { ENCLAVE_MEASUREMENT, minter } from "../../devnet/launcher.js";
import { increaseTimeTo, mineBlock, supportsTimeTravel } from "../../devnet/time.js";
import { activateNodes, prepareNode } from "../../node/bootstrap.js";
import { SimulatedEnclave } from "../../node/enclave.js";
import { NodeRuntime } from "../../node/runtime.js";
import { Watcher } from "../../node/watcher.js";
import { loadArtifacts, releaseProver, type ModelArtifacts } from "../../pipeline/prove.js";
import { parseVersion, TrustLevel, trustName } from "../../protocol/index.js";
import { CliError, connect, parse, pgt, requireDeployment, signerAt, trustListFlag } from "../context.js";

export const NODE_USAGE = `usage: proofgrid node start --trust <levels> --model <build dir> --model-id <id> --release <major.minor> [--network <name>] [options]

Runs a node until interrupted: joins and stakes (once), admits a simulated enclave for TEE, waits
for activation, then watches the hub for its jobs, runs the model, proves (zk) / signs in the
enclave (tee) / submits (vanilla) and finalizes, votes in committees, withdraws its earnings.
Restarts never submit twice (the job's status on chain is checked first; --state keeps the scan
position). Logs one line per action on stderr.

options:
  --trust <levels>      comma-separated: vanilla,tee,zk
  --model <dir>         a model's build directory (repeatable)
  --model-id <id>       the registry id of that model (one per --model, in the same order)
  --release <m.n>       the release to serve (one per --model): the node checks that its weights,
                        model file and verifier code are the build's before it stakes, and prints
                        the model's owner
  --network <name>      default localhost
  --account <index>     the operator's account (default 3)
  --stake <tokens>      stake to join with, in whole tokens (default 1000; minted on local networks)
  --capacity <jobs>     most jobs awaiting this node's result at once, 1 to 255 (default 8): the
                        registry draws it for no more, so a flood is refused, never missed
  --watch               also act as a watcher: re-execute VANILLA results and challenge wrong ones
  --state <file>        where to keep the scan position (default: none)
  --deployments <dir>   default deployments
  --advance-time        move time past the activation delay (local nodes only)
  --accept-development-keys
                        serve releases whose keys are a single-party development setup (what
                        'proofgrid model build' makes alone); whoever made such keys can prove
                        any output: only on a development chain whose keys you built yourself
  --trust-contributor <address>
                        a ceremony contribution recorded by this address is enough (repeatable;
                        default: only the node's own, see 'proofgrid ceremony contribute')
  --ptau <file>         a powers-of-tau ceremony file to check keys against (repeatable; the
                        local cache is searched too)`;

export async function nodeCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h") return console.log(NODE_USAGE), sub === undefined ? 1 : 0;
  if (sub !== "start") throw new CliError(`unknown node command '${sub}' (run 'proofgrid node --help')`);
  const { values } = parse(rest, {
    trust: { type: "string" },
    model: { type: "string", multiple: true },
    "model-id": { type: "string", multiple: true },
    release: { type: "string", multiple: true },
    network: { type: "string", default: "localhost" },
    account: { type: "string", default: "3" },
    stake: { type: "string", default: "1000" },
    capacity: { type: "string" },
    watch: { type: "boolean" },
    state: { type: "string" },
    deployments: { type: "string", default: "deployments" },
    "advance-time": { type: "boolean" },
    "accept-development-keys": { type: "boolean" },
    "trust-contributor": { type: "string", multiple: true },
    ptau: { type: "string", multiple: true },
  });
  if (values.help) return console.log(NODE_USAGE), 0;
  if (!values.trust) throw new CliError("--trust is required (vanilla, tee, zk, comma-separated)");
  const levels = trustListFlag(values.trust as string);
  const dirs = (values.model as string[] | undefined) ?? [];
  if (dirs.length === 0) throw new CliError("--model <build dir> is required");
  const ids = (values["model-id"] as string[] | undefined) ?? [];
  const releases = (values.release as string[] | undefined) ?? [];
  if (ids.length !== dirs.length || releases.length !== dirs.length) {
    throw new CliError(`each --model needs its --model-id and --release (got ${dirs.length} --model, ${ids.length} --model-id, ${releases.length} --release): a node stakes only on releases it names; 'proofgrid model register' prints both`);
  }
  const served = dirs.map((dir, i) => {
    const id = Number(ids[i]);
    const version = parseVersion(releases[i]);
    if (!Number.isInteger(id) || id < 1) throw new CliError(`--model-id ${ids[i]} is not a model id (a whole number from 1)`);
    if (version === undefined) throw new CliError(`--release ${releases[i]} is not a release (major.minor, like 1.0)`);
    return { dir, id, version };
  });
  const stake = BigInt(values.stake as string) * TOKEN;
  const capacity = values.capacity === undefined ? undefined : Number(values.capacity);
  if (capacity !== undefined && !(Number.isInteger(capacity) && capacity >= 1 && capacity <= 255)) {
    throw new CliError(`--capacity must be a whole number of jobs from 1 to 255 (got '${values.capacity}')`);
  }

  // Signals are taken from the start, so that Ctrl-C or a SIGTERM during joining or the activation
  // wait also ends with the node stopped cleanly.
  const stopping = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    if (!stopping.signal.aborted) console.error(`${new Date().toISOString()} ${signal}: stopping`);
    stopping.abort(new Error(`stopped by ${signal}`));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const conn = await connect(values.network as string);
  const deployment = await requireDeployment(values.deployments as string, conn);
  const signer = signerAt(conn, Number(values.account), "the node");
  const contracts = attachProofgrid(deployment, signer);
  const models = new Map<number, ModelArtifacts>();
  const versions = new Map<number, number>();
  for (const { dir, id, version } of served) {
    models.set(id, await loadArtifacts(dir));
    versions.set(id, version);
  }
  const log = (line: string) => console.error(`${new Date().toISOString()} ${line}`);
  const name = `node-${(await signer.getAddress()).slice(2, 8)}`;
  // A provider request abandoned mid-outage can reject outside any await; the poller retries the
  // work, so such a rejection is logged rather than ending the node.
  process.on("unhandledRejection", (reason) => log(`[${name}] ignored an unhandled rejection: ${String((reason as Error)?.message ?? reason).split("\n")[0]}`));
  const runtime = new NodeRuntime({
    signer,
    contracts,
    models,
    versions,
    levels,
    enclave: levels.includes(TrustLevel.TEE) ? new SimulatedEnclave(ENCLAVE_MEASUREMENT) : undefined,
    stateFile: values.state as string | undefined,
    name,
    log,
    pollMs: 500,
    setupTrust: {
      developmentKeys: Boolean(values["accept-development-keys"]),
      contributors: values["trust-contributor"] ? [await signer.getAddress(), ...(values["trust-contributor"] as string[])] : undefined,
      ptau: values.ptau as string[] | undefined,
    },
  });
  // On a local network the deployer owns the token: it funds the stake, and it is the simulated
  // attestation root unless PROOFGRID_ATTESTATION_ROOT_KEY names another.
  const addresses = await Promise.all(conn.signers.map((s) => s.getAddress()));
  const deployer = conn.signers[addresses.indexOf(deployment.deployer)] ?? conn.signers[0];
  const rootKey = process.env.PROOFGRID_ATTESTATION_ROOT_KEY;
  const root: Signer = rootKey ? new Wallet(rootKey, signer.provider) : deployer;
  const tick = (await supportsTimeTravel(conn.provider)) ? () => mineBlock(conn.provider) : undefined;
  let watcher: Watcher | undefined;
  try {
    await prepareNode(runtime, { stake, capacity, fund: minter(attachProofgrid(deployment, deployer)), attestationRoot: root });
    stopping.signal.throwIfAborted();
    await activateNodes([runtime], { skipTo: values["advance-time"] ? (t) => increaseTimeTo(signer, t) : undefined, tick, log: (l) => log(`[${name}] ${l}`), signal: stopping.signal });
    if (values.watch) {
      // The watcher proves with the artifacts the runtime checked (for a ceremony release, the
      // witness calculator this node compiled itself), never with a build's own files.
      const checked = new Map<number, ModelArtifacts>();
      for (const { id, version } of served) checked.set(id, (await runtime.artifactsFor(id, version)) ?? models.get(id)!);
      watcher = new Watcher({ signer, contracts, models: checked, log });
    }
    runtime.start();
    watcher?.start();
    const me = await runtime.address();
    const { jailedUntil, stake: staked } = await contracts.nodes.getNode(me);
    const now = await chainNow(conn.provider);
    const what = `${[...models.keys()].map((id) => `model #${id}`).join(", ")} at ${levels.map(trustName).join(", ")}`;
    if (jailedUntil > now) log(`[${name}] jailed until ${new Date(Number(jailedUntil) * 1000).toISOString()} (stake ${pgt(staked)}): not drawn for ${what} until it leaves jail, which it does by itself then; Ctrl-C to stop`);
    else log(`[${name}] serving ${what}; Ctrl-C to stop`);
    await new Promise<void>((resolve) => (stopping.signal.aborted ? resolve() : stopping.signal.addEventListener("abort", () => resolve(), { once: true })));
  } catch (error) {
    if (!stopping.signal.aborted) throw error;
  } finally {
    await watcher?.stop();
    await runtime.stop();
    await releaseProver();
    await conn.close().catch(() => {});
  }
  log(`[${name}] stopped`);
  return 0;
}
