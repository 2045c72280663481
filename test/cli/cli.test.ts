/**
 * The `proofgrid` command as a user runs it (a child process): one clear line and a non-zero exit
 * for every mistake, never a stack trace; `run --json` prints exactly one JSON object.
 */
import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runCli } from "../support/processes.js";
import { PACKAGE_ROOT } from "../../src/package.js";


const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { CI: "true", HARDHAT_DISABLE_TELEMETRY: "true", ...env });

/** Asserts a failure: exit 2 and a single `proofgrid: ...` line on stderr matching `pattern`. */
function expectOneLineError(r: { code: number; stderr: string }, pattern: RegExp) {
  expect(r.code, r.stderr).to.equal(2);
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).to.have.length(1);
  expect(lines[0]).to.match(/^proofgrid: /);
  expect(lines[0]).to.match(pattern);
  expect(lines[0]).to.not.match(/\b[A-Z][A-Za-z]*Error:|HHE\d+/); // no class names, no Hardhat codes
  expect(r.stderr).to.not.match(/\n\s+at /); // no stack trace
}

describe("cli: proofgrid", function () {
  this.timeout(120_000);
  let dir: string;
  const demo = "models/support-intents";
  const example = `${demo}/example-input.json`;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "proofgrid-cli-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("run --json: one JSON object on stdout with the settled, checked result", async () => {
    const r = await cli(["run", demo, "--input", example, "--trust", "zk", "--json"]);
    expect(r.code, r.stderr).to.equal(0);
    const result = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(result).to.include({ trust: "zk", label: "billing", settled: true, verification: "groth16" });
    expect(result.output).to.deep.equal([0]);
    expect(Object.keys(result.gas as object)).to.include.members(["request", "submit"]);
  });

  it("run reads the input_data layout too, nested to any rank", async () => {
    const file = path.join(dir, "input-data.json");
    const { input } = JSON.parse(await (await import("node:fs/promises")).readFile(path.join(PACKAGE_ROOT, example), "utf8")) as { input: number[] };
    // A tensor of rank 3 (x.tolist() of a [1, 4, 8] input) reads in row-major order, as the flat one.
    const nested = [0, 1, 2, 3].map((r) => input.slice(r * 8, r * 8 + 8));
    await writeFile(file, JSON.stringify({ input_data: [nested] }));
    const r = await cli(["run", demo, "--input", file, "--trust", "tee", "--json"]);
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.include({ trust: "tee", label: "billing", verification: "enclave-signature" });
  });

  it("run takes an ONNX file of any name with BatchNormalization and Clip, and settles a checked zk result close to float", async () => {
    const { bnClipMlp } = await import("../support/onnx.js");
    const { parseOnnxModel } = await import("../../src/pipeline/onnx.js");
    const { evaluateFloat } = await import("../../src/pipeline/model.js");
    const bytes = bnClipMlp();
    const file = path.join(dir, "2l_bn-clip.onnx"); // a name that starts with a digit
    await writeFile(file, bytes);
    const input = [0.5, -0.25, 0.75, 0.1];
    await writeFile(path.join(dir, "bn-input.json"), JSON.stringify({ input }));
    const r = await cli(["run", file, "--input", path.join(dir, "bn-input.json"), "--trust", "zk", "--json"]);
    expect(r.code, r.stderr).to.equal(0);
    const result = JSON.parse(r.stdout) as { output: number[]; verification: string; checked: boolean };
    expect(result).to.include({ verification: "groth16", checked: true });
    const float = evaluateFloat(parseOnnxModel(bytes), input.map(Math.fround));
    result.output.forEach((v, i) => expect(Math.abs(v - float[i]), `output ${i}: ${v} vs float ${float[i]}`).to.be.lessThan(0.05));
  });

  it("names a wrong flag, a missing file, a bad trust level and an unknown command", async () => {
    expectOneLineError(await cli(["run", demo, "--input", example, "--trust", "zk", "--fast"]), /unknown option --fast$/);
    expectOneLineError(await cli(["run", demo, "--input", example, "--trust", "zk", "--jsn"]), /unknown option --jsn \(did you mean --json\?\)/);
    expectOneLineError(await cli(["run", demo, "--input", "missing.json", "--trust", "zk"]), /input file missing.json does not exist/);
    expectOneLineError(await cli(["run", "models/nothing", "--input", example, "--trust", "zk"]), /model file models\/nothing does not exist/);
    // Every file error names the file.
    await writeFile(path.join(dir, "model.txt"), "hello");
    expectOneLineError(await cli(["model", "build", path.join(dir, "model.txt")]), /model file .*model\.txt is neither a JSON spec \(\.json\) nor an ONNX file/);
    await writeFile(path.join(dir, "bad.json"), "{bad");
    expectOneLineError(await cli(["model", "build", path.join(dir, "bad.json")]), /bad\.json: model file is not valid JSON/);
    expectOneLineError(await cli(["model", "build", "build/support-intents"]), /build\/support-intents is a build directory \(it holds manifest\.json\), not a model/);
    expectOneLineError(await cli(["run", demo, "--input", example, "--trust", "gold"]), /--trust gold is not one of vanilla, tee, zk/);
    expectOneLineError(await cli(["launch"]), /unknown command 'launch'/);
    // Networks are checked before any work, and named; deploy never writes a file for the throw-away in-process chain.
    expectOneLineError(await cli(["run", demo, "--input", example, "--trust", "zk", "--network", "nowhere"]), /network 'nowhere' is not in hardhat.config.ts: use one of .*localhost.*sepolia/);
    expectOneLineError(await cli(["deploy", "--out", dir]), /deploy needs --network <name> \(use one of localhost, sepolia\): the in-process network keeps nothing/);
    // A missing secret says how to set it, without Hardhat's error code.
    const noSecrets = await cli(["status", "1", "--network", "sepolia"], { SEPOLIA_RPC_URL: undefined, SEPOLIA_PRIVATE_KEY: undefined });
    expectOneLineError(noSecrets, /SEPOLIA_(RPC_URL|PRIVATE_KEY) is not set: export .* or store it with 'npx hardhat keystore set SEPOLIA_/);
    expect(noSecrets.stderr).to.not.match(/HHE\d+|Error:/);
    // A node names the exact release it stakes on.
    expectOneLineError(await cli(["node", "start", "--trust", "zk", "--model", demo]), /each --model needs its --model-id and --release/);
    expectOneLineError(await cli(["node", "start", "--trust", "zk", "--model", demo, "--model-id", "1", "--release", "v1"]), /--release v1 is not a release \(major.minor/);
  });

  it("names an input of the wrong length before any long step", async () => {
    const file = path.join(dir, "short.json");
    await writeFile(file, JSON.stringify({ input: [1, 0, 1] }));
    expectOneLineError(await cli(["run", demo, "--input", file, "--trust", "zk"]), /input has 3 values, the model takes 32/);
    // In the user's units, before any deploy: the value as written and the range the circuit accepts.
    await writeFile(file, JSON.stringify({ input: [1e9, ...Array(31).fill(0)] }));
    expectOneLineError(await cli(["run", demo, "--input", file, "--trust", "zk", "--json"]), /input 0 is 1000000000, outside the range \[0, 1\.96875\] model support-intents accepts/);
    await writeFile(file, JSON.stringify({ input: [1, "a"] }));
    expectOneLineError(await cli(["run", demo, "--input", file, "--trust", "zk"]), /value 1 is "a", not a finite number/);
  });

  it("names an unreachable RPC URL", async () => {
    const r = await cli(["deploy", "--network", "localhost", "--out", dir], { PROOFGRID_RPC_URL: "http://127.0.0.1:9" });
    expectOneLineError(r, /network 'localhost' \(http:\/\/127\.0\.0\.1:9\) is unreachable/);
  });

  it("names a damaged deployments file instead of trusting it", async () => {
    const deployments = path.join(dir, "deployments");
    await (await import("node:fs/promises")).mkdir(deployments, { recursive: true });
    await writeFile(path.join(deployments, "31337.json"), "{ not json");
    const { startChain, stop } = await import("../support/processes.js");
    const chain = await startChain();
    try {
      const env = { PROOFGRID_RPC_URL: chain.url };
      expectOneLineError(await cli(["status", "1", "--network", "localhost", "--deployments", deployments], env), /31337\.json is not valid JSON/);
      await writeFile(path.join(deployments, "31337.json"), JSON.stringify({ chainId: 31337, startBlock: 1, contracts: { hub: "0x12" } }));
      expectOneLineError(await cli(["status", "1", "--network", "localhost", "--deployments", deployments], env), /is not a proofgrid deployment \(missing or bad: token, models, nodes, attestation, tee, hub, court, bonds\)/);
      // A well-formed file of an earlier chain (restarted since): named stale, with the fix.
      const address = (i: number) => `0x${i.toString(16).padStart(40, "0")}`;
      const contracts = Object.fromEntries(["token", "models", "nodes", "attestation", "tee", "hub", "court", "bonds"].map((n, i) => [n, address(0xabc0 + i)]));
      await writeFile(path.join(deployments, "31337.json"), JSON.stringify({ chainId: 31337, startBlock: 1, deployer: address(1), attestationRoot: address(1), contracts }));
      for (const args of [["status", "1"], ["model", "register", "build/support-intents"], ["infer", "support-intents", "--input", example, "--trust", "zk"]]) {
        expectOneLineError(
          await cli([...args, "--network", "localhost", "--deployments", deployments], env),
          /no contracts at 0x0+abc0 on chain 31337: .*31337\.json is stale \(was the chain restarted\?\); run 'proofgrid deploy --network localhost'/,
        );
      }
    } finally {
      await stop(chain.proc);
    }
  });

  it("prints help for every command", async () => {
    for (const args of [["--help"], ["run", "--help"], ["infer", "--help"], ["deploy", "--help"], ["model", "--help"], ["model", "build", "--help"], ["model", "register", "--help"], ["node", "start", "--help"], ["status", "--help"]]) {
      const r = await cli(args);
      expect(r.code, args.join(" ")).to.equal(0);
      expect(r.stdout).to.match(/^usage: proofgrid/);
    }
  });
});
