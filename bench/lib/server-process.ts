// The server as `npm start` runs it (src/server/main.ts in its own process, default settings), with what a benchmark
// reads from outside: its URL, start time, CPU time and resident memory from /proc.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConfigSchema, type Config } from '../../src/server/config.js';
import { parseConfig } from '../../src/server/load-config.js';

export interface ServerProcess {
  url: string;
  pid: number;
  config: Config;
  /** Only what the benchmark set; everything else is the default. */
  overrides: Record<string, string>;
  startupMs: number;
  /** CPU seconds (user + system, all threads) the server has used so far. */
  cpuSeconds(): number;
  rssMiB(): number;
  log(): string;
  stop(): Promise<void>;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** How `npm start` runs the server: the compiled JavaScript in dist/ with plain node (scripts/build-server.mjs). */
const SERVER_ARGS = ['--enable-source-maps', 'dist/server/main.js'];
let compiled = false;

/** Compiles src/ to dist/ once per bench process, so a bench never runs a stale build. */
function compileServer(): void {
  if (compiled) return;
  execFileSync(process.execPath, ['scripts/build-server.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
  compiled = true;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function procCpuSeconds(pid: number): number {
  // Fields after the "(comm)": state is field 3, utime 14 and stime 15.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
}

function procRssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/**
 * Starts the server with the defaults: every setting the caller's environment holds is removed, then only the port,
 * a fresh data directory and `extra` are set. Resolves when /ready answers 200.
 */
export async function startServerProcess(
  extra: Record<string, string> = {},
  timeoutMs = 300_000,
  /** Extra node flags before the script (the soak's `--inspect=127.0.0.1:0`, to read the heap from outside). */
  nodeArgs: string[] = [],
): Promise<ServerProcess> {
  const settings = new Set(Object.keys(ConfigSchema.shape));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !settings.has(k))) as Record<string, string>;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-bench-'));
  const overrides = { PORT: String(await freePort()), DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...extra };
  const parsed = parseConfig(overrides);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const url = `http://127.0.0.1:${overrides.PORT}`;
  compileServer();
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, ...SERVER_ARGS], { env: { ...env, ...overrides }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`server exited before it was ready:\n${stderr}`);
    if (performance.now() - t0 > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`server not ready after ${timeoutMs} ms:\n${stderr}`);
    }
    const ok = await fetch(`${url}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const startupMs = performance.now() - t0;
  const pid = child.pid!;
  return {
    url,
    pid,
    config: parsed.config,
    overrides,
    startupMs,
    cpuSeconds: () => procCpuSeconds(pid),
    rssMiB: () => procRssMiB(pid),
    log: () => stderr,
    async stop() {
      if (!gone) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
