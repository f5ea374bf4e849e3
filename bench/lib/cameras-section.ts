// BENCHMARKS.md's several-cameras section and its target rows (issues 12 and 20), from bench/results/cameras.json
// (bench/cameras.ts). Pure functions of the results file; a file of the older shape (one steady scene, `levels` at the
// top) is read as the steady scene.
import { limitNote, type Any } from './report-sections.js';

const fmt = (x: unknown, unit = '', digits = 1) => (typeof x === 'number' && Number.isFinite(x) ? `${+x.toFixed(digits)}${unit}` : 'n/a');
const pctOf = (x: unknown) => (typeof x === 'number' ? `${+(100 * x).toFixed(1)}%` : 'n/a');
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const ms = (s: Any) => `${fmt(s?.p50)} / ${fmt(s?.p95)} ms`;
const verdict = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? '**met**' : '**not met**');

interface Scene {
  levels: Any[];
  mostCamerasHeld: number | null;
}

/** The steady scene's levels and the entering-faces scenes' (null when the file predates them). */
export function cameraScenes(f: Any): { steady: Scene | null; scenes: Scene | null } {
  const r = f?.results;
  if (!r) return { steady: null, scenes: null };
  if (Array.isArray(r.levels)) return { steady: { levels: r.levels, mostCamerasHeld: r.maxCamerasAt15fps ?? null }, scenes: null };
  return { steady: r.steady ?? null, scenes: r.scenes ?? null };
}

/** A time-to-name spread: p50 / p95, and how many entries left the view unnamed (which count as never). */
export function nameTime(s: Any): string {
  if (!s || s.entries === 0) return 'n/a';
  const p = (x: number | null) => (x === null ? 'never' : `${fmt(x, '', 0)}`);
  return `${p(s.p50)} / ${p(s.p95)} ms (${s.entries - s.notNamed} of ${s.entries} named)`;
}

const cpu = (l: Any, cpus: number | undefined) => `${pctOf(l.serverCpuShare)}${cpus ? ` of ${cpus * 100}%` : ''}`;

/** Issue 12's rows (four cameras, on the steady scene it measured) and issue 20's (entering faces, 6 cameras). */
export function camerasTargetRows(f: Any): string[][] {
  const { steady, scenes } = cameraScenes(f);
  const target = f?.targets ?? {};
  const limit = f?.settings?.detectedP95LimitMs ?? 150;
  const holdsFps = f?.settings?.holdsFps ?? 14.25;
  const four = steady?.levels.find((l) => l.cameras === 4);
  const six = scenes?.levels.find((l) => l.cameras === 6);
  const one = scenes?.levels.find((l) => l.cameras === 1);
  const cpus = f?.machine?.cpus;
  const most = (s: Scene | null) => (s?.mostCamerasHeld ?? 'n/a').toString();
  const nameRow = (label: string, l: Any, max: number): string[] => {
    const all = l?.timeToNameMs?.all;
    return [label, l ? nameTime(all) : 'n/a', verdict(l && all?.entries ? all.p95 !== null && all.p95 <= max : null)];
  };
  return [
    [
      'four cameras at 15 fps: p95 <= 150 ms, dropped share stated (steady scene)',
      four ? `p95 ${fmt(four.roundTripMs.p95, ' ms')}, ${fmt(100 * four.droppedShare, '%')} dropped, ${fmt(four.minFps, ' fps', 2)} the slowest camera` : 'n/a',
      verdict(four ? four.roundTripMs.p95 <= (target.roundTripP95Ms ?? 150) : null),
    ],
    [
      `most cameras that hold 15 fps (reported): >= ${holdsFps} fps each, every camera's detected-frame p95 <= ${limit} ms`,
      f ? `${scenes ? `${most(scenes)} with faces entering and two-face cameras; ` : ''}${most(steady)} on the steady scene` : 'n/a',
      f ? 'reported' : 'not measured',
    ],
    [
      `issue 20: 6 cameras each hold >= ${holdsFps} fps with detected-frame round trip p95 <= ${limit} ms (faces entering, two-face cameras)`,
      six
        ? `slowest camera ${fmt(six.minFps, ' fps', 2)}, worst camera's detected p95 ${fmt(six.worstCameraDetectedP95Ms, ' ms')}; server CPU ${cpu(six, cpus)}`
        : 'n/a',
      verdict(six ? six.holds : null),
    ],
    nameRow('issue 20: a new face named within 300 ms of fully in view (p95), one camera (entering scene)', one, 300),
    nameRow('issue 20: a new face named within 500 ms of fully in view (p95), 6 cameras (entering and two-face scenes)', six, 500),
    [
      'issue 20: the camera scenes include entering faces and two-face scenes, and the steady scene',
      scenes ? Object.keys(f.settings?.scenes ?? {}).join(', ') : steady ? 'steady only' : 'n/a',
      verdict(f ? ['steady', 'entering', 'two-face'].every((k) => k in (f.settings?.scenes ?? {})) && scenes !== null : null),
    ],
  ];
}

