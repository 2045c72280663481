/**
 * Requesting an inference: quantize and check the input against the release, price the request,
 * approve exactly the fee, escrow it with `request`. A refused request leaves no approval behind.
 */
import { formatUnits, ZeroAddress } from "ethers";
import { typed } from "../../chain/errors.js";
import { jobRequestOf, type JobRequest } from "../../chain/jobs.js";
import { chainNow } from "../../chain/time.js";
import { approveIfNeeded } from "../../chain/tokens.js";
import { checkInput, quantizeInput } from "../../engine/fixed.js";
import { InferenceInputError, ProofgridError } from "../../errors.js";
import type { ModelArtifacts } from "../../pipeline/prove.js";
import { parseTrust, trustName, unpackVersion } from "../../protocol/index.js";
import { FeeLimitError } from "../errors.js";
import type { ActionContext, InferOptions } from "../types.js";

export interface Requested {
  request: JobRequest;
  txs: Record<string, string>;
  gas: Record<string, bigint>;
}

/**
 * Requests an inference of model `modelId`. `input` holds real numbers (quantized with the model's
 * scale, by the artifacts when given) or fixed-point bigints.
 */
export async function requestInference(
  context: ActionContext,
  model: { modelId: number; artifacts?: ModelArtifacts; label?: string },
  input: readonly number[] | readonly bigint[],
  options: Omit<InferOptions, "pollMs" | "timeoutMs" | "onWait">,
): Promise<Requested> {
  const level = parseTrust(options.trust);
  const { hub, models, token } = context.contracts;
  const { modelId, artifacts } = model;
  const [version, release] = await typed(`getRelease(${modelId})`, () => models.getRelease(modelId, options.version ?? 0));
  if (input.length !== Number(release.inputSize)) {
    throw new InferenceInputError(`input has ${input.length} values, model ${model.label ?? `#${modelId}`} takes ${release.inputSize}`);
  }
  let fixed: bigint[];
  if (input.every((x) => typeof x === "bigint")) fixed = [...(input as bigint[])];
  else if (artifacts) fixed = quantizeInput(artifacts.model, input as number[]);
  else fixed = (input as number[]).map((x) => BigInt(Math.round(x * 2 ** Number(release.scaleBits))));
  if (artifacts) checkInput(artifacts.model, fixed);

  if (options.consumer && options.consumer.toLowerCase() !== (await context.signer.getAddress()).toLowerCase()) {
    throw new InferenceInputError(
      `consumer ${options.consumer} is not this signer: the hub calls a consumer back only for its own requests (HubConsumerNotRequester), so a contract requests for itself`,
    );
  }
  const callbackGas = BigInt(options.callbackGasLimit ?? 0);
  const callbackPrice = callbackGas === 0n ? 0n : (await hub.parameters()).callbackGasPrice;
  const fee = release.prices[level] + callbackGas * callbackPrice + (options.tip ?? 0n);
  if (options.maxFee !== undefined && fee > options.maxFee) {
    throw new FeeLimitError(`model #${modelId} release ${unpackVersion(version)} costs ${formatUnits(fee)} at ${trustName(level)}, above the maxFee of ${formatUnits(options.maxFee)}`);
  }
  const txs: Record<string, string> = {};
  const gas: Record<string, bigint> = {};
  const hubAddress = await hub.getAddress();
  // Exactly the fee: an allowance is never left for a later request to spend.
  const approval = await approveIfNeeded(token, hubAddress, fee, { exact: true });
  if (approval) {
    txs.approve = approval.receipt.hash;
    gas.approve = approval.receipt.gasUsed;
  }
  const deadline = (await chainNow(context.signer.provider!)) + BigInt(options.deadlineSeconds ?? 600);
  const receipt = await typed("request", async () =>
    (await (
      await hub.request({
        modelId,
        version,
        level,
        fee,
        deadline,
        consumer: options.consumer ?? ZeroAddress,
        callbackGasLimit: options.callbackGasLimit ?? 0,
        input: fixed,
      })
    ).wait())!,
  ).catch(async (error: unknown) => {
    if (approval) await (await token.approve(hubAddress, approval.previous)).wait().catch(() => undefined);
    throw error;
  });
  txs.request = receipt.hash;
  gas.request = receipt.gasUsed;
  for (const log of receipt.logs) {
    const parsed = hub.interface.parseLog(log);
    if (parsed?.name === "JobRequested") {
      const request = jobRequestOf({ args: parsed.args as never, transactionHash: receipt.hash, blockNumber: receipt.blockNumber });
      return { request, txs, gas };
    }
  }
  throw new ProofgridError(`request: transaction ${receipt.hash} emitted no JobRequested event (is the deployment file this network's?)`);
}
