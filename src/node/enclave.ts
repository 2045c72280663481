/**
 * A simulated TEE enclave: it holds a key that never leaves it, runs the model itself and signs
 * what it computed, so its host (the node operator) cannot make it sign another output. A real
 * deployment replaces it with an SGX/Nitro enclave and the attestation root with the vendor's
 * attestation verifier; the contracts do not change.
 */
import { Wallet, type Signer, type TypedDataDomain } from "ethers";
import { evaluate, type QuantizedModel } from "../engine/fixed.js";
import { attestationDomain, hashValues, makeAttestation, signHeartbeat, signResult, teeDomain } from "../protocol/index.js";

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

  /** Runs the model and signs the result for the hub (EIP-712 InferenceResult). */
  async infer(
    model: QuantizedModel,
    input: readonly bigint[],
    job: { domain: TypedDataDomain; jobId: bigint; node: string; modelId: bigint | number; version: bigint | number },
  ): Promise<{ output: bigint[]; signature: string }> {
    const { output } = evaluate(model, input);
    const signature = await signResult(this.#key, job.domain, {
      jobId: job.jobId,
      node: job.node,
      modelId: BigInt(job.modelId),
      version: BigInt(job.version),
      inputHash: hashValues(input),
      outputHash: hashValues(output),
    });
    return { output, signature };
  }

  async heartbeat(chainId: bigint, teeRegistry: string, timestamp: bigint): Promise<string> {
    return signHeartbeat(this.#key, teeDomain(chainId, teeRegistry), timestamp);
  }
}