function levelRows(levels: Any[], cpus: number | undefined): string[][] {
  return levels.map((l) => [
    String(l.cameras),
    l.sessionsPerWorker ? l.sessionsPerWorker.join(' + ') : 'n/a',
    l.fpsEach.map((x: number) => fmt(x, '', 1)).join(', '),
    ms(l.roundTripMs),
    ms(l.roundTripDetectedMs),
    `${fmt(l.worstCameraP95Ms)} / ${fmt(l.worstCameraDetectedP95Ms)} ms`,
    fmt(l.stages?.queueMs?.p95, ' ms'),
    pctOf(l.droppedShare),
    cpu(l, cpus),
    fmt(l.serverCpuMsPerFrame, ' ms'),
    (l.holds ?? l.holds15fps) ? 'yes' : 'no',
  ]);
}

const HEAD = [
  'cameras',
  'cameras per worker',
  'fps each',
  'round trip p50 / p95, all frames',
  'detected frames p50 / p95',
  "worst camera's p95, all / detected",
  'queue p95',
  'not processed',
  'server CPU',
  'CPU a frame',
  'holds',
];

export function camerasSection(f: Any): string {
  const title = '## Several cameras: `npm run bench -- --only cameras` (bench/cameras.ts)';
  if (f.skipped) return `${title}\n\nSkipped: ${f.skipped}`;
  const { steady, scenes } = cameraScenes(f);
  const s = f.settings ?? {};
  const cpus = f.machine?.cpus;
  const limit = s.detectedP95LimitMs ?? 150;
  const out = [
    title,
    '',
    `Cameras streaming 640x480 JPEGs at ${s.cameraFps ?? 15} fps each, all at once, into one server with default settings (${s.INFERENCE_WORKERS ?? '?'} inference workers, \`DETECT_INTERVAL_MS\` default),`,
    `each with at most ${s.MAX_FRAMES_IN_FLIGHT ?? '?'} frames unanswered like the browser client. A camera holds when ${s.holdsFps ?? 14.25} or more of its frames a second are answered`,
    `and the round trip of its frames that ran detection (the overlay is not \`predicted\`) has p95 <= ${limit} ms. "Not processed": camera frames with no overlay of their own`,
    `(no free slot at the camera, or skipped by the server for a newer frame). Server CPU is CPU seconds a second (100% = one core of ${cpus ?? '?'}); "CPU a frame" changes little with the load.`,
    '',
  ];
  if (scenes) {
    const sc = s.scenes ?? {};
    out.push(
      `**Faces entering and leaving** (${s.scenesSeconds} s a level; ${s.cameraScenes ?? ''}). Entering: ${sc.entering}. Two-face: ${sc['two-face']}.`,
      '',
      table(HEAD, levelRows(scenes.levels, cpus)),
      '',
      'Time from a face first fully in view (the camera tick that captured that frame) to the first answer with its name on its face, p50 / p95;',
      'a face that left the view unnamed counts as never. Names: face-frames answered with the right name on the face, names on someone else, named boxes on no one.',
      '',
      table(
        ['cameras', 'entering: time to name', 'two-face: time to name', 'all entries', 'names right', 'wrong names', 'named boxes on no one'],
        scenes.levels.map((l) => [
          String(l.cameras),
          nameTime(l.timeToNameMs?.entering),
          nameTime(l.timeToNameMs?.['two-face']),
          nameTime(l.timeToNameMs?.all),
          l.names ? `${l.names.named} of ${l.names.faceFrames} (${pctOf(l.names.faceFrames ? l.names.named / l.names.faceFrames : null)})` : 'n/a',
          String(l.names?.wrongName ?? 'n/a'),
          String(l.names?.namedNoFace ?? 'n/a'),
        ]),
      ),
      '',
      `Most cameras that hold with faces entering: **${scenes.mostCamerasHeld}**.`,
      '',
    );
  }
  if (steady) {
    out.push(
      `**Steady scene** (${s.steadySeconds ?? s.seconds} s a level): ${s.scenes?.steady ?? 'one enrolled face, its track named before measuring'}.`,
      '',
      table(HEAD, levelRows(steady.levels, cpus)),
      '',
      ...(steady.levels.some((l) => l.warmupMs !== undefined)
        ? [
            `Faces named before measuring (the cameras stream until each one's face is named): ${steady.levels
              .map((l) => `${l.cameras} cameras ${l.namedBeforeMeasuring} of ${l.cameras} after ${fmt(l.warmupMs / 1000, ' s')}`)
              .join('; ')}.`,
            '',
          ]
        : []),
      `Most cameras that hold on the steady scene: **${steady.mostCamerasHeld}**.`,
    );
  }
  // A level that misses: where its time goes, from the stage times of the largest level measured.
  const worst = (scenes ?? steady)?.levels.at(-1);
  if (worst && !(worst.holds ?? worst.holds15fps))
    out.push(
      '',
      `${worst.cameras} cameras${scenes ? ' with faces entering' : ''}: ${limitNote(worst.stages, worst.roundTripMs.p50)} Detected frames: round trip p95 ${fmt(worst.roundTripDetectedMs?.p95 ?? worst.stages?.roundTripDetectedMs?.p95, ' ms')}, queue p95 ${fmt(worst.stages?.queueMs?.p95, ' ms')}, detect p95 ${fmt(worst.stages?.detectMs?.p95, ' ms')}, embed p95 ${fmt(worst.stages?.embedWhenRunMs?.p95, ' ms')} on the ${pctOf(worst.stages?.framesEmbeddedShare)} of frames that embed. Server CPU ${cpu(worst, cpus)}.`,
    );
  return out.join('\n').trimEnd();
}
