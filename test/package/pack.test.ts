/**
 * The package as a user gets it: `npm pack`, then `npm install <tarball>` in a fresh project (the
 * dependencies come from the npm registry or its cache), then the SDK, node runtime, pipeline and
 * ABIs imported, the bin run and a model built, proven and verified, with nothing of this
 * repository but the tarball.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PACKAGE_ROOT } from "../../src/package.js";

const run = promisify(execFile);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
// As a user's shell has it: only the basics, none of what this test inherits from `npm test`, npx
// and Hardhat's test runner (npm_* settings, this repository's bin directory in PATH, NODE_ENV).
const keep = ["HOME", "USER", "LANG", "TMPDIR", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "XDG_CACHE_HOME", "PROOFGRID_CACHE"];
const env: NodeJS.ProcessEnv = {
  ...Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])),
  PATH: [path.dirname(process.execPath), ...(process.env.PATH ?? "").split(path.delimiter).filter((p) => !p.startsWith(PACKAGE_ROOT))].join(path.delimiter),
  CI: "true",
  HARDHAT_DISABLE_TELEMETRY: "true",
  ONNXRUNTIME_NODE_INSTALL: "skip",
};

describe("package: npm pack, installed in a fresh project", function () {
  this.timeout(600_000);
  let dir: string;
  let app: string;
  let tarball: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "proofgrid-pack-"));
    await run(npm, ["pack", "--pack-destination", dir], { cwd: PACKAGE_ROOT, env, maxBuffer: 64 << 20 });
    tarball = path.join(dir, (await readdir(dir)).find((f) => f.endsWith(".tgz"))!);
    app = path.join(dir, "app");
    await mkdir(app);
    await writeFile(path.join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    await run(npm, ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline"], { cwd: app, env, maxBuffer: 64 << 20 });
  });
  after(async () => {
    if (!process.env.PROOFGRID_KEEP_PACK) await rm(dir, { recursive: true, force: true });
  });

  const node = (code: string) => run(process.execPath, ["--input-type=module", "-e", code], { cwd: app, env, maxBuffer: 64 << 20 });

  it("exports the SDK, the node runtime, the pipeline, the devnet helpers and the ABIs, each typed", async () => {
    const { stdout } = await node(`
      const sdk = await import("proofgrid"); const nodeRt = await import("proofgrid/node");
      const pipeline = await import("proofgrid/pipeline"); const abi = await import("proofgrid/abi"); const devnet = await import("proofgrid/devnet");
      console.log(JSON.stringify([typeof sdk.ProofgridClient, typeof sdk.requestInference, typeof nodeRt.NodeRuntime, typeof pipeline.buildModel, abi.inferenceHubAbi.length > 0, typeof devnet.launchLocalNetwork]));`);
    expect(JSON.parse(stdout)).to.deep.equal(["function", "function", "function", "function", true, "function"]);
    const installed = path.join(app, "node_modules/proofgrid");
    for (const types of ["dist/src/sdk/index.d.ts", "dist/src/node/index.d.ts", "dist/src/pipeline/index.d.ts", "dist/src/abi.d.ts"]) expect(existsSync(path.join(installed, types)), types).to.equal(true);
  });

  it("ships the Solidity sources, the circuits library and the demo model, and leaves out sources, tests, fixtures, mocks and the demo's data set", async () => {
    const installed = path.join(app, "node_modules/proofgrid");
    for (const file of ["contracts/interfaces/IInferenceHub.sol", "contracts/consumer/InferenceConsumer.sol", "contracts/zk/Groth16InferenceAdapter.sol", "circuits/lib/functions.circom", "bin/proofgrid.js", "models/support-intents/model.json", "dist/src/hardhat/index.d.ts"]) {
      expect(existsSync(path.join(installed, file)), file).to.equal(true);
    }
    for (const absent of ["src", "test", "models/support-intents/dataset.json", "contracts/mocks", "scripts", "bench"]) expect(existsSync(path.join(installed, absent)), absent).to.equal(false);
    expect(existsSync(path.join(app, "node_modules/onnxruntime-node")), "onnxruntime-node").to.equal(false);
    expect(existsSync(path.join(app, "node_modules/tsx")), "tsx").to.equal(false);
  });

  it("builds, proves and verifies an ONNX model with the installed bin and pipeline", async () => {
    await copyFile(path.join(PACKAGE_ROOT, "test/fixtures/torch/gated.onnx"), path.join(app, "gated.onnx"));
    const bin = path.join(app, "node_modules/.bin/proofgrid");
    const build = await run(bin, ["model", "build", "gated.onnx", "--quiet"], { cwd: app, env, maxBuffer: 64 << 20 });
    expect(build.stdout + build.stderr).to.not.match(/Error:/);
    const { stdout } = await node(`
      const { loadArtifacts, proveInference, verifyInference, releaseProver, quantizeInput } = await import("proofgrid/pipeline");
      const a = await loadArtifacts("build/gated");
      const proof = await proveInference(a, quantizeInput(a.model, [0.1, -0.2, 0.3, 0.4]), { chainId: 1n, hub: "0x000000000000000000000000000000000000dEaD", jobId: 1n, prover: "0x000000000000000000000000000000000000bEEF" });
      console.log(await verifyInference(a, proof)); await releaseProver();`);
    expect(stdout.trim()).to.equal("true");
    expect(existsSync(path.join(app, "build/gated/GatedProofVerifier.sol"))).to.equal(true);
  });

  it("proofgrid init: a new Hardhat 3 project whose own npm test settles a ZK, a TEE and a VANILLA request through its consumer contract", async () => {
    const bin = path.join(app, "node_modules/.bin/proofgrid");
    const started = performance.now();
    const init = await run(bin, ["init", "project"], { cwd: app, env, maxBuffer: 64 << 20 });
    expect(init.stdout).to.match(/next: cd project && npm test/);
    const project = path.join(app, "project");
    const pkg = JSON.parse(await readFile(path.join(project, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(pkg.dependencies.proofgrid).to.equal(`file:${tarball}`);
    for (const file of ["hardhat.config.ts", "contracts/Consumer.sol", "test/Consumer.test.ts", "scripts/deploy.ts", "README.md", "models/model.json"]) expect(existsSync(path.join(project, file)), file).to.equal(true);
    const test = await run(npm, ["test"], { cwd: project, env, maxBuffer: 64 << 20 });
    const output = test.stdout + test.stderr;
    for (const level of ["ZK", "TEE", "VANILLA"]) expect(output).to.match(new RegExp(`gets a settled, checked answer at ${level}`));
    expect(output).to.match(/3 passing/);
    expect(output).to.not.match(/failing|[Dd]ownloading compiler/);
    // The init-to-green time, for the closing note and the README.
    console.log(`      (init to a green npm test: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    // The plugin's tasks in that project: build copies the verifier pair into contracts/proofgrid,
    // where the project compiles it; register names what is missing on a chain without proofgrid.
    const hardhat = path.join(project, "node_modules/.bin/hardhat");
    const built = await run(hardhat, ["proofgrid", "build", "--quiet"], { cwd: project, env, maxBuffer: 64 << 20 });
    expect(built.stdout).to.match(/support-intents: .*\(verifiers in .*contracts\/proofgrid\)/);
    expect(existsSync(path.join(project, "contracts/proofgrid/SupportIntentsProofVerifier.sol"))).to.equal(true);
    const compiled = await run(hardhat, ["build"], { cwd: project, env, maxBuffer: 64 << 20 });
    expect(compiled.stdout + compiled.stderr).to.match(/Compiled 2 Solidity files/);
    const unregistered = await run(hardhat, ["proofgrid", "register"], { cwd: project, env }).then(() => undefined, (error: { stdout: string; stderr: string }) => error);
    expect(`${unregistered?.stdout}${unregistered?.stderr}`).to.match(/no deployment of proofgrid on chain 31337: deployments\/31337.json is missing \(run npx hardhat proofgrid deploy first\)/);
    // Running init again refuses to overwrite the project.
    const again = await run(bin, ["init", "project"], { cwd: app, env }).then(() => undefined, (error: { code: number; stderr: string }) => error);
    expect(again?.code).to.equal(2);
    expect(again?.stderr).to.match(/project is not empty/);
  });

  it("proofgrid init --model <your ONNX>: a model with several outputs settles at every level too (the callback's gas follows the outputs)", async () => {
    const bin = path.join(app, "node_modules/.bin/proofgrid");
    await copyFile(path.join(PACKAGE_ROOT, "test/fixtures/torch/tanh_mlp.onnx"), path.join(app, "tanh_mlp.onnx"));
    await run(bin, ["init", "mine", "--model", "tanh_mlp.onnx"], { cwd: app, env, maxBuffer: 64 << 20 });
    const project = path.join(app, "mine");
    expect(await readFile(path.join(project, "contracts/Consumer.sol"), "utf8")).to.match(/CALLBACK_GAS = 150_000;/);
    const test = await run(npm, ["test"], { cwd: project, env, maxBuffer: 64 << 20 });
    expect(test.stdout + test.stderr).to.match(/3 passing/);
  });

  it("names what is missing when a network command runs outside a Hardhat project", async () => {
    await writeFile(path.join(app, "in.json"), JSON.stringify({ input: [0.1, -0.2, 0.3, 0.4] }));
    const bin = path.join(app, "node_modules/.bin/proofgrid");
    const failure = await run(bin, ["run", "gated.onnx", "--input", "in.json", "--trust", "zk"], { cwd: app, env }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).to.equal(2);
    expect(failure?.stderr.trim().split("\n").at(-1)).to.match(/^proofgrid: this command reaches a network through Hardhat 3, which is not installed here/);
  });
});
