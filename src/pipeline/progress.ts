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

/** A step that takes less than this is not worth a line of its own in a log. */
const QUIET_STEP_MS = 1_000;
/** Without a terminal, a long step still prints a line at least this often. */
const HEARTBEAT_MS = 10_000;

/** "tauG1: 4000/16383" -> the fraction done, when a detail carries a count. */
function fractionOf(text: string): number | undefined {
  const match = /(\d+)\s*\/\s*(\d+)/.exec(text);
  if (!match || Number(match[2]) === 0) return undefined;
  return Math.min(1, Number(match[1]) / Number(match[2]));
}

/**
 * Steps of a build on stderr: a bar with the running step's detail and time left when stderr is a
 * terminal; otherwise a line per step that took a while, and a line at least every 10 s during a
 * long one.
 */
export function consoleProgress(total: number, stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): Progress {
  const started = now();
  let stepStarted = started;
  let index = 0;
  let name = "";
  let lastLine = started;
  let lastDetail = "";
  // The section of snarkjs' work the counts refer to ("tauG1" in "tauG1: 4096/16383"), and when it began.
  let section = "";
  let sectionStarted = started;
  // Without a terminal, a line at least every 10 s even when the running step reports nothing
  // (circom compiling, a snarkjs phase without counts).
  const heartbeat = stream.isTTY
    ? undefined
    : setInterval(() => {
        if (name && now() - lastLine >= HEARTBEAT_MS) {
          stream.write(`  ${name}: ${lastDetail || "working"} (${seconds(stepStarted)} s)\n`);
          lastLine = now();
        }
      }, HEARTBEAT_MS);
  heartbeat?.unref();
  const seconds = (from: number) => ((now() - from) / 1000).toFixed(1);
  const bar = stream.isTTY
    ? new cliProgress.SingleBar(
        { format: " {bar} {value}/{total} {step} {detail} ({duration}s)", stream, hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(total, 0, { step: "", detail: "" });
  const progress: Progress = {
    step(next) {
      if (!bar && name && now() - stepStarted >= QUIET_STEP_MS) stream.write(`  ${name} (${seconds(stepStarted)} s)\n`);
      lastLine = now();
      index++;
      name = next;
      lastDetail = "";
      stepStarted = now();
      bar?.update(index - 1, { step: next, detail: "" });
    },
    detail(text) {
      const shown = text.length > 48 ? `${text.slice(0, 45)}...` : text;
      lastDetail = shown;
      // Time left in the current section, from its count (snarkjs reports "section: i/n"); a new
      // section restarts the clock, so an estimate never spans work it cannot see.
      const key = text.replace(/\s*\d+\s*\/\s*\d+.*$/, "");
      if (key !== section) {
        section = key;
        sectionStarted = now();
      }
      const fraction = fractionOf(text);
      const elapsed = (now() - sectionStarted) / 1000;
      const eta = fraction && fraction > 0.02 && fraction < 1 && elapsed > 2 ? `, ~${Math.ceil((elapsed * (1 - fraction)) / fraction)} s left in ${key.replace(/:$/, "")}` : "";
      if (bar) bar.update({ detail: `${shown}${eta}` });
      else if (now() - lastLine >= HEARTBEAT_MS) {
        stream.write(`  ${name}: ${shown} (${seconds(stepStarted)} s${eta})\n`);
        lastLine = now();
      }
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
      if (heartbeat) clearInterval(heartbeat);
      if (bar) {
        bar.update(total, { step: "done", detail: "" });
        bar.stop();
      } else if (name && now() - stepStarted >= QUIET_STEP_MS) {
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
