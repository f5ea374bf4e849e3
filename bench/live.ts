// Live-path benchmark: a real server (in-process, PGlite in memory) and a WebSocket client streaming 640x480 JPEG frames
// of one face. Reports per-frame round trip p50/p95 and the time from a new face appearing to its name being shown.
// Usage: npm run bench [-- --frames 200 --json]
import sharp from 'sharp';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/server/config.js';
import { silentLogger } from '../src/server/log.js';
import { startServer } from '../src/server/server.js';
import type { Overlay } from '../src/shared/protocol.js';
import { TestClient, fixture } from '../tests/helpers/ws-client.js';

const { values } = parseArgs({ options: { frames: { type: 'string', default: '200' }, json: { type: 'boolean', default: false } } });
const FRAMES = Number(values.frames);

const webcamFrame = async (rel: string) =>
  new Uint8Array(
    await sharp(fixture(rel))
      .resize(640, 480, { fit: 'contain', background: '#000' })
      .jpeg({ quality: 80 })
      .toBuffer(),
  );

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

// INFERENCE_WORKERS and TF_BACKEND may come from the environment, to compare set-ups in one sitting.
const parsed = parseConfig({ INFERENCE_WORKERS: process.env.INFERENCE_WORKERS, TF_BACKEND: process.env.TF_BACKEND, PORT: '0', DATA_DIR: ':memory:', LOG_LEVEL: 'error' });
if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
const t0 = performance.now();
const server = await startServer(parsed.config, { log: silentLogger });
const startupMs = performance.now() - t0;

// Enrol one person from three photos.
const enroller = await TestClient.connect(server.url);
enroller.sendJson({ type: 'enrol.start', name: 'Guido', samples: 3 });
const done = enroller.next((m) => m.type === 'enrol.done');
// one straight, one right, one left view: enrolment asks for these poses
for (const n of [1, 2, 4]) await enroller.frame(await webcamFrame(`Guido_van_Rossum/${n}.jpg`));
await done;
enroller.close();

const probe = await webcamFrame('Guido_van_Rossum/3.jpg');

// Time to name: a fresh connection (no tracks yet) sends frames until an overlay carries the name.
const timeToName: number[] = [];
for (let i = 0; i < 10; i++) {
  const c = await TestClient.connect(server.url);
  const start = performance.now();
  let o: Overlay;
  do o = await c.frame(probe);
  while (o.tracks[0]?.name !== 'Guido');
  timeToName.push(performance.now() - start);
  c.close();
}

// Steady state: one face streamed, one frame in flight (each frame waits for its overlay).
const client = await TestClient.connect(server.url);
const rtt: number[] = [];
const stages = { decode: [] as number[], detect: [] as number[], embed: [] as number[] };
let embeds = 0;
for (let i = 0; i < FRAMES; i++) {
  const start = performance.now();
  const o = await client.frame(probe);
  rtt.push(performance.now() - start);
  stages.decode.push(o.timings.decode);
  stages.detect.push(o.timings.detect);
  stages.embed.push(o.timings.embed);
  if (o.timings.embed > 0.01) embeds++;
}
client.close();
const mem = process.memoryUsage();
await server.close();

const result = {
  backend: server.analyzer.backend,
  inferenceWorkers: parsed.config.INFERENCE_WORKERS,
  gallery: server.gallery.stats().backend,
  frames: FRAMES,
  frameSize: '640x480',
  startupMs: Math.round(startupMs),
  roundTripMs: { p50: +pct(rtt, 50).toFixed(1), p95: +pct(rtt, 95).toFixed(1), max: +Math.max(...rtt).toFixed(1) },
  fpsOneInFlight: +(1000 / (rtt.reduce((a, b) => a + b, 0) / rtt.length)).toFixed(1),
  stagesP50Ms: { decode: +pct(stages.decode, 50).toFixed(1), detect: +pct(stages.detect, 50).toFixed(1), embedWhenRun: +pct(stages.embed.filter((x) => x > 0.01), 50).toFixed(1) },
  framesEmbedded: embeds,
  timeToNameMs: { p50: +pct(timeToName, 50).toFixed(1), max: +Math.max(...timeToName).toFixed(1) },
  rssMiB: Math.round(mem.rss / 2 ** 20),
};
if (values.json) console.log(JSON.stringify(result));
else console.log(JSON.stringify(result, null, 2));
