// Compares the two ways a live frame's face gets its mesh before it is embedded: Human's face mesh on BlazeFace's own
// box (face-mesh.ts, what live frames do) and Human's whole detect matched by overlap (what they did before, still the
// fallback: a face without `detectorBox` takes it). For each person of ROOT, the first photo is enrolled from file
// (the still path, as REST enrolment does); up to four more, letterboxed into 640x480 webcam-like frames, are embedded
// both ways, alternating. Prints named / wrong at the model's threshold, genuine scores, and the embed step's CPU.
// Usage: npx tsx train/live-mesh-compare.ts --root ../shared/faces
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createFaceAnalyzer } from '../src/server/vision/analyzer.js';
import { parseConfig } from '../src/server/load-config.js';

const { values } = parseArgs({ options: { root: { type: 'string' }, probes: { type: 'string', default: '4' } } });
if (!values.root) throw new Error('usage: --root DIR (one folder of photos per person)');
const ROOT = values.root;
const parsed = parseConfig({}); // the server's defaults
if (!parsed.ok) throw new Error(parsed.errors.join('; '));
const analyzer = await createFaceAnalyzer(parsed.config, () => {});
const people = fs
  .readdirSync(ROOT)
  .filter((d) => !d.startsWith('_') && fs.statSync(path.join(ROOT, d)).isDirectory())
  .map((d) => ({
    name: d,
    files: fs
      .readdirSync(path.join(ROOT, d))
      .filter((f) => /\.jpe?g$/i.test(f))
      .sort(),
  }))
  .filter((p) => p.files.length >= 2);
const gallery: { name: string; embedding: Float32Array }[] = [];
const probes: { name: string; jpeg: Uint8Array }[] = [];
for (const p of people) {
  const r = await analyzer.embedAll(new Uint8Array(fs.readFileSync(path.join(ROOT, p.name, p.files[0]!))), 4096 * 4096);
  if (!r.ok || r.faces.length !== 1) continue;
  gallery.push({ name: p.name, embedding: r.faces[0]!.embedding });
  for (const f of p.files.slice(1, 1 + Number(values.probes))) {
    const jpeg = await sharp(path.join(ROOT, p.name, f))
      .resize(640, 480, { fit: 'contain', background: '#000' })
      .jpeg({ quality: 85 })
      .toBuffer();
    probes.push({ name: p.name, jpeg: new Uint8Array(jpeg) });
  }
}
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
type Tally = { probes: number; named: number; wrong: number; genuine: number[]; cpuMs: number[] };
const tally = (): Tally => ({ probes: 0, named: 0, wrong: 0, genuine: [], cpuMs: [] });
const ways = { meshOnBox: tally(), humanDetect: tally() };
for (const probe of probes) {
  for (const way of ['meshOnBox', 'humanDetect'] as const) {
    const r = await analyzer.analyze(probe.jpeg, 640 * 480, { liveness: false, mesh: false });
    if (!r.ok) continue;
    if (way === 'humanDetect') for (const f of r.frame.faces) delete f.detectorBox;
    const c0 = process.cpuUsage();
    const embedded = await r.frame.embed(r.frame.faces.map((_, i) => i));
    const c = process.cpuUsage(c0);
    r.frame.release();
    // The probe is the largest confirmed face.
    const face = embedded.filter((e) => e.mesh?.confirmed).sort((a, b) => b.mesh!.box.width - a.mesh!.box.width)[0];
    if (!face) continue;
    const t = ways[way];
    t.probes += 1;
    if (embedded.length === 1) t.cpuMs.push((c.user + c.system) / 1000);
    const ranked = gallery.map((g) => ({ name: g.name, score: dot(g.embedding, face.embedding) })).sort((a, b) => b.score - a.score);
    t.genuine.push(ranked.find((x) => x.name === probe.name)!.score);
    if (ranked[0]!.score >= analyzer.threshold) t[ranked[0]!.name === probe.name ? 'named' : 'wrong'] += 1;
  }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1] ?? NaN;
console.log(`${gallery.length} people enrolled, threshold ${analyzer.threshold}, load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
for (const [way, t] of Object.entries(ways)) {
  console.log(
    `${way}: ${t.probes} probes, named ${t.named}, wrong ${t.wrong}, genuine median ${median(t.genuine).toFixed(4)}, embed step CPU p50 ${median(t.cpuMs).toFixed(1)} ms (one-face frames, n=${t.cpuMs.length})`,
  );
}
