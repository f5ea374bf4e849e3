// The process guards in a real child process (main.ts installs the same): an unhandled rejection is logged with its
// stack and the process goes on; a shutdown that hangs is cut at its deadline with status 1; a clean one exits 0.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const TSX = path.resolve('node_modules/.bin/tsx');
const CHILD = path.resolve('tests/helpers/guarded-child.ts');

interface Ran {
  code: number | null;
  lines: Record<string, unknown>[];
  ms: number;
}

/** Runs the child; `signal` is sent once it logs "ready". */
function runChild(args: string[], signal?: NodeJS.Signals): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [CHILD, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    let signalledAt = 0;
    const lines = () =>
      err
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (signal && !signalledAt && lines().some((l) => l.msg === 'ready')) {
        signalledAt = Date.now();
        child.kill(signal);
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, lines: lines(), ms: Date.now() - signalledAt }));
  });
}

describe('process guards', () => {
  it('log an unhandled rejection with its stack, and the process goes on', { timeout: 60_000 }, async () => {
    const ran = await runChild(['reject']);
    const logged = ran.lines.find((l) => l.msg === 'unhandled promise rejection');
    expect(logged).toMatchObject({ level: 'error', error: expect.stringContaining('boom: nobody handles this') });
    expect(String(logged?.error)).toContain('guarded-child.ts');
    expect(ran.lines.some((l) => l.msg === 'still serving')).toBe(true);
    expect(ran.code).toBe(0);
  });

  it('cut a shutdown that hangs at its deadline, with status 1 and a reason', { timeout: 60_000 }, async () => {
    const ran = await runChild(['hang', '300'], 'SIGTERM');
    expect(ran.code).toBe(1);
    expect(ran.lines.map((l) => l.msg)).toContain('shutdown did not finish within 300 ms (SHUTDOWN_TIMEOUT_MS): exiting anyway');
    expect(ran.ms).toBeGreaterThanOrEqual(250);
  });

  it('exit 0 after a shutdown that finishes', { timeout: 60_000 }, async () => {
    const ran = await runChild(['clean', '10000'], 'SIGTERM');
    expect(ran.code).toBe(0);
    expect(ran.lines.map((l) => l.msg)).toContain('SIGTERM: shutting down');
  });
});
