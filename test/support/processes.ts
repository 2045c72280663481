/**
 * Development helpers for tests and benchmarks that use real processes: a free port, a child
 * process whose output can be awaited, the CLI, an RPC proxy that can drop connections.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer } from "node:net";
import path from "node:path";
import { PACKAGE_ROOT } from "../../src/package.js";

export const CLI = path.join(PACKAGE_ROOT, "bin/proofgrid.js");
export const HARDHAT_CLI = path.join(PACKAGE_ROOT, "node_modules/hardhat/dist/src/cli.js");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

export interface Proc {
  child: ChildProcess;
  output: () => string;
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
}

export function start(command: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(command, args, { cwd: PACKAGE_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  return {
    child,
    output: () => out,
    waitFor: (pattern, ms = 60_000) =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const check = () => {
          if (pattern.test(out)) return resolve();
          if (child.exitCode !== null) return reject(new Error(`process exited (${child.exitCode}) before ${pattern}:\n${out}`));
          if (Date.now() - started > ms) return reject(new Error(`timed out waiting for ${pattern}:\n${out}`));
          setTimeout(check, 100);
        };
        check();
      }),
  };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: PACKAGE_ROOT, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** An HTTP proxy to the chain that can drop every connection, to play an RPC outage. */
export function rpcProxy(target: string): Promise<{ url: string; setDown(down: boolean): void; close(): Promise<void> }> {
  let down = false;
  const server: Server = createHttpServer((req, res) => {
    if (down) return req.socket.destroy();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body: Buffer.concat(chunks) })
        .then(async (r) => {
          res.writeHead(r.status, { "content-type": "application/json" });
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => req.socket.destroy());
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, setDown: (d) => (down = d), close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

export async function stop(p?: Proc) {
  if (!p || p.child.exitCode !== null) return;
  p.child.kill("SIGTERM");
  await new Promise((resolve) => {
    const timer = setTimeout(() => {
      p.child.kill("SIGKILL");
      resolve(undefined);
    }, 5_000);
    p.child.once("exit", () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}


/** Starts `npx hardhat node` on a free port; resolves once it listens. */
export async function startChain(): Promise<{ proc: Proc; url: string }> {
  const port = await freePort();
  const proc = start(process.execPath, [HARDHAT_CLI, "node", "--port", String(port)], { CI: "true", HARDHAT_DISABLE_TELEMETRY: "true" });
  await proc.waitFor(/Started HTTP and WebSocket JSON-RPC server|127\.0\.0\.1:\d+/i);
  return { proc, url: `http://127.0.0.1:${port}` };
}
