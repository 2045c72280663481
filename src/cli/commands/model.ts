/** `proofgrid model build` (model file -> build directory) and `proofgrid model register`. */
import path from "node:path";
import { formatUnits } from "ethers";
import { TOKEN } from "../../chain/contracts.js";
import { topUpFromFaucet } from "../../chain/tokens.js";
import { buildModel } from "../../pipeline/build.js";
import { consoleProgress, silentProgress } from "../../pipeline/progress.js";
import { loadArtifacts } from "../../pipeline/prove.js";
import { TrustLevel } from "../../protocol/index.js";
import { ProofgridClient } from "../../sdk/client.js";
import { CliError, parse, requireDeployment, signerAt, toJson, trustListFlag, withConnection } from "../context.js";

export const MODEL_USAGE = `usage: proofgrid model <command> [options]

commands:
  build <file|dir>       model -> quantized model, circuit, keys, verifier (in a build directory)
  register <build dir>   register a built model (deploys its ZK verifier)

Run 'proofgrid model build --help' or 'proofgrid model register --help' for their options.`;

export const MODEL_BUILD_USAGE = `usage: proofgrid model build <file|dir> [options]

Turns a model file (JSON spec or ONNX; a directory holding model.json or one model file) into a
quantized model, a circom circuit, Groth16 keys, a Solidity verifier and its IProofVerifier adapter,
and writes a manifest with the hashes of each. Steps whose inputs did not change are skipped.

options:
  --out <dir>            output directory (default build/<model name>)
  --ptau <file>          powers-of-tau ceremony file (default: a local one, made once and cached in
                         $PROOFGRID_CACHE or ~/.cache/proofgrid; development only)
  --scale-bits <S>       fixed-point scale 2^S (default: the smallest S in 4..16 within 0.5% error)
  --input-range <lo,hi>  range of every input feature (ONNX files carry none; default -1,1)
  --name <name>          model name (default: from the file); contracts are named after it
  --contracts <dir>      also copy the generated verifier and adapter into <dir> (default: they
                         stay in the build directory, which Hardhat compiles)
  --json                 print the manifest as JSON on stdout
  --quiet                print only errors`;

/** `proofgrid model build|register ...` */
export async function modelCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    console.log(MODEL_USAGE);
    return sub === undefined ? 1 : 0;
  }
  if (sub === "register") return register(rest);
  if (sub !== "build") throw new CliError(`unknown model command '${sub}' (run 'proofgrid model --help')`);
  const { values, positionals } = parse(
    rest,
    {
      out: { type: "string" },
      ptau: { type: "string" },
      "scale-bits": { type: "string" },
      "input-range": { type: "string" },
      name: { type: "string" },
      contracts: { type: "string" },
      json: { type: "boolean" },
      quiet: { type: "boolean" },
    },
    1,
  );
  if (values.help) {
    console.log(MODEL_BUILD_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError("model build takes one model file or directory (run 'proofgrid model build --help')");
  const scaleFlag = values["scale-bits"] as string | undefined;
  const rangeFlag = values["input-range"] as string | undefined;
  let scaleBits: number | undefined;
  if (scaleFlag !== undefined) {
    scaleBits = Number(scaleFlag);
    if (!Number.isInteger(scaleBits) || scaleBits < 1 || scaleBits > 32) throw new CliError(`--scale-bits ${scaleFlag} must be an integer from 1 to 32`);
  }
  let inputRange: [number, number] | undefined;
  if (rangeFlag !== undefined) {
    const parts = rangeFlag!.split(",").map(Number);
    if (parts.length !== 2 || !parts.every(Number.isFinite) || !(parts[0] < parts[1])) {
      throw new CliError(`--input-range ${rangeFlag} must be two numbers lo,hi with lo < hi`);
    }
    inputRange = [parts[0], parts[1]];
  }
  const result = await buildModel(positionals[0], {
    out: values.out as string | undefined,
    ptau: values.ptau as string | undefined,
    scaleBits,
    inputRange,
    name: values.name as string | undefined,
    verifiersDir: (values.contracts as string | undefined) ?? null,
    progress: values.json || values.quiet ? silentProgress() : consoleProgress(6),
  });
  if (values.json) console.log(JSON.stringify(result.manifest, null, 2));
  else if (!values.quiet) {
    const manifest = path.join(result.dir, "manifest.json");
    const relative = path.relative(process.cwd(), manifest);
    console.log(relative.startsWith("..") ? manifest : relative);
  }
  return 0;
}

export const REGISTER_USAGE = `usage: proofgrid model register <build dir> [--network <name>] [options]

Registers a built model (see 'proofgrid model build'); for ZK, deploys its verifier adapter first
and posts the release's soundness bond, which is forfeit if two valid proofs of different outputs
for one input are ever shown. Prints the model id.

options:
  --levels <levels>     comma-separated (default vanilla,tee,zk)
  --prices <p,p,p>      price per level in whole tokens (default 1,2,4)
  --name <name>         registry name (default: the model's)
  --royalty <bps>       owner's royalty in basis points (default 1000)
  --bond <tokens>       ZK: soundness bond in whole tokens (default the deployment's minimum;
                        0 posts none, and the release serves no ZK job until one is posted)
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
      bond: { type: "string" },
      account: { type: "string", default: "0" },
      deployments: { type: "string", default: "deployments" },
      json: { type: "boolean" },
    },
    1,
  );
  if (values.help) return console.log(REGISTER_USAGE), 0;
  if (positionals.length !== 1) throw new CliError("model register takes one build directory");
  const artifacts = await loadArtifacts(positionals[0]);
  const levels = trustListFlag(values.levels as string, "--levels");
  const prices = (values.prices as string).split(",").map((p) => {
    if (!/^\d+$/.test(p.trim())) throw new CliError(`--prices ${values.prices}: each price is a whole number of tokens`);
    return BigInt(p.trim()) * TOKEN;
  });
  if (prices.length !== 3) throw new CliError("--prices takes three prices: vanilla,tee,zk");
  return withConnection(values.network as string | undefined, async (conn) => {
    const deployment = await requireDeployment(values.deployments as string, conn);
    const signer = signerAt(conn, Number(values.account), "the model owner");
    const client = await ProofgridClient.connect({ signer, deployment });
    if (values.bond !== undefined && !/^\d+$/.test(values.bond as string)) throw new CliError(`--bond ${values.bond}: a whole number of tokens`);
    const bond = values.bond === undefined ? undefined : BigInt(values.bond as string) * TOKEN;
    if (levels.includes(TrustLevel.ZK) && bond !== 0n) {
      // On a network where this account owns the token (local, test), it mints its own bond.
      const needed = bond ?? (await client.contracts.bonds.minBond());
      if (await topUpFromFaucet(client.contracts.token, await signer.getAddress(), needed)) console.error(`minted ${formatUnits(needed)} PGT for the soundness bond`);
    }
    const modelId = await client.registerModel(artifacts, {
      bond,
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
