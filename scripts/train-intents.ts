/**
 * Trains the demo model: a customer-service intent classifier (bag of words over a 32-word
 * vocabulary -> 16 ReLU -> 6 intents -> argmax). The data set is made here, from phrase templates
 * and a seeded PRNG, so nothing is downloaded and every run writes the same files:
 *
 *   models/support-intents/dataset.json  the messages, their features and intents (train/test)
 *   models/support-intents/model.json    the JSON model spec (with labels, vocabulary, samples)
 *
 * Run: npx tsx scripts/train-intents.ts
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { seededRandom } from "../src/pipeline/quantize.js";

export const LABELS = ["billing", "refund", "shipping", "account", "technical", "cancel"] as const;

export const VOCABULARY = [
  // billing
  "charged", "invoice", "bill", "payment", "card", "twice",
  // refund
  "refund", "money", "back", "return",
  // shipping
  "delivery", "package", "tracking", "arrive", "shipped",
  // account
  "password", "login", "email", "reset", "locked",
  // technical
  "error", "crash", "app", "broken", "update",
  // cancel
  "cancel", "subscription", "plan",
  // shared
  "order", "account", "help", "not",
] as const;

/** Words that point to each intent, and words any message may carry. */
const KEYWORDS: Record<(typeof LABELS)[number], string[]> = {
  billing: ["charged", "invoice", "bill", "payment", "card", "twice", "account"],
  refund: ["refund", "money", "back", "return", "order", "charged"],
  shipping: ["delivery", "package", "tracking", "arrive", "shipped", "order", "not"],
  account: ["password", "login", "email", "reset", "locked", "account", "not"],
  technical: ["error", "crash", "app", "broken", "update", "login", "not"],
  cancel: ["cancel", "subscription", "plan", "account", "payment"],
};
const FILLER = ["help", "not", "order", "account"];

export function featurize(words: readonly string[]): number[] {
  const set = new Set(words.map((w) => w.toLowerCase()));
  return VOCABULARY.map((w) => (set.has(w) ? 1 : 0));
}

interface Example {
  text: string;
  features: number[];
  label: number;
}

function makeDataset(count: number, random: () => number): Example[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  return Array.from({ length: count }, () => {
    const label = Math.floor(random() * LABELS.length);
    const words = new Set<string>();
    const own = 2 + Math.floor(random() * 3);
    while (words.size < own) words.add(pick(KEYWORDS[LABELS[label]]));
    // Noise: a filler word, and sometimes a word of another intent (customers ramble).
    if (random() < 0.6) words.add(pick(FILLER));
    if (random() < 0.3) words.add(pick(KEYWORDS[pick(LABELS)]));
    const text = [...words].join(" ");
    return { text, features: featurize([...words]), label };
  });
}

/** Softmax cross-entropy, plain SGD with momentum; weights laid out [out][in]. */
function train(data: Example[], hidden: number, epochs: number, random: () => number) {
  const nIn = VOCABULARY.length;
  const nOut = LABELS.length;
  const init = (rows: number, cols: number) =>
    Array.from({ length: rows }, () => Array.from({ length: cols }, () => (random() * 2 - 1) * Math.sqrt(6 / (rows + cols))));
  const W1 = init(hidden, nIn);
  const b1 = Array(hidden).fill(0);
  const W2 = init(nOut, hidden);
  const b2 = Array(nOut).fill(0);
  const vW1 = W1.map((r) => r.map(() => 0));
  const vb1 = b1.map(() => 0);
  const vW2 = W2.map((r) => r.map(() => 0));
  const vb2 = b2.map(() => 0);
  const lr = 0.05;
  const momentum = 0.9;
  const decay = 1e-4;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const { features: x, label } of data) {
      const z1 = W1.map((row, j) => row.reduce((a, w, i) => a + w * x[i], b1[j]));
      const h = z1.map((z) => Math.max(0, z));
      const z2 = W2.map((row, k) => row.reduce((a, w, j) => a + w * h[j], b2[k]));
      const m = Math.max(...z2);
      const e = z2.map((z) => Math.exp(z - m));
      const s = e.reduce((a, b) => a + b, 0);
      const d2 = e.map((v, k) => v / s - (k === label ? 1 : 0));
      const d1 = h.map((_, j) => (z1[j] > 0 ? d2.reduce((a, d, k) => a + d * W2[k][j], 0) : 0));
      for (let k = 0; k < nOut; k++) {
        for (let j = 0; j < hidden; j++) {
          vW2[k][j] = momentum * vW2[k][j] - lr * (d2[k] * h[j] + decay * W2[k][j]);
          W2[k][j] += vW2[k][j];
        }
        vb2[k] = momentum * vb2[k] - lr * d2[k];
        b2[k] += vb2[k];
      }
      for (let j = 0; j < hidden; j++) {
        for (let i = 0; i < nIn; i++) {
          vW1[j][i] = momentum * vW1[j][i] - lr * (d1[j] * x[i] + decay * W1[j][i]);
          W1[j][i] += vW1[j][i];
        }
        vb1[j] = momentum * vb1[j] - lr * d1[j];
        b1[j] += vb1[j];
      }
    }
  }
  const predict = (x: number[]) => {
    const h = W1.map((row, j) => Math.max(0, row.reduce((a, w, i) => a + w * x[i], b1[j])));
    const z = W2.map((row, k) => row.reduce((a, w, j) => a + w * h[j], b2[k]));
    return z.indexOf(Math.max(...z));
  };
  return { W1, b1, W2, b2, predict };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

async function main() {
  const random = seededRandom(20261125);
  const data = makeDataset(1200, random);
  const trainSet = data.slice(0, 900);
  const testSet = data.slice(900);
  const net = train(trainSet, 16, 60, random);
  const accuracy = (set: Example[]) => set.filter((e) => net.predict(e.features) === e.label).length / set.length;
  const dir = path.resolve("models/support-intents");
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, "dataset.json"),
    JSON.stringify({ labels: LABELS, vocabulary: VOCABULARY, train: trainSet.map(({ text, label }) => ({ text, label: LABELS[label] })), test: testSet.map(({ text, label }) => ({ text, label: LABELS[label] })) }, null, 1) + "\n",
  );
  const model = {
    name: "support-intents",
    version: "1.0",
    description: "Customer-service intent classifier: bag of words over `vocabulary` -> 16 ReLU -> 6 intents -> argmax. Trained by scripts/train-intents.ts.",
    input: { shape: [VOCABULARY.length], range: [0, 1] },
    vocabulary: VOCABULARY,
    labels: LABELS,
    layers: [
      { type: "dense", name: "hidden", weights: net.W1.map((r) => r.map(round)), bias: net.b1.map(round) },
      { type: "relu", name: "hidden_relu" },
      { type: "dense", name: "logits", weights: net.W2.map((r) => r.map(round)), bias: net.b2.map(round) },
      { type: "argmax", name: "intent" },
    ],
    // Real messages of the test split: the quantizer measures its error on these.
    samples: testSet.slice(0, 64).map((e) => e.features),
    metrics: { trainAccuracy: accuracy(trainSet), testAccuracy: accuracy(testSet), trainExamples: trainSet.length, testExamples: testSet.length },
  };
  await writeFile(path.join(dir, "model.json"), JSON.stringify(model, null, 1) + "\n");
  console.log(`support-intents: train accuracy ${(accuracy(trainSet) * 100).toFixed(1)}%, test ${(accuracy(testSet) * 100).toFixed(1)}% (${trainSet.length}/${testSet.length} examples)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
