/**
 * One polling loop for the long-running processes (the node runtime, the watcher): one poll at a
 * time (a slow poll is never overlapped by the next), a failing poll retried with exponential
 * backoff up to `maxBackoffMs` and logged once per distinct error while it repeats, and a stop()
 * that waits for the poll under way.
 */
export interface PollerOptions {
  /** Pause between polls (default 1 s). */
  intervalMs?: number;
  /** The longest pause after repeated failures (default 10 s). */
  maxBackoffMs?: number;
  log?: (line: string) => void;
}

export class Poller {
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #failures = 0;
  #current: Promise<void> | undefined;
  #lastError = "";

  constructor(
    private readonly poll: () => Promise<void>,
    private readonly options: PollerOptions = {},
  ) {}

  get running(): boolean {
    return this.#running;
  }

  /** Runs one poll now, or joins the one under way. */
  once(): Promise<void> {
    this.#current ??= this.poll().finally(() => (this.#current = undefined));
    return this.#current;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const interval = this.options.intervalMs ?? 1_000;
    const loop = async () => {
      if (!this.#running) return;
      try {
        await this.once();
        this.#failures = 0;
        this.#lastError = "";
      } catch (error) {
        this.#failures++;
        const message = (error as Error).message?.split("\n")[0] ?? String(error);
        const pause = this.#backoff(interval);
        if (message !== this.#lastError) this.options.log?.(`poll failed (${this.#failures}): ${message}; retrying in ${pause} ms, backing off`);
        this.#lastError = message;
      }
      if (this.#running) this.#timer = setTimeout(loop, this.#failures ? this.#backoff(interval) : interval);
    };
    void loop();
  }

  /** The pause after the current run of failures: doubling from the interval, capped. */
  #backoff(interval: number): number {
    return Math.min(interval * 2 ** this.#failures, this.options.maxBackoffMs ?? 10_000);
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#current?.catch(() => undefined);
  }
}
