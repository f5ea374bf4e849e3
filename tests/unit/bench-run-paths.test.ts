// `npm run bench -- --out DIR` writes its results and its report into DIR and never touches the committed
// BENCHMARKS.md (issue 20): the path rule, and bench/run.ts itself run in a scratch checkout with --report-only.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { benchPaths } from '../../bench/lib/report-path.js';

const run = promisify(execFile);
const TSX = path.resolve('node_modules/.bin/tsx');
const RUN = path.resolve('bench/run.ts');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-bench-out-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('bench output paths', () => {
  const cwd = '/repo';
  it('the default run writes bench/results and the committed BENCHMARKS.md', () => {
    expect(benchPaths({}, cwd)).toEqual({ outDir: '/repo/bench/results', report: '/repo/BENCHMARKS.md' });
    expect(benchPaths({ out: './bench/results/' }, cwd).report).toBe('/repo/BENCHMARKS.md');
  });
  it('--out DIR writes DIR/BENCHMARKS.md, or the --report asked for, never the committed report', () => {
    expect(benchPaths({ out: 'trial' }, cwd)).toEqual({ outDir: '/repo/trial', report: '/repo/trial/BENCHMARKS.md' });
    expect(benchPaths({ out: '/tmp/x', report: '/tmp/x.md' }, cwd).report).toBe('/tmp/x.md');
    expect(() => benchPaths({ out: 'trial', report: 'BENCHMARKS.md' }, cwd)).toThrow(/generated only from bench\/results/);
    expect(() => benchPaths({ out: 'trial', report: '/repo/BENCHMARKS.md' }, cwd)).toThrow(/trial\/BENCHMARKS.md/);
  });

  it('bench/run.ts --out DIR leaves the checkout report alone', { timeout: 60_000 }, async () => {
    const committed = path.join(scratch, 'BENCHMARKS.md');
    fs.mkdirSync(path.join(scratch, 'bench/results'), { recursive: true });
    fs.writeFileSync(committed, 'committed report\n');
    const before = fs.statSync(committed).mtimeMs;

    await run(TSX, [RUN, '--report-only', '--out', 'trial'], { cwd: scratch });
    expect(fs.readFileSync(committed, 'utf8')).toBe('committed report\n');
    expect(fs.statSync(committed).mtimeMs).toBe(before);
    expect(fs.readFileSync(path.join(scratch, 'trial/BENCHMARKS.md'), 'utf8')).toMatch(/^# Benchmarks/);

    // Naming the committed report with --out is refused (exit 2), and writes nothing.
    const refused = await run(TSX, [RUN, '--report-only', '--out', 'trial', '--report', 'BENCHMARKS.md'], { cwd: scratch }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('generated only from bench/results') });
    expect(fs.readFileSync(committed, 'utf8')).toBe('committed report\n');

    // Without --out the committed report is regenerated, as before.
    await run(TSX, [RUN, '--report-only'], { cwd: scratch });
    expect(fs.readFileSync(committed, 'utf8')).toMatch(/^# Benchmarks/);
  });
});
