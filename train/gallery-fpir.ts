// How often a stranger is named as the gallery grows: the person-level impostor rate q at the model's threshold (a
// stranger's photo against one enrolled person's best of up to 3 photos), and the stranger rate it implies for a
// gallery of N people, 1 - (1 - q)^N (impostor comparisons taken as independent). Reads the embeddings cached by
// `npm run eval -- --heldout` (data/heldout-cache, train/lib/parts.ts) and scores them with the model's construction:
// its networks' unit vectors weighted by their z constants (src/server/vision/nets-embedder.ts), as the gallery holds them.
// Usage: npx tsx train/gallery-fpir.ts [--model models/<id>/manifest.json] [--cache data/heldout-cache] [--sizes 16,100,1000]
//        [--out train/results/gallery-fpir.json]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_EMBEDDING_MODEL } from '../src/server/config.js';
import { ManifestSchema, manifestParts } from '../src/server/vision/models.js';
import { partWeights } from '../src/server/vision/nets-embedder.js';
import { EVAL_MODEL_ID, partsCacheFile } from './lib/parts.js';

const { values } = parseArgs({
  options: {
    cache: { type: 'string', default: 'data/heldout-cache' },
    model: { type: 'string', default: `models/${DEFAULT_EMBEDDING_MODEL}/manifest.json` },
    sizes: { type: 'string', default: '16,100,1000' },
    out: { type: 'string', default: 'train/results/gallery-fpir.json' },
  },
});
const CONDITIONS = ['clean', 'tight', 'tight112', 'tight80', 'jpeg50', 'blur'];
const TEMPLATES = 3;
const manifest = ManifestSchema.parse(JSON.parse(fs.readFileSync(values.model, 'utf8')));
const parts = manifestParts(manifest);
const weights = partWeights(parts);
const sizes = values.sizes.split(',').map(Number);

const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
type Cached = Record<string, { ok: boolean; parts?: { nets?: Record<string, number[]> } }>;

const results: Record<string, unknown> = {};
for (const condition of CONDITIONS) {
  const file = partsCacheFile(values.cache, EVAL_MODEL_ID, condition);
  if (!fs.existsSync(file)) {
    console.log(`${condition}: ${file} missing (run npm run eval -- --heldout --cache --root DIR first)`);
    continue;
  }
  const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as Cached;
  const photos: { person: string; v: number[] }[] = [];
  for (const [name, e] of Object.entries(cached)) {
    const nets = e.ok ? e.parts?.nets : undefined;
    if (!nets || parts.some((p) => !nets[p.net])) continue;
    photos.push({ person: name.split('/')[0]!, v: parts.flatMap((p, i) => unit(nets[p.net]!).map((x) => weights[i]! * x)) });
  }
  const byPerson = new Map<string, number[][]>();
  for (const p of photos) byPerson.set(p.person, [...(byPerson.get(p.person) ?? []), p.v].slice(0, TEMPLATES));
  const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
  let comparisons = 0;
  let accepted = 0;
  for (const probe of photos)
    for (const [person, templates] of byPerson) {
      if (person === probe.person) continue;
      comparisons += 1;
      if (Math.max(...templates.map((t) => dot(probe.v, t))) >= manifest.threshold) accepted += 1;
    }
  const q = accepted / comparisons;
  // With no accepted comparison, the 95% upper bound on q (rule of three) says how far the estimate can be trusted.
  const qUpper = accepted === 0 ? 3 / comparisons : q;
  const fpir = Object.fromEntries(sizes.map((n) => [n, { estimate: +(1 - (1 - q) ** n).toFixed(4), upper95: +(1 - (1 - qUpper) ** n).toFixed(4) }]));
  results[condition] = { photos: photos.length, people: byPerson.size, comparisons, accepted, q: +q.toFixed(6), fpir };
  console.log(
    `${condition.padEnd(9)} ${accepted} of ${comparisons} person comparisons at >= ${manifest.threshold}: ` +
      sizes
        .map((n) => `${n} people ${(100 * fpir[n]!.estimate).toFixed(1)}%${accepted === 0 ? ` (<= ${(100 * fpir[n]!.upper95).toFixed(1)}%)` : ''}`)
        .join(', '),
  );
}
fs.mkdirSync(path.dirname(values.out), { recursive: true });
fs.writeFileSync(
  values.out,
  JSON.stringify(
    { model: manifest.id, threshold: manifest.threshold, templatesPerPerson: TEMPLATES, generatedAt: new Date().toISOString(), results },
    null,
    2,
  ) + '\n',
);
console.log(`wrote ${values.out}`);
