// Soak: one camera streams an enrolled face for --minutes while hostile clients connect, send garbage and vanish every
// second. Reports resident memory growth (MB/min, least squares over samples after a warm-up minute), frames
// answered vs sent, latency early vs late, and the hostile traffic count. Default settings; a server in-process.
// usage: npx tsx scripts/soak.ts [--minutes 10]      last line of output is JSON
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { parseConfig } from '../src/server/load-config.js';
import { silentLogger } from '../src/server/log.js';
import { startServer } from '../src/server/server.js';
import { encodeFrame, PROTOCOL_VERSION } from '../src/shared/protocol.js';
import { TestClient, fixture } from '../tests/helpers/ws-client.js';

const minutes = Number(process.argv[process.argv.indexOf('--minutes') + 1] ?? 10) || 10;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-soak-'));
const parsed = parseConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir });
if (!parsed.ok) throw new Error(parsed.errors.join('; '));
const server = await startServer(parsed.config, { log: silentLogger });

const enrol = await TestClient.connect(server.url, { camera: 'desk' });
enrol.sendJson({ type: 'enrol.start', name: 'Guido van Rossum', samples: 3 });
const enrolled = enrol.next((m) => m.type === 'enrol.done', 60_000);
for (const n of [1, 2, 4]) await enrol.frame(fixture(`Guido_van_Rossum/${n}.jpg`));
await enrolled;
enrol.close();

const face = fixture('Guido_van_Rossum/5.jpg');
const camera = await TestClient.connect(server.url, { camera: 'door' });
const endAt = Date.now() + minutes * 60_000;
const samples: { t: number; rssMb: number }[] = [];
const latencies: { t: number; ms: number }[] = [];
let sent = 0;
let answered = 0;
let named = 0;
let hostileMessages = 0;
let hostileConnections = 0;

const streaming = (async () => {
  while (Date.now() < endAt) {
    const t0 = performance.now();
    sent += 1;
    const o = await camera.frame(face);
    answered += 1;
    if (o.tracks[0]?.name === 'Guido van Rossum') named += 1;
    latencies.push({ t: Date.now(), ms: performance.now() - t0 });
  }
})();

const hostile = (async () => {
  const junk = [
    JSON.stringify({ type: 'x'.repeat(50_000) }),
    '{"type":"enrol.start"',
    JSON.stringify({ type: 'hello', protocol: 1, camera: 'a\u0000' }),
    encodeFrame({ seq: 1, captureTime: 1 }, new Uint8Array([0xff, 0xd8, 1, 2, 3, 4])),
  ];
  while (Date.now() < endAt) {
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws`);
    ws.on('error', () => {});
    await new Promise((r) => ws.once('open', r));
    hostileConnections += 1;
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION }));
    for (let i = 0; i < 20; i++) {
      ws.send(junk[i % junk.length]!);
      hostileMessages += 1;
    }
    await new Promise((r) => setTimeout(r, 1000));
    ws.terminate();
  }
})();

const sampler = setInterval(() => samples.push({ t: Date.now(), rssMb: process.memoryUsage().rss / 2 ** 20 }), 15_000);
await Promise.all([streaming, hostile]);
clearInterval(sampler);
camera.close();
await server.close();

const t0 = samples[0]?.t ?? Date.now();
const steady = samples.filter((s) => s.t - t0 >= 60_000);
const slope = (() => {
  const xs = steady.map((s) => (s.t - t0) / 60_000);
  const ys = steady.map((s) => s.rssMb);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const num = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0);
  const den = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return den > 0 ? num / den : 0;
})();
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const first = latencies.filter((l) => l.t - latencies[0]!.t < 60_000).map((l) => l.ms);
const last = latencies.filter((l) => endAt - l.t < 60_000).map((l) => l.ms);
const result = {
  minutes,
  framesSent: sent,
  framesAnswered: answered,
  framesNamed: named,
  hostileConnections,
  hostileMessages,
  rssMbStart: samples[0]?.rssMb,
  rssMbEnd: samples.at(-1)?.rssMb,
  rssGrowthMbPerMin: Number(slope.toFixed(2)),
  latencyP50FirstMinuteMs: Number(p50(first).toFixed(1)),
  latencyP50LastMinuteMs: Number(p50(last).toFixed(1)),
  loadavg: os.loadavg(),
  date: new Date().toISOString(),
};
console.log(JSON.stringify(result));
process.exit(0);
