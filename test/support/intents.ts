/**
 * The demo model's input encoding: a support message becomes the bag-of-words vector over the
 * vocabulary that models/support-intents/model.json ships (1 where the word occurs, else 0).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { PACKAGE_ROOT } from "../../src/package.js";

export const INTENT_MODEL_DIR = path.join(PACKAGE_ROOT, "models/support-intents");

/** The featurizer of the demo model: text -> features (real numbers, 0 or 1). */
export async function intentFeaturizer(modelFile = path.join(INTENT_MODEL_DIR, "model.json")): Promise<(text: string) => number[]> {
  const { vocabulary } = JSON.parse(await readFile(modelFile, "utf8")) as { vocabulary: string[] };
  return (text) => {
    const words = new Set(text.toLowerCase().split(/\W+/));
    return vocabulary.map((w) => (words.has(w) ? 1 : 0));
  };
}
