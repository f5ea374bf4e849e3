// False-accept / false-reject effect of the enrolment quality gates on the labelled dev set (../shared/faces).
// People with >= 4 photos are enrolled from their first 3 (scenario A: as they are; scenario B: plus a blurred, a dark
// and an over-exposed copy of photo 1, the bad webcam frames the gates exist for) and probed with the rest; everyone
// with fewer photos is an impostor. "before" enrols every candidate view, "after" only those the gates accept.
// Usage: npm run bench:gates [-- --dir ../shared/faces --thresholds 0.9,0.85]   (MATCH_THRESHOLD is always included)
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { parseConfig } from '../src/server/load-config.js';
import { checkChip, checkDetections } from '../src/server/enrolment/gates.js';
import { enrolmentRules } from '../src/server/enrolment/rules.js';
import { matchPolicyOf } from '../src/server/recognition/match-policy.js';
import { createFaceAnalyzer } from '../src/server/vision/analyzer.js';
import { CHIP_SIZE } from '../src/server/vision/embedder.js';

const { values } = parseArgs({ options: { dir: { type: 'string', default: '../shared/faces' }, thresholds: { type: 'string', default: '0.9,0.85,0.8' } } });
const parsed = parseConfig({ LOG_LEVEL: 'error' });
if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
const config = parsed.config;
const THRESHOLDS = [...new Set([config.MATCH_THRESHOLD, ...values.thresholds!.split(',').map(Number)])];
const rules = enrolmentRules(config, matchPolicyOf(config), 3, { kind: 'live', allowDuplicate: false });
const analyzer = await createFaceAnalyzer(config, () => {});

interface View {
  file: string;
  embedding: Float32Array | null;
  code: string | null;
}

/** Embeds the largest face of an image and runs every gate (detection gates see all faces of the image). */
async function view(file: string, bytes: Uint8Array): Promise<View> {
  const r = await analyzer.embedAll(bytes, 4096 * 4096);
  if (!r.ok || r.faces.length === 0) return { file, embedding: null, code: 'no_face' };
  const main = [...r.faces].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0]!;
  const det = checkDetections(r.faces, rules);
  const chip = det.ok ? checkChip(main.chip, CHIP_SIZE, rules).verdict : det;
  return { file, embedding: main.embedding, code: chip.ok ? null : chip.code };
}

const degrade = {
  blurred: (b: Buffer) => sharp(b).blur(6).jpeg().toBuffer(),
  dark: (b: Buffer) => sharp(b).linear(0.25, 0).jpeg().toBuffer(),
  overexposed: (b: Buffer) => sharp(b).linear(2.2, 60).jpeg().toBuffer(),
};

const people = fs
  .readdirSync(values.dir!)
  .filter((p) => !p.startsWith('_') && p !== 'video' && fs.statSync(path.join(values.dir!, p)).isDirectory())
  .sort();
const photos = (p: string) =>
  fs
    .readdirSync(path.join(values.dir!, p))
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort((a, b) => parseInt(a) - parseInt(b) || a.localeCompare(b));
const enrolled = people.filter((p) => photos(p).length >= 4);
const impostors = people.filter((p) => photos(p).length < 4);

const candidates = new Map<string, { A: View[]; B: View[] }>();
const genuine: { person: string; v: View }[] = [];
const strangers: View[] = [];
for (const p of enrolled) {
  const files = photos(p);
  const A: View[] = [];
  for (const f of files.slice(0, 3)) A.push(await view(`${p}/${f}`, new Uint8Array(fs.readFileSync(path.join(values.dir!, p, f)))));
  const first = fs.readFileSync(path.join(values.dir!, p, files[0]!));
  const extra: View[] = [];
  for (const [name, fn] of Object.entries(degrade)) extra.push(await view(`${p}/${files[0]} (${name})`, new Uint8Array(await fn(first))));
  candidates.set(p, { A, B: [...A, ...extra] });
  for (const f of files.slice(3)) genuine.push({ person: p, v: await view(`${p}/${f}`, new Uint8Array(fs.readFileSync(path.join(values.dir!, p, f)))) });
}
for (const p of impostors) for (const f of photos(p)) strangers.push(await view(`${p}/${f}`, new Uint8Array(fs.readFileSync(path.join(values.dir!, p, f)))));

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
function evaluate(gallery: { person: string; e: Float32Array }[], THRESHOLD: number) {
  const best = (e: Float32Array) =>
    gallery.reduce<{ person: string; s: number } | null>((m, g) => {
      const s = dot(e, g.e);
      return !m || s > m.s ? { person: g.person, s } : m;
    }, null);
  let fr = 0,
    mis = 0,
    fa = 0;
  const probes = genuine.filter((g) => g.v.embedding);
  for (const g of probes) {
    const b = best(g.v.embedding!);
    if (!b || b.s < THRESHOLD) fr++;
    else if (b.person !== g.person) mis++;
  }
  const imp = strangers.filter((s) => s.embedding);
  for (const s of imp) {
    const b = best(s.embedding!);
    if (b && b.s >= THRESHOLD) fa++;
  }
  return { genuine: probes.length, fr, mis, impostors: imp.length, fa, gallery: gallery.length, people: new Set(gallery.map((g) => g.person)).size };
}

const pct = (n: number, d: number) => `${n}/${d} (${d ? ((100 * n) / d).toFixed(1) : '0.0'}%)`;
const rejected: Record<string, number> = {};
console.log(`MATCH_THRESHOLD ${config.MATCH_THRESHOLD}; ${enrolled.length} enrolled people, ${impostors.length} not enrolled; backend ${analyzer.backend}\n`);
console.log('| threshold | scenario | gates | people enrolled | gallery views | false reject | misidentified | false accept |');
console.log('|---|---|---|---|---|---|---|---|');
for (const t of THRESHOLDS) {
  for (const scenario of ['A', 'B'] as const) {
    for (const gated of [false, true]) {
      const gallery = enrolled.flatMap((p) => {
        const views = candidates.get(p)![scenario];
        return views.filter((v) => v.embedding && (!gated || v.code === null)).map((v) => ({ person: p, e: v.embedding! }));
      });
      const r = evaluate(gallery, t);
      console.log(
        `| ${t} | ${scenario === 'A' ? 'A: first 3 photos' : 'B: + blurred, dark, over-exposed copies'} | ${gated ? 'after' : 'before'} | ${r.people}/${enrolled.length} | ${r.gallery} | ${pct(r.fr, r.genuine)} | ${pct(r.mis, r.genuine)} | ${pct(r.fa, r.impostors)} |`,
      );
    }
  }
}
for (const { B } of candidates.values()) for (const v of B) if (v.code) rejected[v.code] = (rejected[v.code] ?? 0) + 1;
console.log(`\nviews refused by the gates (scenario B candidates): ${JSON.stringify(rejected)}`);
for (const { B } of candidates.values()) for (const v of B) if (v.code && !v.file.includes('(')) console.log(`  ${v.file}: ${v.code}`);
