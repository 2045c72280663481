/**
 * Node behaviours for demos and tests: a lazy node that never answers (its requester is refunded
 * and it is slashed for the missed deadline) and a lying node that posts wrong VANILLA outputs
 * (proven wrong by a watcher). They plug into the honest runtime as its OutputStrategy.
 */
import type { OutputStrategy } from "../node/runtime.js";

export type Behaviour = "honest" | "lazy" | "lying";

/** Ignores every job assigned to it. */
export const lazy: OutputStrategy = {
  name: "lazy",
  answers: () => false,
};

/** Answers every level, but posts a wrong VANILLA output (the next class, or the first value plus one). */
export const lying: OutputStrategy = {
  name: "lying",
  vanillaOutput: (_job, engine, artifacts) => {
    const classes = artifacts.model.labels?.length;
    return engine.map((v, i) => (i === 0 ? (classes && engine.length === 1 ? (v + 1n) % BigInt(classes) : v + 1n) : v));
  },
};

export function behaviourStrategy(behaviour: Behaviour): OutputStrategy | undefined {
  return behaviour === "lazy" ? lazy : behaviour === "lying" ? lying : undefined;
}
