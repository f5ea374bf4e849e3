// Enrolment on webcam-like clips: for every person with 3+ photos in DIR, three of their photos become a clip (each
// photo held ~1.5 s, gently zoomed and panned, letterboxed to 640x480 like a webcam), streamed through a real
// enrolment session with default settings. Reports, per gate, how many frames it refused; per person whether the
// enrolment finished, ran out of time, or stopped as a duplicate, and how long it took. Answers "does any gate keep
// failing real frames of a still person?" (issue 11).
// usage: npx tsx scripts/enrol-clips.ts DIR [--people N]     last line of output is JSON
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { parseConfig } from '../src/server/load-config.js';
import { silentLogger } from '../src/server/log.js';
import { startServer } from '../src/server/server.js';
import { TestClient } from '../tests/helpers/ws-client.js';

const dir = path.resolve(process.argv[2] ?? '');
if (!process.argv[2] || !fs.existsSync(dir)) {
  console.error('usage: npx tsx scripts/enrol-clips.ts DIR [--people N]   (DIR holds <person>/<image>.jpg)');
  process.exit(2);
}
const maxPeople = Number(process.argv[process.argv.indexOf('--people') + 1] ?? 0) || Infinity;
const FRAMES_PER_PHOTO = 15; // ~1.5 s at 10 fps

/** One webcam-like frame: the photo zoomed by `zoom` around a centre moved by (dx, dy) of its size, on a 640x480 canvas. */
async function frame(photo: Buffer, zoom: number, dx: number, dy: number): Promise<Uint8Array> {
  const meta = await sharp(photo).metadata();
  const w = meta.width!;
  const h = meta.height!;
  const cw = Math.round(w / zoom);
  const ch = Math.round(h / zoom);
  const left = Math.max(0, Math.min(w - cw, Math.round((w - cw) / 2 + dx * w)));
  const top = Math.max(0, Math.min(h - ch, Math.round((h - ch) / 2 + dy * h)));
  const out = await sharp(photo)
    .extract({ left, top, width: cw, height: ch })
    .resize(640, 480, { fit: 'contain', background: { r: 40, g: 40, b: 40 } })
    .jpeg({ quality: 85 })
    .toBuffer();
  return new Uint8Array(out);
}

async function clip(photos: Buffer[]): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = [];
  for (const photo of photos) {
    for (let i = 0; i < FRAMES_PER_PHOTO; i++) {
      const t = i / FRAMES_PER_PHOTO;
      frames.push(await frame(photo, 1 + 0.08 * t, 0.02 * Math.sin(2 * Math.PI * t), 0.015 * Math.cos(2 * Math.PI * t)));
    }
  }
  return frames;
}

const people = fs
  .readdirSync(dir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('_') && d.name !== 'video')
  .map((d) => ({
    name: d.name.replace(/_/g, ' '),
    photos: fs
      .readdirSync(path.join(dir, d.name))
      .filter((f) => /\.(jpe?g|png)$/i.test(f))
      .sort()
      .map((f) => path.join(dir, d.name, f)),
  }))
  .filter((p) => p.photos.length >= 3)
  .slice(0, maxPeople);

const parsed = parseConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-clips-')) });
if (!parsed.ok) throw new Error(parsed.errors.join('; '));
const server = await startServer(parsed.config, { log: silentLogger });

const refusals: Record<string, number> = {};
const hints: Record<string, number> = {};
const outcomes: { person: string; outcome: string; seconds: number; frames: number; views: number; mostRefused?: string }[] = [];
let framesTotal = 0;
for (const person of people) {
  const frames = await clip(person.photos.slice(0, 3).map((p) => fs.readFileSync(p)));
  const c = await TestClient.connect(server.url, { camera: 'enrol-clips' });
  c.sendJson({ type: 'enrol.start', name: person.name });
  await c.next((m) => m.type === 'enrol.started');
  const t0 = performance.now();
  let sent = 0;
  const ended = () => c.messages.find((m) => m.type === 'enrol.done' || m.type === 'enrol.cancelled');
  while (!ended()) {
    await c.frame(frames[sent % frames.length]!);
    sent += 1;
    await new Promise((r) => setTimeout(r, 50)); // ~10 fps at the server's pace
    if (performance.now() - t0 > 120_000) break;
  }
  for (const m of c.messages) {
    if (m.type !== 'enrol.progress' || m.accepted) continue;
    refusals[m.code ?? 'unknown'] = (refusals[m.code ?? 'unknown'] ?? 0) + 1;
    if (m.hint) hints[m.hint.code] = (hints[m.hint.code] ?? 0) + 1;
  }
  const end = ended();
  const views = c.messages.filter((m) => m.type === 'enrol.progress' && m.accepted).length;
  outcomes.push({
    person: person.name,
    outcome: end?.type === 'enrol.done' ? 'done' : end?.type === 'enrol.cancelled' ? (end.code ?? 'cancelled') : 'no end',
    seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
    frames: sent,
    views,
    ...(end?.type === 'enrol.cancelled' && end.mostRefused ? { mostRefused: end.mostRefused } : {}),
  });
  framesTotal += sent;
  process.stderr.write(`${person.name}: ${outcomes.at(-1)!.outcome} in ${outcomes.at(-1)!.seconds} s, ${sent} frames\n`);
  c.close();
}
await server.close();

const count = (o: string) => outcomes.filter((x) => x.outcome === o).length;
const secs = outcomes
  .filter((o) => o.outcome === 'done')
  .map((o) => o.seconds)
  .sort((a, b) => a - b);
const summary = {
  dir,
  people: outcomes.length,
  framesTotal,
  done: count('done'),
  timeout: count('timeout'),
  duplicate: count('duplicate'),
  secondsToDoneP50: secs[Math.floor(secs.length / 2)] ?? null,
  secondsToDoneMax: secs.at(-1) ?? null,
  refusalsByGate: refusals,
  refusalShareOfFrames: Number((Object.values(refusals).reduce((a, b) => a + b, 0) / Math.max(1, framesTotal)).toFixed(3)),
  hintsShown: hints,
  outcomes,
  settings: { ENROL_SAMPLES: parsed.config.ENROL_SAMPLES, ENROL_TIMEOUT_MS: parsed.config.ENROL_TIMEOUT_MS, ENROL_POSES: parsed.config.ENROL_POSES },
  date: new Date().toISOString(),
};
console.log(JSON.stringify(summary));
process.exit(0);
