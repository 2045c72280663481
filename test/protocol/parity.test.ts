/**
 * The TypeScript half of the protocol against the contracts: every enum member for member (from
 * the compiler's AST), every EIP-712 type hash and domain, the hashes the hub computes (input
 * vectors, TEE result digests, release keys) and a proof's binding and public signals (the
 * verifier adapter of the demo model).
 */
import { expect } from "chai";
import { ethers as E, TypedDataEncoder } from "ethers";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { PACKAGE_ROOT } from "../../src/package.js";
import { loadArtifacts, publicSignalsOf } from "../../src/pipeline/prove.js";
import {
  ATTESTATION_TYPES,
  HEARTBEAT_TYPES,
  hashValues,
  hubDomain,
  JobStatus,
  levelMask,
  NodeStatus,
  Penalty,
  RefundReason,
  REFUND_REASONS,
  releaseKey,
  resultDigest,
  RESULT_TYPES,
  teeDomain,
  attestationDomain,
  TrustLevel,
  TRUST_NAMES,
  Verdict,
} from "../../src/protocol/index.js";
import { deployVerifier } from "../../src/sdk/index.js";
import { deployFixture, INPUT, networkHelpers, OUTPUT, requestJob, V1 } from "../support/fixture.js";

const { loadFixture } = networkHelpers;

interface AstNode {
  nodeType?: string;
  name?: string;
  members?: { name: string }[];
  [key: string]: unknown;
}

/** Every enum the compiler saw, by name: its members in order. */
async function solidityEnums(): Promise<Map<string, string[]>> {
  const dir = path.join(PACKAGE_ROOT, "artifacts/build-info");
  const enums = new Map<string, string[]>();
  const walk = (node: unknown) => {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node)) return node.forEach(walk);
    const n = node as AstNode;
    if (n.nodeType === "EnumDefinition" && n.name && n.members) enums.set(n.name, n.members.map((m) => m.name));
    for (const value of Object.values(n)) walk(value);
  };
  for (const file of (await readdir(dir)).filter((f) => f.endsWith(".output.json"))) {
    const { output } = JSON.parse(await readFile(path.join(dir, file), "utf8")) as { output: { sources: Record<string, { ast: unknown }> } };
    for (const [source, { ast }] of Object.entries(output.sources)) if (source.startsWith("project/contracts/")) walk(ast);
  }
  return enums;
}

/** A TypeScript numeric enum's member names in value order. */
const members = (e: Record<string, string | number>) =>
  Object.entries(e)
    .filter(([, v]) => typeof v === "number")
    .sort(([, a], [, b]) => Number(a) - Number(b))
    .map(([k]) => k);

describe("protocol parity: TypeScript against the contracts", function () {
  it("every enum mirrors its Solidity enum, member for member", async function () {
    const enums = await solidityEnums();
    const pairs: [string, Record<string, string | number>][] = [
      ["TrustLevel", TrustLevel],
      ["JobStatus", JobStatus],
      ["NodeStatus", NodeStatus],
      ["RefundReason", RefundReason],
      ["Penalty", Penalty],
      ["Verdict", Verdict],
    ];
    for (const [name, ts] of pairs) {
      expect(enums.get(name), `enum ${name} in contracts/`).to.not.equal(undefined);
      expect(members(ts), name).to.deep.equal(enums.get(name));
    }
    // The names the SDK prints follow the same order.
    expect(TRUST_NAMES.map((n) => n.toUpperCase())).to.deep.equal(enums.get("TrustLevel"));
    expect(REFUND_REASONS.length).to.equal(enums.get("RefundReason")!.length);
  });

  it("EIP-712 type hashes and domains equal the contracts'", async function () {
    const f = await loadFixture(deployFixture);
    const typeHash = (types: Record<string, { name: string; type: string }[]>) => E.keccak256(E.toUtf8Bytes(TypedDataEncoder.from(types).encodeType(Object.keys(types)[0])));
    expect(await f.hub.RESULT_TYPEHASH()).to.equal(typeHash(RESULT_TYPES));
    expect(await f.tee.HEARTBEAT_TYPEHASH()).to.equal(typeHash(HEARTBEAT_TYPES));
    expect(await f.attestation.ATTESTATION_TYPEHASH()).to.equal(typeHash(ATTESTATION_TYPES));
    const domainOf = async (c: { eip712Domain(): Promise<[string, string, string, bigint, string, string, bigint[]]> }) => {
      const [, name, version, chainId, verifyingContract] = await c.eip712Domain();
      return { name, version, chainId, verifyingContract };
    };
    expect(await domainOf(f.hub)).to.deep.equal(hubDomain(f.chainId, f.hubAddress));
    expect(await domainOf(f.tee)).to.deep.equal(teeDomain(f.chainId, await f.tee.getAddress()));
    expect(await domainOf(f.attestation)).to.deep.equal(attestationDomain(f.chainId, await f.attestation.getAddress()));
  });

  it("the hub's input hash and TEE result digest equal hashValues and resultDigest", async function () {
    const f = await loadFixture(deployFixture);
    const { joinNode } = await import("../support/fixture.js");
    await joinNode(f, f.nodeSigners[0]); // joins and activates
    const { jobId, node } = await requestJob(f, TrustLevel.TEE);
    const job = await f.hub.getJob(jobId);
    expect(job.inputHash).to.equal(hashValues(INPUT));
    const [, release] = await f.models.getRelease(1, 0);
    const digest = resultDigest(f.domain, { jobId, node, modelId: 1, version: V1, weightsCommitment: release.weightsCommitment, inputHash: hashValues(INPUT), outputHash: hashValues(OUTPUT) });
    expect(await f.hub.resultDigest(jobId, OUTPUT)).to.equal(digest);
  });

  it("a release key packs as the node registry unpacks it", async function () {
    const f = await loadFixture(deployFixture);
    const mask = levelMask(TrustLevel.VANILLA);
    await f.nodes.connect(f.nodeSigners[0]).join(100n * 10n ** 18n, [releaseKey(2, V1)], mask);
    expect((await f.nodes.getNode(f.nodeSigners[0].address)).releases).to.deep.equal([releaseKey(2, V1)]);
    // The other packing (version high, model low) names no release.
    await expect(f.nodes.connect(f.nodeSigners[1]).join(100n * 10n ** 18n, [(BigInt(V1) << 32n) | 2n], mask)).to.be.revertedWithCustomError(f.nodes, "NodeInvalidReleases");
  });

  it("a proof's binding and public signals equal the verifier adapter's", async function () {
    const f = await loadFixture(deployFixture);
    const artifacts = await loadArtifacts(path.join(PACKAGE_ROOT, "build/support-intents"));
    const adapter = new E.Contract(await deployVerifier(artifacts, f.deployer), ["function publicSignalsOf(address,uint256,address,int256[],int256[]) view returns (uint256[])"], f.deployer);
    const input = Array.from({ length: artifacts.model.input.size }, (_, i) => BigInt(i % 2) * 32n);
    const output = [3n];
    const prover = f.nodeSigners[2].address;
    const onChain = (await adapter.publicSignalsOf(f.hubAddress, 7n, prover, input, output)) as bigint[];
    // The adapter computes the binding with the hub as msg.sender's view: chain id, hub, job, prover, weights.
    expect([...onChain]).to.deep.equal(publicSignalsOf(artifacts, input, output, { chainId: f.chainId, hub: f.hubAddress, jobId: 7n, prover }));
  });
});
