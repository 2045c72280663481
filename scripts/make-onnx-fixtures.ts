/**
 * Writes the ONNX fixtures of test/support/onnx.ts to models/fixtures/ (committed, so that
 * `proofgrid model build models/fixtures/<name>.onnx` works on a fresh clone). Deterministic.
 *
 * Run: npx tsx scripts/make-onnx-fixtures.ts
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { FIXTURES } from "../test/support/onnx.js";

const dir = path.resolve("models/fixtures");
await mkdir(dir, { recursive: true });
for (const [name, make] of Object.entries(FIXTURES)) {
  const file = path.join(dir, `${name}.onnx`);
  await writeFile(file, make());
  console.log(path.relative(process.cwd(), file));
}
