// Gallery at scale: build time, top-5 people latency, recall@1 against exact search, adding and deleting a person, and
// RSS against the bytes of the vectors, on face-like clustered vectors (bench/face-like.ts), people with ~10 faces each.
// Each size runs in its own child process, so one size's freed memory does not count against the next one's RSS.
// Usage: npx tsx bench/gallery.ts [--sizes 100000,1000000 --exact-sizes 10000,20000 --queries 400 --nprobe 16
//        --breadths 4,8,16,32 --hnsw-sizes 100000 --out bench/results/gallery.json]   (~5 minutes on 2 busy cores, HNSW off)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGallery, type Gallery } from '../src/server/gallery/gallery.js';
import { createFaissIndexFactory, DEFAULT_ANN, type AnnOptions, type VectorIndex } from '../src/server/gallery/vector-index.js';
import type { FaceTemplate } from '../src/server/store/types.js';
import { faceLike } from './face-like.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    /** The default model's (fusion-resnet128-mobilefacenet192.v1: 128 + 192); 128 until 2026-12-05 (FaceNet's). */
    dims: { type: 'string', default: '320' },
    'faces-per-person': { type: 'string', default: '10' },
    queries: { type: 'string', default: '400' },
    kind: { type: 'string', default: DEFAULT_ANN.kind },
    nprobe: { type: 'string', default: String(DEFAULT_ANN.nprobe) },
    'ef-search': { type: 'string', default: String(DEFAULT_ANN.efSearch) },
    'min-faces': { type: 'string', default: String(DEFAULT_ANN.minFaces) },
    /** nprobe (IVF) or efSearch (HNSW) values measured on the one built index. */
    breadths: { type: 'string', default: '4,8,16,32' },
    /** Sizes measured with exact search only (GALLERY_ANN_MIN_FACES=0): where exact stops meeting the latency target. */
    'exact-sizes': { type: 'string', default: '10000,20000' },
    /** Sizes also measured with GALLERY_ANN=hnsw (M 32, efConstruction 80), for the choice between the two. Off by
     *  default: its build alone took 10 minutes at 100k faces on the busy 2-core machine (IVF: 8 s). */
    'hnsw-sizes': { type: 'string', default: '' },
    out: { type: 'string', default: 'bench/results/gallery.json' },
    child: { type: 'string' },
  },
});
const DIMS = Number(values.dims);
const started = Date.now();
const FPP = Number(values['faces-per-person']);
const QUERIES = Number(values.queries);
const CHUNK = 65_536;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(3);
};
const mb = (b: number) => Math.round(b / 2 ** 20);
const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** Top people by exact search, from the binding's flat index (batched: BLAS). Person of face i is i / FPP. */
function exactTopPeople(vectors: Float32Array[], queries: Float32Array[], people: number): string[][] {
  const faiss = createRequire(import.meta.url)('faiss-node-system');
  const flat = faiss.Index.fromFactory(DIMS, 'IDMap2,Flat', 0);
  let at = 0;
  for (const v of vectors) {
    const n = v.length / DIMS;
    flat.addWithIds(
      v,
      Float64Array.from({ length: n }, (_, i) => at + i),
    );
    at += n;
  }
  const k = people * FPP * 3;
  const q = new Float32Array(queries.length * DIMS);
  queries.forEach((x, i) => q.set(x, i * DIMS));
  const { labels } = flat.search(q, k);
  return queries.map((_, i) => {
    const seen: string[] = [];
    for (let j = 0; j < k && seen.length < people; j++) {
      const p = `p${Math.floor(labels[i * k + j] / FPP)}`;
      if (!seen.includes(p)) seen.push(p);
    }
    return seen;
  });
}

