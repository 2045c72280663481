/**
 * The client's own check of a settled result, independent of the hub's: the Groth16 proof with
 * snarkjs (ZK), the enclave's signature and its validity at the settling block (TEE), or
 * re-execution with the engine (VANILLA and, where artifacts are at hand, TEE).
 */
import { verifyTypedData } from "ethers";
import * as snarkjs from "snarkjs";
import type { JobRequest } from "../../chain/jobs.js";
import { evaluate } from "../../engine/fixed.js";
import { publicSignalsOf, useCurve, type ModelArtifacts } from "../../pipeline/prove.js";
import { decodeProof, describeKeys, hashValues, hubDomain, RESULT_TYPES, TrustLevel } from "../../protocol/index.js";
import type { ActionContext, Verification } from "../types.js";

/** Checks `output`, posted by the job's node in transaction `submitTx`, against `request`. */
export async function verifyResult(context: ActionContext, request: JobRequest, output: bigint[], submitTx: string, artifacts?: ModelArtifacts): Promise<Verification> {
  const { hub, tee, models } = context.contracts;
  const provider = context.signer.provider!;
  const { jobId, level, node, modelId, version, input } = request;
  const tx = await provider.getTransaction(submitTx);
  const call = hub.interface.parseTransaction({ data: tx!.data });
  const { chainId } = await provider.getNetwork();
  const hubAddress = await hub.getAddress();
  if (level === TrustLevel.ZK) {
    const [, release] = await models.getRelease(modelId, version);
    const ceremonyId = Number(release.ceremony);
    const setup = ceremonyId === 0 ? ({ setup: "development" } as const) : ({ setup: "ceremony", ceremonyId } as const);
    const keys = `keys: ${describeKeys(ceremonyId)}`;
    // Two valid proofs of different outputs for one input froze the release: its proofs prove nothing.
    const [, frozen] = await models.soundnessOf(modelId, version);
    if (frozen) {
      return { method: "groth16", ok: false, checked: true, unsound: true, detail: `the release was proven unsound (two valid proofs of different outputs for one input) and frozen: none of its proofs proves anything; its bond pays ZK requesters who claim within the window (proofgrid bonds claim); ${keys}`, ...setup };
    }
    if (!artifacts) return { method: "none", ok: false, checked: false, detail: `unchecked by this client: settled by the hub's verifier, no local artifacts of this release to re-check the proof; ${keys}`, ...setup };
    const signals = publicSignalsOf(artifacts, input, output, { chainId, hub: hubAddress, jobId, prover: node });
    // The curve's workers are released afterwards (unless a proof in this process still needs them),
    // so that a script that uses the SDK ends by itself.
    const ok = await useCurve(() => snarkjs.groth16.verify(artifacts.vkey, signals.map(String), decodeProof(call!.args.proof as string)), { release: true });
    return { method: "groth16", ok, checked: true, detail: `${ok ? `Groth16 proof checked with snarkjs (${signals.length} public signals)` : "the Groth16 proof does not verify"}; ${keys}`, ...setup };
  }
  if (level === TrustLevel.TEE) {
    // The release's weights, as the hub filled them; the enclave's validity at the settling block.
    const [, release] = await models.getRelease(modelId, version);
    const enclave = verifyTypedData(
      hubDomain(chainId, hubAddress),
      RESULT_TYPES,
      { jobId, node, modelId, version, weightsCommitment: release.weightsCommitment, inputHash: hashValues(input), outputHash: hashValues(output) },
      call!.args.signature as string,
    );
    const valid = await tee.isEnclaveValid(enclave, node, modelId, { blockTag: tx!.blockNumber! });
    if (!valid) return { method: "enclave-signature", ok: false, checked: true, detail: `signer ${enclave} was not a valid enclave of ${node} for model #${modelId} when the job settled` };
    // Where the client has the release's artifacts, it also re-executes what the enclave signed.
    if (artifacts) {
      const mine = evaluate(artifacts.model, input).output;
      if (hashValues(mine) !== hashValues(output)) return { method: "enclave-signature", ok: false, checked: true, detail: `signed by enclave ${enclave}, but re-execution gives [${mine.join(", ")}]` };
    }
    return { method: "enclave-signature", ok: true, checked: true, detail: `signed by enclave ${enclave}, attested for node ${node} when the job settled${artifacts ? "; re-executed locally: equal" : ""}` };
  }
  if (!artifacts) return { method: "none", ok: false, checked: false, detail: "unchecked: optimistic and unchallenged through the window; no local artifacts of this release to re-execute" };
  const mine = evaluate(artifacts.model, input).output;
  const ok = hashValues(mine) === hashValues(output);
  return { method: "re-execution", ok, checked: true, detail: ok ? "optimistic, unchallenged; re-executed locally: equal" : `re-execution gives [${mine.join(", ")}]` };
}
