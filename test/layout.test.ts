/**
 * What the CLI, the SDK and the node deploy and call is the committed, checked contract code
 * (src/chain/types, compared with a fresh compile by `npm test`), never a build folder that another
 * task may have rewritten: a coverage run leaves instrumented artifacts (and TypeChain types made
 * from them) behind, which used to be deployed by the next `proofgrid run`.
 */
import { expect } from "chai";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { PACKAGE_ROOT } from "../src/package.js";

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(PACKAGE_ROOT, dir), { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : Promise.resolve(e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []))));
  return nested.flat();
}

describe("layout: shipped code never reads generated build folders", function () {
  it("nothing in src/ or deploy/ imports types/contracts or artifacts/", async () => {
    const files = [...(await sources("src")), ...(await sources("deploy"))];
    expect(files.length).to.be.greaterThan(40);
    for (const file of files) {
      const text = await readFile(path.join(PACKAGE_ROOT, file), "utf8");
      const imports = [...text.matchAll(/(?:from|import\()\s*["']([^"']+)["']/g)].map((m) => m[1]);
      for (const spec of imports) {
        expect(spec, `${file} imports ${spec}`).to.not.match(/(^|\/)types\/contracts(\/|$)|(^|\/)artifacts\//);
      }
      expect(text, `${file} reads Hardhat's artifacts`).to.not.match(/readArtifact|getContractFactory\(|artifacts\/contracts/);
    }
  });
});
