// BENCHMARKS.md's presentation-attack section and target row, from bench/results/liveness.json (bench/liveness.ts).
import type { Any } from './report-sections.js';

const fmt = (x: unknown, unit = '', digits = 1) => (typeof x === 'number' && Number.isFinite(x) ? `${+x.toFixed(digits)}${unit}` : 'n/a');
const pctOf = (x: unknown) => (typeof x === 'number' ? `${+(100 * x).toFixed(1)}%` : 'n/a');
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** Mean over a side's rounds of one figure. */
const avg = (runs: Any[] | undefined, pick: (r: Any) => unknown) => mean((runs ?? []).map(pick).filter((x): x is number => typeof x === 'number'));

/** The issue-17 target: the camera keeps its frame rate with the stage on (the CPU a face is in docs/accuracy.md). */
export function livenessTargetRow(f: Any): string[] {
  const target = 'presentation-attack stage on: the camera keeps 15 fps (CPU a frame with and without)';
  const w = f?.results?.with as Any[] | undefined;
  const wo = f?.results?.without as Any[] | undefined;
  if (!w?.length || !wo?.length) return [target, 'n/a', 'not measured'];
  const holds = w.every((r) => r.holds15fps);
  return [
    target,
    `${fmt(
      avg(w, (r) => r.fps),
      ' fps',
      2,
    )} with, ${fmt(
      avg(wo, (r) => r.fps),
      ' fps',
      2,
    )} without; ${fmt(
      avg(w, (r) => r.serverCpuMsPerFrame),
      ' ms',
    )} against ${fmt(
      avg(wo, (r) => r.serverCpuMsPerFrame),
      ' ms',
    )} CPU a frame`,
    // A machine too loaded to hold 15 fps without the stage cannot tell whether the stage costs the frame rate.
    holds ? '**met**' : wo.some((r) => r.holds15fps) ? '**not met**' : '**not met** (nor without the stage: the machine was too loaded to tell)',
  ];
}

export function livenessSection(f: Any): string {
  const title = '## Presentation-attack stage: `npm run bench -- --only liveness` (bench/liveness.ts)';
  if (f.skipped) return [title, '', `Skipped: ${f.skipped}`].join('\n');
  const sides: [string, Any[]][] = [
    ['without the stage', f.results.without ?? []],
    ['with the stage (camera policy: require liveness)', f.results.with ?? []],
  ];
  const row = (label: string, pick: (r: Any) => string) => [label, ...sides.map(([, runs]) => runs.map(pick).join(' · '))];
  return [
    title,
    '',
    `One camera at ${f.settings.cameraFps} fps (the live suite's scene: ${f.settings.frame} of one enrolled face), ${f.settings.seconds} s a run, on one server;`,
    'the same frames on a camera without the presentation-attack stage and on one whose policy requires liveness',
    `(${f.settings.policy}), alternated, ${f.settings.rounds} round(s) each (one figure per round). The stage runs MiniFASNet V2 + V1SE on the`,
    'faces about to vote (new tracks until they are found live, then the periodic re-checks), so a named face costs it',
    'little; its cost per checked face is measured in docs/accuracy.md ("Presentation attacks", Cost).',
    '',
    table(
      ['measure', ...sides.map(([label]) => label)],
      [
        row('frames answered per second', (r) => fmt(r.fps, ' fps', 2)),
        row('holds 15 fps', (r) => (r.holds15fps ? 'yes' : 'no')),
        row('server CPU time a frame', (r) => fmt(r.serverCpuMsPerFrame, ' ms')),
        row('server CPU (share of one core)', (r) => pctOf(r.serverCpuShare)),
        row('round trip p50 / p95', (r) => `${fmt(r.roundTripMs?.p50)} / ${fmt(r.roundTripMs?.p95)} ms`),
        row('frames embedded', (r) => pctOf(r.stages?.framesEmbeddedShare)),
        row("time from a new camera's first frame to its name, p50 / max", (r) => `${fmt(r.timeToNameMs?.p50)} / ${fmt(r.timeToNameMs?.max)} ms`),
        row('frames that carried the name', (r) => pctOf(r.namedShare)),
        row('frames with the face found live / refused', (r) => `${pctOf(r.liveOkShare)} / ${pctOf(r.refusedShare)}`),
      ],
    ),
  ].join('\n');
}
