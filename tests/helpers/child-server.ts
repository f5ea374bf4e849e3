// A real server in its own process (src/server/main.ts through tsx, or the compiled dist/server/main.js that npm start
// runs), for tests that must kill it with SIGKILL and start it again, or run it as users do.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ChildServer {
  url: string;
  process: ChildProcess;
  /** Everything it wrote to stderr so far (its log). */
  log(): string;
  /** SIGKILL: no shutdown code runs. Resolves once it is gone. */
  kill9(): Promise<void>;
  /** SIGTERM: the clean shutdown. */
  stop(): Promise<void>;
}

/**
 * Starts the server on port 0 with `env` and resolves with its URL once it logs that it is ready: `tsx
 * src/server/main.ts`, or with `compiled` the JavaScript in dist/ (build it first: scripts/build-server.mjs).
 */
export function spawnServer(env: Record<string, string>, timeoutMs = 180_000, opts: { compiled?: boolean } = {}): Promise<ChildServer> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL')) as Record<string, string>;
  const args = opts.compiled ? ['--enable-source-maps', 'dist/server/main.js'] : ['--import', 'tsx', 'src/server/main.ts'];
  const child = spawn(process.execPath, args, {
    env: { ...base, PORT: '0', HOST: '127.0.0.1', INFERENCE_WORKERS: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const gone = (signal: NodeJS.Signals) => async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /live page (https?:\/\/[^/\s]+)\//.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, process: child, log: () => stderr, kill9: gone('SIGKILL'), stop: gone('SIGTERM') });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before it was ready:\n${stderr}`));
    });
  });
}
