// `npm run eval -- --heldout` and `-- --open-set` end to end on the fixture photos, as CLIs: one pass of every network,
// per-degradation figures for every method, JSON as the last line, and the HTML report with its DET plot.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EMBEDDING_MODEL } from '../../src/server/config.js';

const FIXTURES = path.resolve('tests/fixtures/faces');
const tsx = path.resolve('node_modules/.bin/tsx');
const evalCli = (args: string[]) => execFileSync(tsx, ['train/eval.ts', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });
const METHODS = [
  'resnet',
  'mobilefacenet',
  'edgeface-xs',
  'edgeface-xxs',
  'resnet+mobilefacenet',
  'edgeface-xs+mobilefacenet',
  'edgeface-xs@regallery',
  'edgeface-xs@regallery220',
];

describe('held-out and open-set evaluation', () => {
  it('k-fold by identity per degradation, and open set with thresholds from the other half', { timeout: 500_000 }, () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-heldout-'));
    const out = evalCli(['--heldout', '--root', FIXTURES, '--conditions', 'tight80', '--folds', '3', '--no-cache', '--out', path.join(tmp, 'v')]);
    const v = JSON.parse(out.trim().split('\n').at(-1)!);
    // Every same pair of the fixtures is tested once, in its own fold (counted from the folders, not hard-coded).
    const samePairs = fs
      .readdirSync(FIXTURES)
      .filter((d) => !d.startsWith('_') && fs.statSync(path.join(FIXTURES, d)).isDirectory())
      .map((d) => fs.readdirSync(path.join(FIXTURES, d)).filter((f) => f.endsWith('.jpg')).length)
      .reduce((n, k) => n + (k * (k - 1)) / 2, 0);
    expect(v.protocol).toBe('3-fold by identity');
    expect(Object.keys(v.verification)).toEqual(['clean', 'tight80']);
    expect(v.missed.clean).toBe(0);
    for (const c of ['clean', 'tight80'])
      for (const m of METHODS) {
        const f = v.verification[c][m];
        expect(f.same).toBe(samePairs);
        expect(f.accuracy).toBeGreaterThan(0.5);
        expect(f.accuracy).toBeLessThanOrEqual(1);
      }
    // Scored as the server's default model unless --model says otherwise.
    expect(v.model).toBe(DEFAULT_EMBEDDING_MODEL);
    expect(v.verification.clean[v.method].accuracy).toBeGreaterThan(0.9);
    expect(v.z_all.resnet.std).toBeGreaterThan(0);
    expect(v.z_all['edgeface-xs'].std).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(tmp, 'v', 'report.html'), 'utf8')).toContain('tight crop downscaled to 80x80');

    const os2 = evalCli(['--open-set', '--root', FIXTURES, '--conditions', 'clean', '--k', '1', '--repeats', '2', '--no-cache', '--out', path.join(tmp, 'o')]);
    const o = JSON.parse(os2.trim().split('\n').at(-1)!);
    const fused = o.open_set.clean[o.method];
    expect(fused.mated_probes).toBeGreaterThan(0);
    expect(fused.stranger_probes).toBeGreaterThan(0);
    expect(fused.rank1).toBeGreaterThan(0.8);
    expect(fused.at.map((a: { fpir_target: number }) => a.fpir_target)).toEqual([0.01, 0.001]);
    expect(fused.at[0].threshold).toHaveLength(2); // one per half, each chosen on the other half
    expect(typeof o.shipped.threshold).toBe('number');
    const html = fs.readFileSync(path.join(tmp, 'o', 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('DET, clean');
  });
});
