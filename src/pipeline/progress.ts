/**
 * Progress of a build: a bar on a terminal (cli-progress), plain lines elsewhere, nothing when quiet.
 */
import cliProgress from "cli-progress";
import type { Logger } from "snarkjs";

export interface Progress {
  /** Starts step `name` (`index` of `total`). */
  step(name: string): void;
  /** A detail of the running step (e.g. a snarkjs section), shown on the bar only. */
  detail(text: string): void;
  /** A line for the log (reports, skipped steps). */
  log(line: string): void;
  done(): void;
  /** A snarkjs logger that feeds `detail`. */
  logger(): Logger;
}

export function silentProgress(): Progress {
  const nothing = () => {};
  return { step: nothing, detail: nothing, log: nothing, done: nothing, logger: () => ({ debug: nothing, info: nothing, warn: nothing, error: nothing }) };
}

/** Steps of a build on stderr: a bar when stderr is a terminal, one line per step otherwise. */
export function consoleProgress(total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = Date.now();
  let stepStarted = started;
  let index = 0;
  let name = "";
  const seconds = (from: number) => ((Date.now() - from) / 1000).toFixed(1);
  const bar = stream.isTTY
    ? new cliProgress.SingleBar(
        { format: " {bar} {value}/{total} {step} {detail} ({duration}s)", stream, hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(total, 0, { step: "", detail: "" });
  const progress: Progress = {
    step(next) {
      if (!bar && name) stream.write(`  ${name} (${seconds(stepStarted)} s)\n`);
      index++;
      name = next;
      stepStarted = Date.now();
      bar?.update(index - 1, { step: next, detail: "" });
    },
    detail(text) {
      bar?.update({ detail: text.length > 48 ? `${text.slice(0, 45)}...` : text });
    },
    log(line) {
      if (bar) {
        bar.stop();
        stream.write(`${line}\n`);
        bar.start(total, index - 1, { step: name, detail: "" });
      } else {
        stream.write(`${line}\n`);
      }
    },
    done() {
      if (bar) {
        bar.update(total, { step: "done", detail: "" });
        bar.stop();
      } else if (name) {
        stream.write(`  ${name} (${seconds(stepStarted)} s)\n`);
      }
      stream.write(`built in ${seconds(started)} s\n`);
    },
    logger() {
      const detail = (m: string) => progress.detail(m);
      return { debug: detail, info: detail, warn: (m) => progress.log(`warning: ${m}`), error: (m) => progress.log(`error: ${m}`) };
    },
  };
  return progress;
}
