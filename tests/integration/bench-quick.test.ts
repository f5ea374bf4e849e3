// `npm run bench -- --quick` on the live and cameras suites: it starts a real server with default settings, streams one
// camera, then 1 and 2 cameras on the steady scene and on the scenes with faces entering (issue 20), and writes results
// files of the shape BENCHMARKS.md is generated from (~1 minute on a quiet 2-core machine).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npm run bench -- --quick --only live,cameras', () => {
  it('writes live.json and cameras.json with the machine, the default settings and the figures, and a report from them', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-quick-'));
    try {
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'bench/run.ts', '--only', 'live,cameras', '--quick', '--out', out, '--report', path.join(out, 'BENCHMARKS.md')],
        {
          encoding: 'utf8',
          timeout: 400_000,
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

      const cams = JSON.parse(fs.readFileSync(path.join(out, 'cameras.json'), 'utf8'));
      expect(cams).toMatchObject({ suite: 'cameras', settings: { INFERENCE_WORKERS: 2, levels: [1, 2], detectedP95LimitMs: 150 } });
      expect(Object.keys(cams.settings.scenes)).toEqual(['steady', 'entering', 'two-face']);
      const { steady, scenes } = cams.results;
      expect(steady.levels.map((l: { cameras: number }) => l.cameras)).toEqual([1, 2]);
      expect(scenes.levels.map((l: { scenes: string[] }) => l.scenes)).toEqual([['entering'], ['entering', 'two-face']]);
      for (const l of [...steady.levels, ...scenes.levels]) {
        expect(l.fpsEach).toHaveLength(l.cameras);
        expect(l.fpsEach.every((x: number) => x > 0)).toBe(true);
        expect(l.roundTripMs.p95).toBeGreaterThan(0);
        expect(l.serverCpuShare).toBeGreaterThan(0);
        expect(typeof l.holds).toBe('boolean');
      }
      // The steady scene is measured once the faces are named (or after the longest warm-up, which says how many were).
      for (const l of steady.levels) expect(l.namedBeforeMeasuring).toBeLessThanOrEqual(l.cameras);
      expect(steady.levels[0].warmupMs).toBeGreaterThan(0);
      // The detected frames are some of the answered ones (how many depends on DETECT_INTERVAL_MS and the machine's pace).
      for (const l of [...steady.levels, ...scenes.levels]) expect(l.roundTripDetectedMs.n).toBeLessThanOrEqual(l.roundTripMs.n);
      // Scenes: the first person of each clip walks in within 10 s, and is named on the right face, never another's.
      const [one, two] = scenes.levels;
      expect(one.timeToNameMs.entering.entries).toBeGreaterThan(0);
      expect(two.timeToNameMs['two-face'].entries).toBeGreaterThan(0);
      expect(one.names.named + two.names.named).toBeGreaterThan(0);
      expect(one.names.wrongName + two.names.wrongName).toBe(0);
      expect(md).toContain(
        'issue 20: the camera scenes include entering faces and two-face scenes, and the steady scene | steady, entering, two-face | **met** |',
      );
      expect(md).toContain('**Faces entering and leaving**');
      expect(md).toContain('**Steady scene**');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 410_000);
});