async function measure(size: number, ann: AnnOptions, breadths: number[]) {
  gc();
  const rssBefore = process.memoryUsage().rss;
  const people = Math.ceil(size / FPP);
  let data: ReturnType<typeof faceLike> | null = faceLike({ dims: DIMS, people: people + 50, facesPerPerson: FPP, seed: 12 });
  const chunks: Float32Array[] = [];
  for (let at = 0; at < size; at += CHUNK) chunks.push(data.faces(at, Math.min(CHUNK, size - at)));
  // Everything the measurements need from the generator, made now: it is dropped before RSS is read.
  const queries = Array.from({ length: QUERIES }, (_, i) => data!.probe((i * 7919) % people, i));
  const newPeople = Array.from({ length: 20 }, (_, r) => ({
    faces: Array.from({ length: FPP }, (_, j) => ({
      faceId: `new${r}-${j}`,
      personId: `new${r}`,
      personName: `New ${r}`,
      embedding: data!.probe(people + r, j),
    })),
    probe: data!.probe(people + r, 99),
    victim: (r * 104729) % people,
    victimProbe: data!.probe((r * 104729) % people, 5),
  }));
  data = null;
  let templates: FaceTemplate[] | null = [];
  for (let c = 0; c < chunks.length; c++) {
    for (let j = 0; j < chunks[c]!.length / DIMS; j++) {
      const i = c * CHUNK + j;
      const p = Math.floor(i / FPP);
      templates.push({ faceId: `f${i}`, personId: `p${p}`, personName: `Person ${p}`, embedding: chunks[c]!.subarray(j * DIMS, (j + 1) * DIMS) });
    }
  }
  const store = { listFaceTemplates: async () => templates! };
  const made: VectorIndex[] = [];
  const base = createFaissIndexFactory(ann)!;
  const t0 = performance.now();
  const gallery: Gallery = await createGallery({ store, modelId: 'bench', dims: DIMS, indexFactory: (d, plan) => (made.push(base(d, plan)), made.at(-1)!) });
  const buildMs = performance.now() - t0;
  templates = null;

  const truth = exactTopPeople(chunks, queries, 5);
  chunks.length = 0;
  // Native finalizers (the exact index above) run after a GC, on a later turn of the event loop.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  const memory = process.memoryUsage();
  const rss = memory.rss;
  if (process.env.BENCH_DEBUG)
    console.error(
      JSON.stringify({
        before: mb(rssBefore),
        rss: mb(rss),
        heapUsed: mb(memory.heapUsed),
        heapTotal: mb(memory.heapTotal),
        external: mb(memory.external),
        arrayBuffers: mb(memory.arrayBuffers),
      }),
    );

  const index = made.at(-1)!;
  const sweep = [];
  for (const breadth of index.setSearchBreadth ? breadths : [0]) {
    if (breadth) index.setSearchBreadth!(breadth);
    const top5Ms: number[] = [];
    const top5CpuMs: number[] = [];
    const top1Ms: number[] = [];
    let recall1 = 0;
    let recall5 = 0;
    queries.forEach((q, i) => {
      let t = performance.now();
      const cpu = process.cpuUsage();
      const top5 = gallery.search(q, 5);
      top5Ms.push(performance.now() - t);
      const used = process.cpuUsage(cpu);
      top5CpuMs.push((used.user + used.system) / 1000);
      t = performance.now();
      const top1 = gallery.search(q, 1);
      top1Ms.push(performance.now() - t);
      if (top1[0]?.personId === truth[i]![0]) recall1++;
      recall5 += top5.filter((m) => truth[i]!.includes(m.personId)).length / 5;
    });
    sweep.push({
      backend: gallery.stats().backend,
      top5: { p50Ms: pct(top5Ms, 0.5), p99Ms: pct(top5Ms, 0.99) },
      // CPU time of the same searches: what the wall time would be on a machine nobody else is using.
      top5Cpu: { p50Ms: pct(top5CpuMs, 0.5), p99Ms: pct(top5CpuMs, 0.99) },
      top1: { p50Ms: pct(top1Ms, 0.5), p99Ms: pct(top1Ms, 0.99) },
      recallAt1: +(recall1 / QUERIES).toFixed(4),
      recallAt5: +(recall5 / QUERIES).toFixed(4),
    });
  }
  if (index.setSearchBreadth) index.setSearchBreadth(ann.kind === 'ivf' ? ann.nprobe : ann.efSearch);

  // Add a new person (FPP faces) and delete an existing one, 20 times each.
  const addMs: number[] = [];
  const deleteMs: number[] = [];
  for (const [r, n] of newPeople.entries()) {
    let t = performance.now();
    gallery.add(n.faces);
    addMs.push(performance.now() - t);
    if (gallery.identify(n.probe, 0)?.personId !== `new${r}`) throw new Error(`added person new${r} is not found`);
    t = performance.now();
    gallery.removePerson(`p${n.victim}`);
    deleteMs.push(performance.now() - t);
    if (gallery.search(n.victimProbe, 5).some((m) => m.personId === `p${n.victim}`)) throw new Error(`deleted p${n.victim} is still found`);
  }
  const vectorBytes = size * DIMS * 4;
  return {
    faces: size,
    people,
    dims: DIMS,
    buildMs: Math.round(buildMs),
    search: sweep,
    addPersonMs: { p50: pct(addMs, 0.5), max: pct(addMs, 1) },
    deletePersonMs: { p50: pct(deleteMs, 0.5), max: pct(deleteMs, 1) },
    indexesBuilt: made.length, // 1: no add or delete above rebuilt the index
    rssMB: mb(rss),
    rssAboveStartMB: mb(rss - rssBefore),
    vectorMB: mb(vectorBytes),
    rssOverVectors: +((rss - rssBefore) / vectorBytes).toFixed(2),
  };
}

