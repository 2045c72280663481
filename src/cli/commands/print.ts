/** How the CLI prints a settled result: one JSON object with --json, else a few lines. */
import { formatUnits } from "ethers";
import type { InferenceResult } from "../../sdk/types.js";
import { pgt, toJson } from "../context.js";
import { unpackVersion } from "../../protocol/index.js";

export function printResult(r: InferenceResult, json: boolean) {
  if (json) {
    console.log(
      toJson({
        jobId: r.jobId,
        trust: r.trust,
        output: r.values,
        label: r.label ?? null,
        settled: r.settled,
        verification: r.verification.method,
        checked: r.verification.checked,
        verificationDetail: r.verification.detail,
        ...(r.verification.setup ? { setup: r.verification.setup, ceremonyId: r.verification.ceremonyId ?? null } : {}),
        node: r.node,
        modelId: r.modelId,
        gas: r.gas,
        // In tokens, as decimal strings, with the unit named.
        fee: { unit: "PGT", ...Object.fromEntries(Object.entries(r.fee).map(([k, v]) => [k, formatUnits(v, 18)])) },
        release: unpackVersion(r.version),
        txs: r.txs,
        latencyMs: r.latencyMs,
      }),
    );
    return;
  }
  console.log(`job ${r.jobId} (${r.trust}) settled by node ${r.node} in ${r.latencyMs} ms`);
  console.log(`  output: [${r.values.join(", ")}]${r.label ? ` -> ${r.label}` : ""}`);
  console.log(r.verification.checked ? `  checked: ${r.verification.method}: ${r.verification.detail}` : `  NOT CHECKED by this client: ${r.verification.detail}`);
  console.log(`  gas: ${Object.entries(r.gas).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  console.log(`  fee: paid ${pgt(r.fee.paid)}: node ${pgt(r.fee.node)}, model owner ${pgt(r.fee.owner)}, protocol ${pgt(r.fee.protocol)}`);
}

