// Where a busy server's CPU goes: N cameras play the cameras suite's entering and two-face scenes (bench/cameras.ts)
// into a server started with `node --cpu-prof`, and the profiles of the main thread and every inference thread are
// summarised by self time, per function and per kind of work. This is the profile behind issue 20's "CPU a frame".
// Usage: npx tsx bench/profile-cameras.ts [--cameras 6] [--seconds 20] [--dir /tmp/facestream-prof] [--top 25]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connectCamera } from './lib/camera.js';
import { buildEnteringScenes, rotate } from './lib/camera-scenes.js';
import { startBenchServer } from './lib/suite.js';
import { CAMERA_FPS } from './live.js';
import { sceneOfCamera } from './cameras.js';

const { values } = parseArgs({
  options: {
    cameras: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '20' },
    dir: { type: 'string', default: '/tmp/facestream-prof' },
    top: { type: 'string', default: '25' },
  },
});
const n = Number(values.cameras);
const dir = path.resolve(values.dir!);
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir, { recursive: true });

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A kind of work, from the script a function belongs to: what a reader of the profile needs to decide a lever. */
function kindOf(url: string, fn: string): string {
  if (fn === '(idle)' || fn === '(program)' || fn === '(garbage collector)') return fn;
  if (/onnxruntime/.test(url)) return 'onnxruntime';
  if (/tfjs-backend-wasm|wasm:\/\//.test(url)) return 'tfjs wasm';
  if (/tfjs/.test(url)) return 'tfjs (js)';
  if (/sharp/.test(url)) return 'sharp';
  if (/faiss/.test(url)) return 'faiss';
  if (/node_modules\/ws\//.test(url)) return 'ws';
  if (/^node:/.test(url)) return 'node core';
  if (url === '') return fn.startsWith('(') ? fn : 'native';
  if (/node_modules/.test(url)) return url.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1');
  return 'facestream';
}

function summarise(file: string, top: number) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((nd) => [nd.id, nd]));
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const totalUs = p.endTime - p.startTime;
  const fns = new Map<string, number>();
  const kinds = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.replace(/.*\/(node_modules|dist|src)\//, '$1/')}:${lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const k = kindOf(url, functionName);
    kinds.set(k, (kinds.get(k) ?? 0) + us);
  }
  const busyUs = totalUs - (kinds.get('(idle)') ?? 0);
  const pct = (us: number) => `${((100 * us) / totalUs).toFixed(1)}%`;
  console.log(`\n## ${path.basename(file)}: ${(totalUs / 1e6).toFixed(1)} s profiled, busy ${pct(busyUs)} of it`);
  for (const [k, us] of [...kinds].sort((a, b) => b[1] - a[1])) if (k !== '(idle)') console.log(`  ${pct(us).padStart(6)}  ${k}`);
  console.log('  top functions by self time:');
  for (const [f, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) if (!f.startsWith('(idle)')) console.log(`  ${pct(us).padStart(6)}  ${f}`);
}

const server = await startBenchServer({}, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
try {
  const { entering, twoFace } = await buildEnteringScenes();
  const cams = await Promise.all(Array.from({ length: n }, (_, i) => connectCamera(server.url, `prof-${i}`)));
  const cpu0 = server.cpuSeconds();
  const t0 = performance.now();
  const runs = await Promise.all(
    cams.map((c, i) => {
      const { kind, offsetShare } = sceneOfCamera(i, n);
      const scene = kind === 'entering' ? entering : twoFace;
      const offset = Math.round(offsetShare * scene.steps.length);
      return c.stream({ frames: rotate(scene.jpegs, offset), fps: CAMERA_FPS, durationMs: Number(values.seconds) * 1000 });
    }),
  );
  const wallS = (performance.now() - t0) / 1000;
  const frames = runs.reduce((s, r) => s + r.answers.length, 0);
  const cpu = server.cpuSeconds() - cpu0;
  cams.forEach((c) => c.close());
  console.log(
    `${n} cameras, ${values.seconds} s: ${frames} frames answered (${(frames / wallS).toFixed(1)} fps in all), server CPU ${((100 * cpu) / wallS).toFixed(0)}%, ${((1000 * cpu) / frames).toFixed(1)} ms a frame`,
  );
} finally {
  await server.stop();
}
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) summarise(path.join(dir, f), Number(values.top));