const ann: AnnOptions = {
  minFaces: Number(values['min-faces']),
  kind: values.kind as AnnOptions['kind'],
  nprobe: Number(values.nprobe),
  efSearch: Number(values['ef-search']),
};

if (values.child) {
  const result = await measure(Number(values.child), ann, values.breadths!.split(',').map(Number));
  process.stdout.write(`\nRESULT ${JSON.stringify(result)}\n`);
} else {
  if (!createFaissIndexFactory()) throw new Error('no FAISS addon loads here: the gallery benchmark measures the FAISS index');
  const self = fileURLToPath(import.meta.url);
  const child = (size: number, extra: string[]) => {
    const args = ['--expose-gc', '--import', 'tsx', self, ...process.argv.slice(2), ...extra, '--child', String(size)];
    const run = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
    const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (run.status !== 0 || !line) throw new Error(`size ${size} failed (status ${run.status}): ${run.stdout.slice(-2000)}`);
    const r = JSON.parse(line.slice(7));
    console.log(JSON.stringify(r));
    return r;
  };
  const exact = values['exact-sizes'] ? values['exact-sizes'].split(',').map((n) => child(Number(n), ['--min-faces', '0'])) : [];
  const hnsw = values['hnsw-sizes'] ? values['hnsw-sizes'].split(',').map((n) => child(Number(n), ['--kind', 'hnsw', '--breadths', '32,64,128,256'])) : [];
  const results = values.sizes!.split(',').map((n) => child(Number(n), []));
  const out = {
    bench: 'gallery',
    date: new Date().toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadavg: os.loadavg().map((l) => +l.toFixed(2)), node: process.version },
    data: `face-like clustered unit vectors of ${DIMS} dims (bench/face-like.ts): ${FPP} faces per person, queries are new views of stored people`,
    settings: ann,
    targets: { top5P99Ms: 5, recallAt1: 0.99, addDeletePersonMs: 50, rssOverVectors: 2 },
    exact,
    hnsw,
    results,
  };
  fs.mkdirSync(path.dirname(values.out!), { recursive: true });
  fs.writeFileSync(values.out!, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote ${values.out}`);
}
