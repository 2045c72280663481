/** `proofgrid init [dir]`: a Hardhat 3 project that uses proofgrid, ready for `npm test`. */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { PACKAGE_ROOT } from "../../package.js";
import { loadModel, resolveModelFile } from "../../pipeline/load.js";
import { outputSize } from "../../pipeline/model.js";
import { CliError, parse } from "../context.js";
import { CONSUMER, DEPLOY, GITIGNORE, HARDHAT_CONFIG, README, TEST, TSCONFIG } from "../init-templates.js";

export const INIT_USAGE = `usage: proofgrid init [dir] [--model <file>] [--no-install]

Scaffolds a Hardhat 3 project in <dir> (default proofgrid-app) that uses proofgrid: a consumer
contract that asks a model and acts on the answer, the model (yours with --model, else the demo
model), a test that asks at each trust level through proofgrid's Hardhat plugin, a deploy script
and a short README; then runs npm install there. Then: cd <dir> && npm test.

options:
  --model <file>   an ONNX file or JSON spec to use (copied into models/)
  --no-install     write the files only`;

/** The devDependencies of the new project: the versions this package is developed and tested with. */
const DEV_DEPENDENCIES = ["@nomicfoundation/hardhat-toolbox-mocha-ethers", "@types/chai", "@types/mocha", "@types/node", "chai", "ethers", "hardhat", "mocha", "typescript"];

/**
 * How the new project depends on proofgrid: as the project that ran init does when it names it
 * (a tarball path made absolute), else the registry version.
 */
async function proofgridSpec(version: string): Promise<string> {
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(await readFile(file, "utf8")) as Record<string, Record<string, string> | undefined>;
      const spec = pkg.dependencies?.proofgrid ?? pkg.devDependencies?.proofgrid;
      if (spec) return spec.startsWith("file:") ? `file:${path.resolve(dir, spec.slice(5))}` : spec;
    }
    if (path.dirname(dir) === dir) return `^${version}`;
  }
}

export async function init(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { model: { type: "string" }, "no-install": { type: "boolean" } }, 1);
  if (values.help) return console.log(INIT_USAGE), 0;
  const dir = path.resolve(positionals[0] ?? "proofgrid-app");
  if (existsSync(dir) && (await readdir(dir)).length > 0) throw new CliError(`${path.relative(process.cwd(), dir) || dir} is not empty; init writes a new project`);

  const own = JSON.parse(await readFile(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string; dependencies: Record<string, string>; devDependencies?: Record<string, string> };
  const versions = { ...own.dependencies, ...own.devDependencies };
  // The model: the user's file, or the demo model with its example input.
  const source = values.model ? await resolveModelFile(values.model as string) : path.join(PACKAGE_ROOT, "models/support-intents/model.json");
  const loaded = await loadModel(source);
  const modelFile = `models/${path.basename(source)}`;
  const [lo, hi] = loaded.model.inputRange;
  const n = loaded.model.inputSize;
  // Values spread over the model's input range (the demo model: its example message).
  let input: number[] = Array.from({ length: n }, (_, i) => Number((lo + ((hi - lo) * (i + 1)) / (n + 1)).toFixed(4)));
  let about = `${n} values inside the model's input range [${lo}, ${hi}] (the build rounds the accepted range up to a power of two)`;
  if (!values.model) {
    input = (JSON.parse(await readFile(path.join(PACKAGE_ROOT, "models/support-intents/example-input.json"), "utf8")) as { input: number[] }).input;
    about = "a customer message as the demo model reads it: a count per word of models/model.json's vocabulary; the answer is a class index into its labels";
  }

  await mkdir(path.join(dir, "models"), { recursive: true });
  await mkdir(path.join(dir, "contracts"), { recursive: true });
  await mkdir(path.join(dir, "test"), { recursive: true });
  await mkdir(path.join(dir, "scripts"), { recursive: true });
  await copyFile(source, path.join(dir, modelFile));
  const pkg = {
    name: path.basename(dir).toLowerCase().replace(/[^a-z0-9-]/g, "-"),
    private: true,
    type: "module",
    scripts: { test: "hardhat test", build: "hardhat proofgrid build", deploy: "hardhat run scripts/deploy.ts" },
    dependencies: { proofgrid: await proofgridSpec(own.version), "@openzeppelin/contracts": versions["@openzeppelin/contracts"] },
    devDependencies: Object.fromEntries(DEV_DEPENDENCIES.map((name) => [name, versions[name]])),
  };
  const files: [string, string][] = [
    ["package.json", JSON.stringify(pkg, null, 2) + "\n"],
    ["hardhat.config.ts", HARDHAT_CONFIG(modelFile)],
    ["contracts/Consumer.sol", CONSUMER(outputSize(loaded.model))],
    ["test/Consumer.test.ts", TEST(input, about)],
    ["scripts/deploy.ts", DEPLOY],
    ["README.md", README(loaded.model.name)],
    ["tsconfig.json", TSCONFIG],
    [".gitignore", GITIGNORE],
  ];
  for (const [file, text] of files) await writeFile(path.join(dir, file), text);
  console.log(`wrote a Hardhat 3 project in ${dir} (model ${loaded.model.name})`);
  if (!values["no-install"]) {
    console.log("npm install ...");
    try {
      // A clean npm environment: run through npx, this process carries the caller's npm_* settings
      // (its local prefix among them), which must not redirect the new project's install.
      const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_|^INIT_CWD$/i.test(key)));
      await promisify(execFile)(process.platform === "win32" ? "npm.cmd" : "npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: dir, env, maxBuffer: 64 << 20 });
    } catch (error) {
      throw new CliError(`npm install in ${dir} failed: ${((error as { stderr?: string }).stderr ?? (error as Error).message).trim().split("\n").slice(-3).join(" ")}`);
    }
  }
  console.log(`next: cd ${path.relative(process.cwd(), dir) || "."} && npm test`);
  return 0;
}
