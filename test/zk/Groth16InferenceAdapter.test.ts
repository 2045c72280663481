/**
 * The adapter's packing against the engine's (src/engine/fixed.ts `pack`), with a stand-in verifier
 * that accepts anything, so that layouts the demo model does not reach (several values per element,
 * several elements, negative offsets) are checked value for value. Real proofs: test/pipeline/zk.e2e.test.ts.
 */
import { expect } from "chai";
import { ethers as E } from "ethers";
import { pack, type Encoding } from "../../src/engine/fixed.js";
import { bindingOf } from "../../src/protocol/index.js";
import { AcceptingVerifier__factory, Groth16InferenceAdapter__factory } from "../../types/contracts/index.js";
import { ethers } from "../support/fixture.js";

const WEIGHTS = E.id("weights");

async function deploy(input: Encoding, output: Encoding) {
  const [deployer] = await ethers.getSigners();
  const verifier = await new AcceptingVerifier__factory(deployer).deploy();
  const adapter = await new Groth16InferenceAdapter__factory(deployer).deploy(
    await verifier.getAddress(),
    WEIGHTS,
    { lo: input.lo, size: input.size, bits: input.bits },
    { lo: output.lo, size: output.size, bits: output.bits },
  );
  return { adapter, deployer };
}

describe("Groth16InferenceAdapter: packing equals the engine's", function () {
  it("packs several values per element over several elements, with negative offsets", async function () {
    const input: Encoding = { size: 7, lo: -1000n, bits: 100 }; // 2 per element, 4 elements
    const output: Encoding = { size: 3, lo: -5n, bits: 120 }; // 2 per element, 2 elements
    const { adapter, deployer } = await deploy(input, output);
    const x = [-1000n, 0n, 5n, (1n << 100n) - 1001n, 77n, -1n, 123456789n];
    const y = [-5n, (1n << 120n) - 6n, 0n];
    const { chainId } = await ethers.provider.getNetwork();
    const signals = await adapter.publicSignalsOf(deployer.address, 9n, deployer.address, x, y);
    const binding = bindingOf({ chainId, hub: deployer.address, jobId: 9n, prover: deployer.address }, WEIGHTS);
    expect(signals).to.deep.equal([...pack(y, output), binding, ...pack(x, input)]);
    expect(await adapter.publicSignals()).to.equal(2n + 1n + 4n);
    // The stand-in verifier accepts: the statement reaches it.
    expect(await adapter.verifyInference(9n, deployer.address, WEIGHTS, x, y, E.zeroPadBytes("0x", 256))).to.equal(true);
  });

  it("returns false for an output of the wrong length or outside its range, and reverts for a bad input", async function () {
    const input: Encoding = { size: 3, lo: 0n, bits: 8 };
    const output: Encoding = { size: 1, lo: 0n, bits: 3 };
    const { adapter, deployer } = await deploy(input, output);
    const proof = E.zeroPadBytes("0x", 256);
    expect(await adapter.verifyInference(1n, deployer.address, WEIGHTS, [1n, 2n, 3n], [1n, 2n], proof)).to.equal(false);
    expect(await adapter.verifyInference(1n, deployer.address, WEIGHTS, [1n, 2n, 3n], [8n], proof)).to.equal(false);
    await expect(adapter.verifyInference(1n, deployer.address, WEIGHTS, [1n, 256n, 3n], [1n], proof))
      .to.be.revertedWithCustomError(adapter, "AdapterInputOutOfRange")
      .withArgs(1, 256, 0, 255);
    await expect(adapter.publicSignalsOf(deployer.address, 1n, deployer.address, [1n], [1n])).to.be.revertedWithCustomError(adapter, "AdapterInputLength");
    await expect(adapter.publicSignalsOf(deployer.address, 1n, deployer.address, [1n, 2n, 3n], [1n, 1n])).to.be.revertedWithCustomError(adapter, "AdapterInputLength");
  });

  it("refuses a layout that cannot be packed or a verifier without code", async function () {
    const [deployer] = await ethers.getSigners();
    const factory = new Groth16InferenceAdapter__factory(deployer);
    const ok = { lo: 0n, size: 1, bits: 8 };
    await expect(factory.deploy(deployer.address, WEIGHTS, ok, ok)).to.be.revertedWithCustomError(factory, "AdapterBadLayout");
    const verifier = await new AcceptingVerifier__factory(deployer).deploy();
    await expect(factory.deploy(await verifier.getAddress(), WEIGHTS, { ...ok, bits: 253 }, ok)).to.be.revertedWithCustomError(factory, "AdapterBadLayout");
    await expect(factory.deploy(await verifier.getAddress(), WEIGHTS, { ...ok, size: 0 }, ok)).to.be.revertedWithCustomError(factory, "AdapterBadLayout");
  });
});
