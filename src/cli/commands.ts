/**
 * The network commands of the CLI: deploy, run, infer, node start, status, model register.
 */
import { parseArgs } from "node:util";
import { Wallet, type Signer } from "ethers";
import type { DeploymentFile } from "../../deploy/proofgrid.js";
import { TOKEN } from "../../deploy/proofgrid.js";
import { SimulatedEnclave } from "../node/enclave.js";
import { ENCLAVE_MEASUREMENT, launchLocalNetwork } from "../node/local.js";
import { NodeRuntime, type Behaviour } from "../node/runtime.js";
import { Watcher } from "../node/watcher.js";
import { buildModel } from "../pipeline/build.js";
import { loadModel } from "../pipeline/load.js";
import { consoleProgress, silentProgress } from "../pipeline/progress.js";
import { loadArtifacts, releaseProver, type ModelArtifacts } from "../pipeline/prove.js";
import { packVersion, TrustLevel } from "../protocol/index.js";
import { ProofgridClient, type InferenceResult } from "../sdk/client.js";
import { CliError, connect, parseTrust, readDeployment, readInputFile, requireDeployment, signerAt, toJson, writeDeployment, type Connection } from "./context.js";

type Values = Record<string, string | boolean | string[] | undefined>;

function parse(argv: string[], options: Record<string, { type: "string" | "boolean"; multiple?: boolean; default?: string }>, positionals = 0) {
  const { values, positionals: rest } = parseArgs({ args: argv, options: { ...options, help: { type: "boolean" } }, allowPositionals: positionals > 0, strict: true });
  return { values: values as Values, positionals: rest };
}

const LEVELS: Record<string, TrustLevel> = { vanilla: TrustLevel.VANILLA, tee: TrustLevel.TEE, zk: TrustLevel.ZK };

function parseLevels(value: string): TrustLevel[] {
  return value.split(",").map((v) => LEVELS[parseTrust(v.trim(), "--trust")]);
}

async function withConnection<T>(network: string | undefined, fn: (conn: Connection) => Promise<T>): Promise<T> {
  const conn = await connect(network);
  try {
    return await fn(conn);
  } finally {
    await releaseProver();
    await conn.close().catch(() => {});
  }
}

/** Builds (or reuses) a model given as a model file, a directory with a model, or a build directory. */
async function modelArtifacts(target: string, quiet: boolean): Promise<ModelArtifacts> {
  try {
    return await loadArtifacts(target); // a build directory
  } catch {
    const result = await buildModel(target, { progress: quiet ? silentProgress() : consoleProgress(6), verifiersDir: null });
    return loadArtifacts(result.dir);
  }
}

