// `npm run bench -- --quick` on the cheapest server suite: it starts a real server with default settings, streams one
// camera, and writes a results file of the shape BENCHMARKS.md is generated from (~20 s on a quiet 2-core machine).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npm run bench -- --quick --only live', () => {
  it('writes live.json with the machine, the default settings and the figures, and a report from it', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-quick-'));
    try {
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'bench/run.ts', '--only', 'live', '--quick', '--out', out, '--report', path.join(out, 'BENCHMARKS.md')],
        {
          encoding: 'utf8',
          timeout: 170_000,
        },
      );
      expect(run.status, run.stderr).toBe(0);
      const file = JSON.parse(fs.readFileSync(path.join(out, 'live.json'), 'utf8'));
      expect(file).toMatchObject({
        suite: 'live',
        machine: { cpus: os.cpus().length, node: process.version, backend: expect.stringMatching(/wasm|tensorflow/) },
      });
      expect(new Date(file.date).getTime()).toBeGreaterThan(Date.now() - 200_000);
      expect(file.machine.load.samples).toBeGreaterThan(0);
      // The figures come from the defaults, not from a tuned in-process server.
      expect(file.settings).toMatchObject({ INFERENCE_WORKERS: 2, MAX_FRAMES_IN_FLIGHT: 2, cameraFps: 15 });
      expect(Object.keys(file.settings.overrides).sort()).toEqual(['DATA_DIR', 'LOG_LEVEL', 'PORT']);
      const r = file.results;
      expect(r.answered).toBeGreaterThan(0);
      expect(r.fps).toBeGreaterThan(0);
      expect(r.ticks).toBeGreaterThanOrEqual(r.answered);
      expect(r.roundTripMs.p50).toBeGreaterThan(0);
      expect(r.roundTripMs.p95).toBeGreaterThanOrEqual(r.roundTripMs.p50);
      expect(r.namedShare).toBeGreaterThan(0); // the enrolled face was named
      expect(r.timeToNameMs.n).toBe(2);
      expect(r.serverRssMiB).toBeGreaterThan(100);
      const md = fs.readFileSync(path.join(out, 'BENCHMARKS.md'), 'utf8');
      expect(md).toContain(`| one camera: round trip p50 <= 50 ms | ${r.roundTripMs.p50} ms |`);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);
});
