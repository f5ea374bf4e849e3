// Soak (issue 19): a server with default settings (PGlite, its own process, as `npm start` runs it) for --minutes while
// one camera streams a real photo clip at 15 fps and hostile clients do what they can: malformed and oversized frames,
// unknown and broken messages, connect/disconnect churn, slow readers that never read, and bad REST calls. Every 10 s
// it samples the server's RSS (/proc) and main-thread V8 heap (inspector), the load average, and what the camera got.
// It states the RSS slope (MB/min, least squares) over the last 40 minutes (or the last two thirds of a shorter run),
// whether the camera kept being answered, and diffs two heap snapshots (minute 18 and the end, or near a third and the end
// of a shorter run; 2 minutes before the fitted stretch) by constructor, so what grows is named. Samples go to --samples as they are taken (JSON lines).
// Usage: npm run bench -- --only soak [--soak-minutes 60]
//        npx tsx bench/soak.ts [--minutes 60] [--out bench/results/soak.json] [--samples FILE] [--snapshots DIR]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, encodeFrame } from '../src/shared/protocol.js';
import { connectCamera, type CameraRun } from './lib/camera.js';
import { sceneFrames } from './lib/frames.js';
import { diffSnapshots, summariseSnapshot } from './lib/heap-diff.js';
import { connectInspector, inspectorUrl } from './lib/inspector.js';
import { describeMachine } from './lib/machine.js';
import { LIVE_SCENE } from './lib/people.js';
import { round, spread } from './lib/stats.js';
import { serverSettings, startBenchServer } from './lib/suite.js';
import { CAMERA_FPS } from './live.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    out: { type: 'string', default: 'bench/results/soak.json' },
    samples: { type: 'string' },
    snapshots: { type: 'string' },
  },
});
const MINUTES = Number(values.minutes);
if (!(MINUTES >= 3)) throw new Error('--minutes: at least 3');
const SAMPLE_MS = 10_000;
/** The slope is fitted over this last stretch: 40 minutes of 60, two thirds of a shorter run. */
const FIT_MINUTES = MINUTES >= 60 ? 40 : (MINUTES * 2) / 3;
/**
 * The first snapshot is taken 2 minutes before the fitted stretch starts: taking one raises the server's RSS by a
 * step (~110 MB in the first hour-long run, at minute 20, V8's own snapshot buffers), which inside the stretch would
 * read as growth.
 */