function printResult(r: InferenceResult, json: boolean) {
  if (json) {
    console.log(
      toJson({
        jobId: r.jobId,
        trust: r.trust,
        output: r.values,
        label: r.label ?? null,
        settled: r.settled,
        verification: r.verification.method,
        checked: r.verification.checked,
        verificationDetail: r.verification.detail,
        node: r.node,
        modelId: r.modelId,
        gas: r.gas,
        fee: r.fee,
        txs: r.txs,
        latencyMs: r.latencyMs,
      }),
    );
    return;
  }
  console.log(`job ${r.jobId} (${r.trust}) settled by node ${r.node} in ${r.latencyMs} ms`);
  console.log(`  output: [${r.values.join(", ")}]${r.label ? ` -> ${r.label}` : ""}`);
  console.log(r.verification.checked ? `  checked: ${r.verification.method}: ${r.verification.detail}` : `  NOT CHECKED by this client: ${r.verification.detail}`);
  console.log(`  gas: ${Object.entries(r.gas).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  console.log(`  fee: paid ${r.fee.paid}, node ${r.fee.node}, model owner ${r.fee.owner}, protocol ${r.fee.protocol}`);
}

export const DEPLOY_USAGE = `usage: proofgrid deploy [--network <name>] [--out <dir>]

Deploys the token, the model, node and TEE registries, the attestation verifier and the hub with
the default parameters, and writes their addresses and start block to <dir>/<chainId>.json
(default dir: deployments). --network names a network of hardhat.config.ts: the in-process
network (default), localhost (PROOFGRID_RPC_URL, default http://127.0.0.1:8545) or sepolia
(SEPOLIA_RPC_URL and SEPOLIA_PRIVATE_KEY, from the environment or Hardhat's keystore). The
attestation root is PROOFGRID_ATTESTATION_ROOT, else the deployer, who then also approves the
simulated enclave's measurement (local and test networks).`;

export async function deploy(argv: string[]): Promise<number> {
  const { values } = parse(argv, { network: { type: "string" }, out: { type: "string", default: "deployments" }, json: { type: "boolean" } });
  if (values.help) return console.log(DEPLOY_USAGE), 0;
  return withConnection(values.network as string | undefined, async (conn) => {
    const { deployProofgrid, describeDeployment } = await import("../../deploy/proofgrid.js");
    const deployer = signerAt(conn, 0, "the deployer");
    const pg = await deployProofgrid(deployer, {
      attestationRoot: process.env.PROOFGRID_ATTESTATION_ROOT ?? (await deployer.getAddress()),
      log: (line) => console.error(`deployed ${line}`),
    });
    if (!process.env.PROOFGRID_ATTESTATION_ROOT) {
      // The deployer is the simulated attestation root: approve the simulated enclave's measurement.
      await (await pg.tee.approveMeasurement(ENCLAVE_MEASUREMENT)).wait();
      console.error(`approved the simulated enclave measurement ${ENCLAVE_MEASUREMENT}`);
    }
    const file = await writeDeployment(values.out as string, await describeDeployment(pg, deployer));
    console.log(values.json ? toJson({ file, ...(await readDeployment(values.out as string, conn.chainId)) }) : file);
    return 0;
  });
}

export const RUN_USAGE = `usage: proofgrid run <model> --input <file> --trust <vanilla|tee|zk> [--network <name>] [--json]

From a model file to a settled, checked result in one command: builds the model if needed (cached),
deploys (or reuses deployments/<chainId>.json), registers the model at every level, starts one
honest node per level and a watcher in this process, requests the inference, waits, checks the
result itself and prints it. <model> is a model file (JSON spec or ONNX), a directory holding one,
or a build directory. The input file is {"input": [numbers]} or {"input_data": [[numbers]]}.

Without --network it uses the in-process network. With --network (e.g. localhost for
'npx hardhat node' or anvil) it needs 6 unlocked accounts: deployer, requester, watcher and three
nodes; time is moved forward past the challenge window where the network allows it.

options:
  --input <file>      the input (real numbers; quantized with the model's scale)
  --trust <level>     vanilla, tee or zk
  --network <name>    a network of hardhat.config.ts (default: in-process)
  --deployments <dir> where deployment files live (default deployments)
  --json              print exactly one JSON object on stdout`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { input: { type: "string" }, trust: { type: "string" }, network: { type: "string" }, json: { type: "boolean" }, deployments: { type: "string", default: "deployments" } },
    1,
  );
  if (values.help) return console.log(RUN_USAGE), 0;
  if (positionals.length !== 1) throw new CliError("run takes one model (run 'proofgrid run --help')");
  const trust = parseTrust(values.trust as string | undefined);
  if (!values.input) throw new CliError("--input <file> is required");
  const input = await readInputFile(values.input as string);
  // Check the input against the model before any long step.
  const target = positionals[0];
  let inputSize: number | undefined;
  try {
    inputSize = (await loadArtifacts(target)).model.input.size;
  } catch {
    inputSize = (await loadModel(target)).model.inputSize;
  }
  if (input.length !== inputSize) throw new CliError(`input has ${input.length} values, the model takes ${inputSize}`);
  const json = Boolean(values.json);
  const artifacts = await modelArtifacts(target, json);
  const log = json ? () => {} : (line: string) => console.error(line);

  return withConnection(values.network as string | undefined, async (conn) => {
    const s = (i: number, role: string) => signerAt(conn, i, role);
    const dir = values.deployments as string;
    const existing = conn.inProcess ? undefined : await readDeployment(dir, conn.chainId);
    const net = await launchLocalNetwork({
      deployer: s(0, "the deployer"),
      requester: s(1, "the requester"),
      watcher: s(2, "the watcher"),
      deployment: existing,
      models: [{ artifacts }],
      nodes: [
        { name: "node-zk", signer: s(3, "the ZK node"), levels: [TrustLevel.ZK] },
        { name: "node-tee", signer: s(4, "the TEE node"), levels: [TrustLevel.TEE] },
        { name: "node-vanilla", signer: s(5, "the VANILLA node"), levels: [TrustLevel.VANILLA] },
      ],
      log,
      pollMs: conn.inProcess ? 100 : 500,
    });
    if (!conn.inProcess && !existing) log(`deployment written to ${await writeDeployment(dir, net.deployment)}`);
    try {
      const result = await net.client.infer(net.modelIds[0], input, { trust });
      printResult(result, json);
    } finally {
      await net.stop();
    }
    return 0;
  });
}

export const INFER_USAGE = `usage: proofgrid infer <model> --input <file> --trust <vanilla|tee|zk> [--network <name>] [options]

Requests an inference from the nodes already serving a deployment (see 'proofgrid node start'),
waits for it to settle and checks it. <model> is a registry id or name; --artifacts <build dir>
lets the client quantize the input, label the output and check ZK proofs itself.

options:
  --input <file>        {"input": [numbers]} or {"input_data": [[numbers]]}
  --trust <level>       vanilla, tee or zk
  --network <name>      default: in-process (which has no nodes: use 'run' there)
  --artifacts <dir>     the model's build directory (e.g. build/support-intents)
  --account <index>     the requester's account (default 1)
  --deployments <dir>   default deployments
  --advance-time        move time past windows (local nodes only)
  --json                print exactly one JSON object on stdout`;

export async function infer(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      input: { type: "string" },
      trust: { type: "string" },
      network: { type: "string" },
      artifacts: { type: "string" },
      account: { type: "string", default: "1" },
      deployments: { type: "string", default: "deployments" },
      "advance-time": { type: "boolean" },
      json: { type: "boolean" },
    },
    1,
  );
  if (values.help) return console.log(INFER_USAGE), 0;
  if (positionals.length !== 1) throw new CliError("infer takes one model id or name (run 'proofgrid infer --help')");
  const trust = parseTrust(values.trust as string | undefined);
  if (!values.input) throw new CliError("--input <file> is required");
  const input = await readInputFile(values.input as string);
  const artifacts = values.artifacts ? await loadArtifacts(values.artifacts as string) : undefined;
  return withConnection(values.network as string | undefined, async (conn) => {
    const deployment = await requireDeployment(values.deployments as string, conn);
    const client = await ProofgridClient.connect({
      signer: signerAt(conn, Number(values.account), "the requester"),
      deployment,
      models: artifacts ? [artifacts] : [],
      advanceTime: Boolean(values["advance-time"]),
      pollMs: 500,
    });
    printResult(await client.infer(positionals[0], input, { trust }), Boolean(values.json));
    return 0;
  });
}

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
  --behaviour <b>       honest (default), lazy (misses deadlines) or lying (wrong VANILLA outputs)
  --stake <tokens>      stake to join with, in whole tokens (default 1000; minted on local networks)
  --watch               also act as a watcher: re-execute VANILLA results and challenge wrong ones
  --state <file>        where to keep the scan position (default: none)
  --deployments <dir>   default deployments
  --advance-time        move time past the activation delay (local nodes only)`;

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
    behaviour: { type: "string", default: "honest" },
    stake: { type: "string", default: "1000" },
    watch: { type: "boolean" },
    state: { type: "string" },
    deployments: { type: "string", default: "deployments" },
    "advance-time": { type: "boolean" },
  });
  if (values.help) return console.log(NODE_USAGE), 0;
  if (!values.trust) throw new CliError("--trust is required (vanilla, tee, zk, comma-separated)");
  const levels = parseLevels(values.trust as string);
  const behaviour = values.behaviour as Behaviour;
  if (!["honest", "lazy", "lying"].includes(behaviour)) throw new CliError(`--behaviour ${behaviour} is not one of honest, lazy, lying`);
  const dirs = (values.model as string[] | undefined) ?? [];
  if (dirs.length === 0) throw new CliError("--model <build dir> is required");
  const ids = (values["model-id"] as string[] | undefined) ?? [];
  const releases = (values.release as string[] | undefined) ?? [];
  if (ids.length !== dirs.length || releases.length !== dirs.length) {
    throw new CliError(`each --model needs its --model-id and --release (got ${dirs.length} --model, ${ids.length} --model-id, ${releases.length} --release): a node stakes only on releases it names; 'proofgrid model register' prints both`);
  }
  const served = dirs.map((dir, i) => {
    const id = Number(ids[i]);
    const match = /^(\d+)\.(\d+)$/.exec(releases[i]);
    if (!Number.isInteger(id) || id < 1) throw new CliError(`--model-id ${ids[i]} is not a model id (a whole number from 1)`);
    if (!match) throw new CliError(`--release ${releases[i]} is not a release (major.minor, like 1.0)`);
    return { dir, id, version: packVersion(Number(match[1]), Number(match[2])) };
  });
  const stake = BigInt(values.stake as string) * TOKEN;

  const conn = await connect(values.network as string);
  const deployment = await requireDeployment(values.deployments as string, conn);
  const signer = signerAt(conn, Number(values.account), "the node");
  const { attachProofgrid } = await import("../../deploy/proofgrid.js");
  const contracts = attachProofgrid(deployment, signer);
  const models = new Map<number, ModelArtifacts>();
  const versions = new Map<number, number>();
  for (const { dir, id, version } of served) {
    models.set(id, await loadArtifacts(dir));
    versions.set(id, version);
  }
  const log = (line: string) => console.error(`${new Date().toISOString()} ${line}`);
  const name = `node-${(await signer.getAddress()).slice(2, 8)}`;
  // A long-running node must outlive a dropped connection: a rejection that escapes a library
  // (e.g. a provider request abandoned mid-outage) is logged, and the next poll retries.
  const survive = (reason: unknown) => log(`[${name}] ignored an unhandled error: ${String((reason as Error)?.message ?? reason).split("\n")[0]}`);
  process.on("unhandledRejection", survive);
  process.on("uncaughtException", survive);
  const runtime = new NodeRuntime({
    signer,
    contracts,
    models,
    versions,
    levels,
    behaviour,
    enclave: levels.includes(TrustLevel.TEE) ? new SimulatedEnclave(ENCLAVE_MEASUREMENT) : undefined,
    stateFile: values.state as string | undefined,
    name,
    log,
    pollMs: 500,
  });
  const addresses = await Promise.all(conn.signers.map((s) => s.getAddress()));
  const deployer = conn.signers[addresses.indexOf(deployment.deployer)] ?? conn.signers[0];
  if ((await contracts.nodes.getNode(await signer.getAddress())).stake === 0n) {
    const token = attachProofgrid(deployment, deployer).token;
    if ((await contracts.token.balanceOf(await signer.getAddress())) < stake) await (await token.mint(await signer.getAddress(), stake)).wait();
  }
  await runtime.join(stake);
  if (levels.includes(TrustLevel.TEE)) {
    const rootKey = process.env.PROOFGRID_ATTESTATION_ROOT_KEY;
    const root: Signer = rootKey ? new Wallet(rootKey, signer.provider) : deployer;
    await runtime.admitEnclave(root);
  }
  const activatesAt = await runtime.activatesAt();
  if (activatesAt > 0n) {
    const now = BigInt((await signer.provider!.getBlock("latest"))!.timestamp);
    if (now < activatesAt) {
      if (values["advance-time"]) {
        const provider = signer.provider as unknown as { send(m: string, p: unknown[]): Promise<unknown> };
        await provider.send("evm_increaseTime", [Number(activatesAt - now)]);
        await provider.send("evm_mine", []);
      } else {
        log(`[${name}] waiting ${activatesAt - now} s for activation`);
        while (BigInt((await signer.provider!.getBlock("latest"))!.timestamp) < activatesAt) await new Promise((r) => setTimeout(r, 5_000));
      }
    }
    await runtime.activate();
  }
  let watcher: Watcher | undefined;
  if (values.watch) watcher = new Watcher({ signer, contracts, models, log });
  runtime.start();
  const watchLoop = watcher ? setInterval(() => void watcher!.poll().catch((e: Error) => log(`[watcher] ${e.message.split("\n")[0]}`)), 1_000) : undefined;
  log(`[${name}] serving ${[...models.keys()].map((id) => `model #${id}`).join(", ")} at ${levels.map((l) => TrustLevel[l].toLowerCase()).join(", ")} (${behaviour}); Ctrl-C to stop`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  if (watchLoop) clearInterval(watchLoop);
  await runtime.stop();
  await releaseProver();
  await conn.close().catch(() => {});
  log(`[${name}] stopped`);
  return 0;
}

export const STATUS_USAGE = `usage: proofgrid status <jobId> [--network <name>] [--deployments <dir>] [--json]

