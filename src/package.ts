/**
 * Where the package lives, in a checkout (src/) and installed (dist/src/): the directory of the
 * package.json named "proofgrid" above this file. circuits/lib and contracts/ are there; the
 * dependencies (circom2, circomlib, snarkjs) are wherever Node resolves them from here, which is
 * the package's own node_modules or a hoisted one above it.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (existsSync(file) && (JSON.parse(readFileSync(file, "utf8")) as { name?: string }).name === "proofgrid") return dir;
    if (path.dirname(dir) === dir) throw new Error(`no proofgrid package.json above ${from}`);
  }
}

export const PACKAGE_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

const require = createRequire(import.meta.url);

/** The directory of an installed dependency (its package.json's), wherever npm put it. */
export function dependencyDir(name: string): string {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    // A package whose "exports" hide package.json (snarkjs): from its entry point up.
    for (let dir = path.dirname(require.resolve(name)); ; dir = path.dirname(dir)) {
      const file = path.join(dir, "package.json");
      if (existsSync(file) && (JSON.parse(readFileSync(file, "utf8")) as { name?: string }).name === name) return dir;
      if (path.dirname(dir) === dir) throw new Error(`cannot find the directory of ${name}`);
    }
  }
}
