// BENCHMARKS.md's ready-time row and section (bench/lib/ready-section.ts): the verdict follows the warm runs' figures,
// and a warm run that rebuilt instead of loading the saved index never counts as met.
import { describe, expect, it } from 'vitest';
import { readySection, readyTargetRow } from '../../bench/lib/ready-section.js';
import { renderReport, targetRows } from '../../bench/report.js';

const run = (faces: number, start: 'cold' | 'warm', readyS: number, loaded = true) => ({
  faces,
  database: 'postgres',
  start,
  readyS,
  modelsLoadS: 4,
  indexLoadS: loaded && start === 'warm' ? 1.5 : null,
  rebuiltBecause: loaded && start === 'warm' ? null : 'no saved index',
  galleryFaces: faces,
  rssMiB: 900,
  stopS: 0.4,
  indexFileMiB: 130,
  seedS: 10,
});
const file = (runs: unknown[]) => ({ suite: 'ready', settings: { dims: 320, facesPerPerson: 5 }, results: { runs } });

describe('ready report', () => {
  it('is met only when both warm starts loaded the saved index within 5 s (100k) and 30 s (1M)', () => {
    expect(readyTargetRow(file([run(100_000, 'cold', 12), run(100_000, 'warm', 4.5), run(1_000_000, 'warm', 25)]))[2]).toBe('**met**');
    expect(readyTargetRow(file([run(100_000, 'warm', 5.5), run(1_000_000, 'warm', 25)]))[2]).toBe('**not met**');
    expect(readyTargetRow(file([run(100_000, 'warm', 4), run(1_000_000, 'warm', 20, false)]))[2]).toBe('**not met**');
    expect(readyTargetRow(file([run(100_000, 'warm', 4)]))[2]).toBe('not measured (both sizes needed)');
    expect(readyTargetRow(undefined)[2]).toBe('not measured');
  });

  it('shows every run in its section and the row in the targets table', () => {
    const f = file([run(100_000, 'cold', 12), run(100_000, 'warm', 4.5)]);
    const section = readySection(f);
    expect(section).toContain('| 100000 | cold | 12 s | 4 s | rebuilt (no saved index) |');
    expect(section).toContain('| 100000 | warm | 4.5 s | 4 s | 1.5 s loaded |');
    expect(targetRows({ ready: f }).find((r) => r[0]!.startsWith('ready'))![1]).toContain('100k: 4.5 s');
    expect(renderReport({ ready: f })).toContain('## Ready time');
  });
});