Prints a job as the hub holds it: status, level, model, node, fee, deadline and output.`;

export async function status(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { network: { type: "string" }, deployments: { type: "string", default: "deployments" }, json: { type: "boolean" } }, 1);
  if (values.help) return console.log(STATUS_USAGE), 0;
  if (positionals.length !== 1 || !/^\d+$/.test(positionals[0])) throw new CliError("status takes one job id (a number)");
  return withConnection(values.network as string | undefined, async (conn) => {
    const deployment = await requireDeployment(values.deployments as string, conn);
    const client = await ProofgridClient.connect({ signer: conn.signers[0], deployment });
    const info = await client.status(BigInt(positionals[0]));
    if (values.json) console.log(toJson(info));
    else
      console.log(
        `job ${info.jobId}: ${info.status} (${info.trust}), model #${info.modelId} v${info.version >> 16}.${info.version & 0xffff}, node ${info.node}, fee ${info.fee}, deadline ${info.deadline}` +
          (info.output ? `, output [${info.output.join(", ")}]` : ""),
      );
    return 0;
  });
}

export const REGISTER_USAGE = `usage: proofgrid model register <build dir> [--network <name>] [options]

Registers a built model (see 'proofgrid model build'); for ZK, deploys its verifier adapter first.
Prints the model id.

options:
  --levels <levels>     comma-separated (default vanilla,tee,zk)
  --prices <p,p,p>      price per level in whole tokens (default 1,2,4)
  --name <name>         registry name (default: the model's)
  --royalty <bps>       owner's royalty in basis points (default 1000)
  --account <index>     the owner's account (default 0)
  --deployments <dir>   default deployments
  --json                print {"modelId": ...}`;

