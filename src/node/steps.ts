/**
 * Isolated steps for long-running processes (the node runtime, the watcher): a step that throws is
 * logged once per distinct message and retried on the next poll, and never stops the others.
 */
import { toTypedError } from "../chain/errors.js";

export class Steps {
  #lastErrors = new Map<string, string>();

  constructor(private readonly log: (line: string) => void) {}

  /** Runs `fn`; returns whether it succeeded. A failure is logged (once while it repeats) and swallowed. */
  async run(step: string, fn: () => Promise<unknown>): Promise<boolean> {
    try {
      await fn();
      this.#lastErrors.delete(step);
      return true;
    } catch (error) {
      const message = toTypedError(error, step).message.split("\n")[0];
      if (this.#lastErrors.get(step) !== message) this.log(`${step}: ${message}; will retry`);
      this.#lastErrors.set(step, message);
      return false;
    }
  }
}
