/**
 * circom2 (the WebAssembly build, from npm): compiling a circuit, and what a compiled circuit
 * depends on besides its source (the template library and the tool versions).
 */
import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { BuildError } from "../errors.js";
import { dependencyDir, PACKAGE_ROOT } from "../package.js";
import { hashBytes } from "../protocol/hashing.js";

/** keccak256 of the circom templates a generated circuit includes (circuits/lib and circomlib's bitify). */
export async function libraryHash(): Promise<string> {
  const lib = path.join(PACKAGE_ROOT, "circuits/lib");
  const files = ["proofgrid.circom", "fixedpoint.circom", "argmax.circom", "packing.circom", "functions.circom"];
  const bitify = path.join(dependencyDir("circomlib"), "circuits/bitify.circom");
  const parts = await Promise.all([...files.map((f) => readFile(path.join(lib, f), "utf8")), readFile(bitify, "utf8")]);
  return hashBytes(parts.join("\0"));
}

/** The versions of circom2 and snarkjs the build runs, as the manifest records them. */
export async function toolVersions(): Promise<{ circom: string; snarkjs: string }> {
  const read = async (pkg: string) =>
    (JSON.parse(await readFile(path.join(dependencyDir(pkg), "package.json"), "utf8")) as { version: string }).version;
  return { circom: `circom2 ${await read("circom2")}`, snarkjs: await read("snarkjs") };
}

/** Runs circom2 (the WebAssembly build) on `circuit`, writing into `outDir`. */
export async function compileCircuit(circuit: string, outDir: string, optimization: "O0" | "O1" | "O2" = "O2"): Promise<string> {
  const cli = path.join(dependencyDir("circom2"), "cli.js");
  const args = [
    cli,
    circuit,
    "--r1cs",
    "--wasm",
    "--sym",
    `--${optimization}`,
    "-l",
    path.join(PACKAGE_ROOT, "circuits/lib"),
    "-l",
    path.dirname(dependencyDir("circomlib")), // where `include "circomlib/..."` resolves
    "-o",
    outDir,
  ];
  await mkdir(outDir, { recursive: true });
  try {
    // circom2 maps paths relative to its working directory and can only see that directory's
    // tree and its parents; the filesystem root sees everything.
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: path.parse(path.resolve(outDir)).root, maxBuffer: 64 << 20 });
    // circom's witness calculator is CommonJS; inside a "type": "module" package it needs a marker.
    const stem = path.basename(circuit, ".circom");
    await writeFile(path.join(outDir, `${stem}_js`, "package.json"), '{ "type": "commonjs" }\n');
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    const text = `${e.stdout ?? ""}${e.stderr ?? ""}`.replace(/\x1b\[[0-9;]*m/g, "");
    const reason = text.split("\n").find((l) => /error/i.test(l)) ?? e.message;
    throw new BuildError(`circom failed on ${circuit}: ${reason.trim()}`, { details: text.trim(), cause: error });
  }
}