export async function register(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      network: { type: "string" },
      levels: { type: "string", default: "vanilla,tee,zk" },
      prices: { type: "string", default: "1,2,4" },
      name: { type: "string" },
      royalty: { type: "string", default: "1000" },
      account: { type: "string", default: "0" },
      deployments: { type: "string", default: "deployments" },
      json: { type: "boolean" },
    },
    1,
  );
  if (values.help) return console.log(REGISTER_USAGE), 0;
  if (positionals.length !== 1) throw new CliError("model register takes one build directory");
  const artifacts = await loadArtifacts(positionals[0]);
  const levels = parseLevels(values.levels as string);
  const prices = (values.prices as string).split(",").map((p) => {
    if (!/^\d+$/.test(p.trim())) throw new CliError(`--prices ${values.prices}: each price is a whole number of tokens`);
    return BigInt(p.trim()) * TOKEN;
  });
  if (prices.length !== 3) throw new CliError("--prices takes three prices: vanilla,tee,zk");
  return withConnection(values.network as string | undefined, async (conn) => {
    const deployment: DeploymentFile = await requireDeployment(values.deployments as string, conn);
    const client = await ProofgridClient.connect({ signer: signerAt(conn, Number(values.account), "the model owner"), deployment });
    const modelId = await client.registerModel(artifacts, {
      name: values.name as string | undefined,
      levels,
      prices: prices as [bigint, bigint, bigint],
      royaltyBps: Number(values.royalty),
    });
    const name = values.name ?? artifacts.model.name;
    // registerModel registers release 1.0; nodes name it in `node start`.
    console.log(values.json ? toJson({ modelId, name, release: "1.0" }) : `registered model #${modelId} ${name}, release 1.0 (nodes serve it with: node start --model ${positionals[0]} --model-id ${modelId} --release 1.0)`);
    return 0;
  });
}
