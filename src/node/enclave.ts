/**
 * A simulated TEE enclave: it holds a key that never leaves it, runs the model itself and signs
 * what it computed, over the weights commitment of the model it ran, and refuses a model that is
 * not the job's release. What it cannot stop (a real enclave would, by measuring the code and data
 * it loads): a host that hands it a doctored copy of the engine. The hub binds the signature to
 * the release's weights commitment, so the host cannot make it answer for another model. A real
 * deployment replaces it with an SGX/Nitro enclave and the attestation root with the vendor's
 * attestation verifier; the contracts do not change.
 */
import { Wallet, type Signer, type TypedDataDomain } from "ethers";
import { evaluate, type QuantizedModel } from "../engine/fixed.js";
import { ProofgridError } from "../errors.js";
import { attestationDomain, hashValues, weightsCommitment, makeAttestation, signHeartbeat, signResult, teeDomain } from "../protocol/index.js";

/** The enclave was handed a model that is not the job's release. */
export class EnclaveModelError extends ProofgridError {
  override name = "EnclaveModelError";
}

export class SimulatedEnclave {
  readonly #key: Wallet;
  readonly measurement: string;

  constructor(measurement: string, key: Wallet = Wallet.createRandom() as unknown as Wallet) {
    this.#key = key;
    this.measurement = measurement;
  }

  get address(): string {
    return this.#key.address;
  }

  /** The attestation the root (vendor) signs for this enclave: measurement, key, operator, time. */
  async attestation(root: Signer, chainId: bigint, attestationVerifier: string, operator: string, issuedAt: bigint): Promise<string> {
    return makeAttestation(root, attestationDomain(chainId, attestationVerifier), {
      measurement: this.measurement,
      enclaveKey: this.#key.address,
      operator,
      issuedAt,
    });
  }

  /**
   * Runs the model and signs the result for the hub (EIP-712 InferenceResult). The enclave hashes
   * the model it was given and refuses to sign unless it is the job's release (`weightsCommitment`,
   * which the hub also fills from the registry), so its host cannot make it answer for another model.
   */
  async infer(
    model: QuantizedModel,
    input: readonly bigint[],
    job: { domain: TypedDataDomain; jobId: bigint; node: string; modelId: bigint | number; version: bigint | number; weightsCommitment: string },
  ): Promise<{ output: bigint[]; signature: string }> {
    const loaded = weightsCommitment(model);
    if (loaded !== job.weightsCommitment) {
      throw new EnclaveModelError(`enclave: the loaded model's weights (${loaded.slice(0, 10)}...) are not job ${job.jobId}'s release (${job.weightsCommitment.slice(0, 10)}...); refusing to sign`);
    }
    const { output } = evaluate(model, input);
    const signature = await signResult(this.#key, job.domain, {
      jobId: job.jobId,
      node: job.node,
      modelId: BigInt(job.modelId),
      version: BigInt(job.version),
      weightsCommitment: loaded,
      inputHash: hashValues(input),
      outputHash: hashValues(output),
    });
    return { output, signature };
  }

  async heartbeat(chainId: bigint, teeRegistry: string, timestamp: bigint): Promise<string> {
    return signHeartbeat(this.#key, teeDomain(chainId, teeRegistry), timestamp);
  }
}