const SNAPSHOT_AT_MIN = Math.max(1, MINUTES - FIT_MINUTES - 2);
/** Below this the RSS is called flat: 0.1 MB/min is 6 MB an hour, within what a GC cycle moves. */
const FLAT_MB_PER_MIN = 0.1;
const log = (msg: string) => process.stderr.write(`[soak] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const snapDir = values.snapshots ?? fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-soak-heap-'));
fs.mkdirSync(snapDir, { recursive: true });
const samplesFile = values.samples ?? path.join(snapDir, 'samples.jsonl');

const server = await startBenchServer({}, ['--inspect=127.0.0.1:0']);
const inspector = await connectInspector(inspectorUrl(server.log()));
const wsUrl = `${server.url.replace(/^http/, 'ws')}/ws`;
const started = Date.now();
const endAt = started + MINUTES * 60_000;
const running = () => Date.now() < endAt;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
log(`server ${server.url} pid ${server.pid}, ${MINUTES} min, samples in ${samplesFile}`);

// --- the camera: 10-second stretches on one socket, each summarised, so an hour keeps no per-frame array.
const frames = (await sceneFrames(LIVE_SCENE.photo, LIVE_SCENE.faces, 30)).map((f) => f.jpeg);
const camera = await connectCamera(server.url, 'soak');
const stretch = { sent: 0, ticks: 0, answered: 0, named: 0, errors: 0, rtt: [] as number[] };
let cameraTotals = { ticks: 0, sent: 0, answered: 0, named: 0, errors: 0 };
const cameraLoop = (async () => {
  while (running()) {
    const run: CameraRun = await camera.stream({ frames, fps: CAMERA_FPS, durationMs: Math.min(SAMPLE_MS, endAt - Date.now()) });
    const named = run.answers.filter((a) => a.overlay.tracks.some((t) => t.name === LIVE_SCENE.faces[0]!.name)).length;
    const errors = Object.values(run.errors).reduce((a, b) => a + b, 0);
    stretch.ticks += run.ticks;
    stretch.sent += run.sent;
    stretch.answered += run.answers.length;
    stretch.named += named;
    stretch.errors += errors;
    stretch.rtt.push(...run.answers.map((a) => a.rttMs));
    cameraTotals = {
      ticks: cameraTotals.ticks + run.ticks,
      sent: cameraTotals.sent + run.sent,
      answered: cameraTotals.answered + run.answers.length,
      named: cameraTotals.named + named,
      errors: cameraTotals.errors + errors,
    };
  }
})();

// --- hostile traffic, each kind its own loop, counted.
const hostile = { churnConnections: 0, junkMessages: 0, oversizedFrames: 0, slowReaderConnections: 0, slowReaderPings: 0, rest: {} as Record<string, number> };
const open = (): Promise<WebSocket | null> =>
  new Promise((resolve) => {
    const ws = new WebSocket(wsUrl);
    ws.on('error', () => resolve(null));
    ws.once('open', () => resolve(ws));
  });
const jpeg = frames[0]!;
const junk: (string | Uint8Array)[] = [
  JSON.stringify({ type: 'x'.repeat(50_000) }), // unknown type, long
  JSON.stringify({ type: 'subscribe', topic: 'all' }), // unknown message
  '{"type":"enrol.start"', // truncated JSON
  JSON.stringify({ type: 'hello', protocol: 1, camera: 'a\u0000' }), // a second, bad hello
  JSON.stringify({ type: 'enrol.start', name: '\u200b'.repeat(500), samples: -1 }),
  JSON.stringify({ type: 'ping', t: 'soon' }),
  new Uint8Array([1, 2, 3]), // a binary message too short for a frame header
  encodeFrame({ seq: 1, captureTime: 1 }, new Uint8Array([0xff, 0xd8, 1, 2, 3, 4])), // a JPEG that is not one
  encodeFrame({ seq: 2, captureTime: -1 }, jpeg.subarray(0, jpeg.length >> 1)), // half a JPEG
  encodeFrame({ seq: 2 ** 40, captureTime: Number.MAX_SAFE_INTEGER }, jpeg),
];
const churn = async () => {
  while (running()) {
    const ws = await open();
    if (ws) {
      hostile.churnConnections++;
      if (hostile.churnConnections % 2) ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, camera: `churn-${hostile.churnConnections}` }));
      for (let i = 0; i < 20; i++) {
        ws.send(junk[(hostile.churnConnections + i) % junk.length]!);
        hostile.junkMessages++;
      }
      await sleep(500);
      // Half vanish without a close frame, half close properly.
      if (hostile.churnConnections % 2) ws.terminate();
      else ws.close();
    }
    await sleep(500);
  }
};
const oversized = async () => {
  const big = new Uint8Array(3 * 1024 * 1024); // above MAX_MESSAGE_BYTES (2 MiB): the server closes with 1009
  while (running()) {
    const ws = await open();
    if (ws) {
      ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, camera: 'oversized' }));
      ws.send(big);
      hostile.oversizedFrames++;
      await Promise.race([new Promise((r) => ws.once('close', r)), sleep(5000)]);
      ws.terminate();
    }
    await sleep(10_000);
  }
};
// A slow reader never reads what the server sends (its socket is paused) and keeps asking for pongs; it is replaced
// every 5 minutes or when the server drops it.
const slowReader = async (n: number) => {
  while (running()) {
    const ws = await open();
    if (!ws) {
      await sleep(1000);
      continue;
    }
    hostile.slowReaderConnections++;
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, camera: `slow-${n}` }));
    (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    let closed = false;
    ws.once('close', () => (closed = true));
    const until = Math.min(endAt, Date.now() + 5 * 60_000);
    while (!closed && Date.now() < until) {
      ws.send(JSON.stringify({ type: 'ping', t: Date.now() }));
      hostile.slowReaderPings++;
      await sleep(100);
    }
    ws.terminate();
  }
};
const badRest = async () => {
  const calls: [string, RequestInit][] = [
    ['/api/v1/people', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' }],
    ['/api/v1/people', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x'.repeat(10_000) }) }],
    ['/api/v1/people/not-a-uuid', { method: 'DELETE' }],
    ['/api/v1/people?limit=-5&cursor=%ff', { method: 'GET' }],
    ['/api/v1/nowhere', { method: 'GET' }],
    ['/api/v1/identify', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array([0xff, 0xd8, 0, 1, 2]) }],
    ['/api/v1/identify', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(11 * 1024 * 1024) }], // > MAX_UPLOAD_BYTES
    ['/api/v1/people/00000000-0000-0000-0000-000000000000/merge', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' }],
    ['/api/v1/jobs/%2e%2e%2fetc', { method: 'GET' }],
  ];
  for (let i = 0; running(); i++) {
    const [p, init] = calls[i % calls.length]!;
    const status = await fetch(`${server.url}${p}`, { ...init, signal: AbortSignal.timeout(30_000) }).then(
      async (r) => (await r.arrayBuffer(), String(r.status)),
      (err: Error) => err.name,
    );
    hostile.rest[status] = (hostile.rest[status] ?? 0) + 1;
    await sleep(2000);
  }
};

// --- the sampler: one JSON line every 10 s.
interface Sample {
  min: number;
  rssMiB: number;
  heapUsedMiB: number | null;
  heapTotalMiB: number | null;
  load1: number;
  camera: { ticks: number; answered: number; named: number; errors: number; rtt: ReturnType<typeof spread> };
  serverAlive: boolean;
}
const samples: Sample[] = [];
fs.writeFileSync(samplesFile, '');
const snapshots: { atMin: number; file: string; bytes: number; ms: number }[] = [];
const snapshot = async (name: string) => {
  const file = path.join(snapDir, `${name}.heapsnapshot`);
  const t0 = performance.now();
  const bytes = await inspector.snapshot(file);
  snapshots.push({ atMin: round((Date.now() - started) / 60_000, 2)!, file, bytes, ms: Math.round(performance.now() - t0) });
  log(`heap snapshot ${file}: ${Math.round(bytes / 2 ** 20)} MiB in ${snapshots.at(-1)!.ms} ms`);
};
const sampler = (async () => {
  let firstSnapshot = false;
  while (running()) {
    await sleep(Math.min(SAMPLE_MS, endAt - Date.now()));
    const heap = await inspector.heapUsage().catch(() => null);
    const rss = server.rssMiB();
    const s: Sample = {
      min: round((Date.now() - started) / 60_000, 3)!,
      rssMiB: rss,
      heapUsedMiB: heap ? round(heap.usedSize / 2 ** 20, 1) : null,
      heapTotalMiB: heap ? round(heap.totalSize / 2 ** 20, 1) : null,
      load1: os.loadavg()[0]!,
      camera: { ticks: stretch.ticks, answered: stretch.answered, named: stretch.named, errors: stretch.errors, rtt: spread(stretch.rtt) },
      serverAlive: Number.isFinite(rss),
    };
    Object.assign(stretch, { sent: 0, ticks: 0, answered: 0, named: 0, errors: 0, rtt: [] });
    samples.push(s);
    fs.appendFileSync(samplesFile, JSON.stringify(s) + '\n');
    if (samples.length % 6 === 0)
      log(`min ${s.min.toFixed(1)} rss ${s.rssMiB} MiB heap ${s.heapUsedMiB} MiB camera ${s.camera.answered}/${s.camera.ticks} load ${s.load1}`);
    if (!firstSnapshot && s.min >= SNAPSHOT_AT_MIN) {
      firstSnapshot = true;
      await snapshot('early');
    }
  }
})();

await Promise.all([cameraLoop, churn(), oversized(), slowReader(1), slowReader(2), slowReader(3), badRest(), sampler]);
await snapshot('end');
camera.close();
const rssAtEnd = server.rssMiB();
inspector.close();
await server.stop();

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const num = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0);
  const den = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return den > 0 ? num / den : NaN;
}
const fit = samples.filter((s) => s.min >= MINUTES - FIT_MINUTES);
const rssSlope = slope(
  fit.map((s) => s.min),
  fit.map((s) => s.rssMiB * 1.048576), // MiB to MB
);
const heapFit = fit.filter((s) => s.heapUsedMiB !== null);
const heapSlope = slope(
  heapFit.map((s) => s.min),
  heapFit.map((s) => s.heapUsedMiB! * 1.048576),
);
const silentStretches = samples.filter((s) => s.camera.ticks > 0 && s.camera.answered === 0).length;
const heapDiff = snapshots.length === 2 ? diffSnapshots(summariseSnapshot(snapshots[0]!.file), summariseSnapshot(snapshots[1]!.file)) : null;
const loads = samples.map((s) => s.load1);
const out = {
  suite: 'soak',
  date: new Date(started).toISOString(),
  durationS: Math.round((Date.now() - started) / 1000),
  settings: {
    ...serverSettings(server),
    minutes: MINUTES,
    sampleEveryS: SAMPLE_MS / 1000,
    fitLastMinutes: FIT_MINUTES,
    flatBelowMbPerMin: FLAT_MB_PER_MIN,
    cameraFps: CAMERA_FPS,
    clip: LIVE_SCENE.photo,
    inspector: 'the server runs with --inspect=127.0.0.1:0 for the heap figures and snapshots',
  },
  machine: {
    ...describeMachine(server.backend),
    load: {
      min: round(Math.min(...loads), 2),
      mean: round(loads.reduce((a, b) => a + b, 0) / loads.length, 2),
      max: round(Math.max(...loads), 2),
      samples: loads.length,
    },
  },
  results: {
    rssSlopeMbPerMin: round(rssSlope, 3),
    heapSlopeMbPerMin: round(heapSlope, 3),
    flat: Math.abs(rssSlope) < FLAT_MB_PER_MIN,
    rssMiB: { first: samples[0]?.rssMiB, fitStart: fit[0]?.rssMiB, end: rssAtEnd, max: Math.max(...samples.map((s) => s.rssMiB)) },
    camera: {
      ...cameraTotals,
      answeredShare: round(cameraTotals.answered / Math.max(1, cameraTotals.ticks), 4),
      namedShare: round(cameraTotals.named / Math.max(1, cameraTotals.answered), 4),
      stretchesWithNoAnswer: silentStretches,
      keptAnswering: silentStretches === 0 && samples.every((s) => s.serverAlive),
      rttFirstStretchMs: samples[0]?.camera.rtt,
      rttLastStretchMs: samples.at(-1)?.camera.rtt,
    },
    hostile,
    heapSnapshots: snapshots.map(({ file: _f, ...s }) => s),
    heapDiff,
    loadSamples: loads.map((l) => round(l, 2)),
    samples,
  },
};
fs.mkdirSync(path.dirname(values.out!), { recursive: true });
fs.writeFileSync(values.out!, JSON.stringify(out, null, 2) + '\n');
log(
  `RSS slope over the last ${FIT_MINUTES} min: ${out.results.rssSlopeMbPerMin} MB/min; camera answered ${out.results.camera.answeredShare}; wrote ${values.out}`,
);
for (const s of snapshots) fs.rmSync(s.file, { force: true });
process.exit(0);
