/**
 * The SDK from a script, end to end on the in-process network, ending by itself:
 * deploy proofgrid, register a built model, fund and stake one node per trust level, admit the
 * TEE node's enclave, activate the nodes, then request an inference at each level and print the
 * checked result.
 *
 *   npx tsx examples/sdk.ts
 *
 * Against a JSON-RPC node, connect to it instead (`hre.network.connect("localhost")`) and attach
 * to its deployment file instead of deploying. On a real network, skip the time travel (onWait)
 * and the minting: nodes are run by their operators and requesters bring their own tokens.
 */
import { readFile } from "node:fs/promises";
import hre from "hardhat";
import { deployProofgrid } from "../deploy/proofgrid.js";
import { ENCLAVE_MEASUREMENT, increaseTimeTo, minter, timeTravel } from "../src/devnet/index.js";
import { activateNodes, NodeRuntime, prepareNode, SimulatedEnclave } from "../src/node/index.js";
import { buildModel } from "../src/pipeline/build.js";
import { loadArtifacts, ProofgridClient, reconnect, TOKEN, TrustLevel, type TrustName } from "../src/sdk/index.js";

// 1. A chain and its accounts (Hardhat's in-process network; nothing to start).
const connection = await hre.network.connect();
const [deployer, requester, zkNode, teeNode, vanillaNode] = await connection.ethers.getSigners();

// 2. The model, built once (cached in build/support-intents): quantized model, circuit, keys, verifier.
const built = await buildModel("models/support-intents");
const artifacts = await loadArtifacts(built.dir);

// 3. The contracts. The deployer owns the local token and acts as the simulated attestation root.
const contracts = await deployProofgrid(deployer, { attestationRoot: deployer.address });
const mint = minter(contracts);
// The ZK release's soundness bond, forfeit if two valid proofs of different outputs are ever shown.
await mint(deployer.address, await contracts.bonds.minBond());
const owner = await ProofgridClient.connect({ signer: deployer, deployment: contracts });
const modelId = await owner.registerModel(artifacts, {
  levels: [TrustLevel.VANILLA, TrustLevel.TEE, TrustLevel.ZK],
  prices: [1n * TOKEN, 2n * TOKEN, 4n * TOKEN],
});
await (await contracts.tee.approveMeasurement(ENCLAVE_MEASUREMENT)).wait();

// 4. One node per level: fund its stake, join for the release, admit the enclave (TEE), activate.
const nodes = [
  { signer: zkNode, level: TrustLevel.ZK },
  { signer: teeNode, level: TrustLevel.TEE },
  { signer: vanillaNode, level: TrustLevel.VANILLA },
].map(
  ({ signer, level }) =>
    new NodeRuntime({
      signer,
      contracts: reconnect(contracts, signer), // the deployment, sending from the node's account
      models: new Map([[modelId, artifacts]]),
      levels: [level],
      enclave: level === TrustLevel.TEE ? new SimulatedEnclave(ENCLAVE_MEASUREMENT) : undefined,
      name: TrustLevel[level].toLowerCase(),
      log: () => {},
      pollMs: 100,
      // This chain's keys were made by this machine's build alone (a development key): fine here,
      // refused by default, since whoever makes such a key can prove any output (see the README).
      setupTrust: { developmentKeys: true },
    }),
);
for (const node of nodes) await prepareNode(node, { stake: 1_000n * TOKEN, fund: mint, attestationRoot: deployer });
await activateNodes(nodes, { skipTo: (t) => increaseTimeTo(deployer, t) }); // skip the activation delay
for (const node of nodes) node.start();

// 5. The requester: tokens, a client that knows the model's artifacts (to quantize, label and
//    check), and time travel past challenge windows (development chains only).
await mint(requester.address, 100n * TOKEN);
const client = await ProofgridClient.connect({ signer: requester, deployment: contracts, models: [artifacts], onWait: timeTravel() });
const { vocabulary } = JSON.parse(await readFile("models/support-intents/model.json", "utf8")) as { vocabulary: string[] };
const features = (text: string) => vocabulary.map((w) => (new Set(text.toLowerCase().split(/\W+/)).has(w) ? 1 : 0));

for (const trust of ["zk", "tee", "vanilla"] as TrustName[]) {
  const r = await client.infer("support-intents", features("I was charged twice on my invoice"), { trust });
  console.log(`${trust}: job ${r.jobId} -> ${r.label}; ${r.verification.method} ${r.verification.ok ? "ok" : "FAILED"}; paid ${r.fee.paid / TOKEN} PGT`);
}

// 6. Stop the nodes and close the connection: nothing else is left running.
for (const node of nodes) await node.stop();
await connection.close();

