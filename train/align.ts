// `npm run align`: detect, align (eyes level, fixed scale) and crop the largest face of every image of a <person>/<image> tree.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { CHIP_SIZE, EMBEDDING_MODEL_ID } from '../src/server/vision/embedder.js';
import { cli, numberOpt, required } from './lib/args.js';
import { walkDataset } from './lib/dataset.js';
import { openPipeline } from './lib/pipeline.js';
import { progress } from './lib/progress.js';

const args = cli(
  'npm run align -- --root IN --out OUT [--size 150] [--model ID]\n\nWrites OUT/<person>/<image>.png: the face chip the model embeds (dlib similarity warp from 68 landmarks: eyes level,\nfixed scale and padding). Images already aligned in OUT are skipped, so an interrupted run resumes. Faces missed are\nlisted with their reason, and in OUT/_align_report.json.',
  {
    root: { type: 'string', help: 'input tree <person>/<image>' },
    out: { type: 'string', help: 'output tree' },
    size: { type: 'string', help: 'output side in pixels', default: String(CHIP_SIZE) },
    model: { type: 'string', help: 'model whose alignment to use', default: process.env.EMBEDDING_MODEL || EMBEDDING_MODEL_ID },
    'pad-retry': { type: 'string', help: 'detector pad retry (see eval)', default: '0.25' },
  },
);
const root = required(args.root, 'root'),
  out = required(args.out, 'out');
const size = numberOpt(args.size, 'size', CHIP_SIZE);
const t0 = performance.now();
const ds = walkDataset(root);
const pipeline = await openPipeline(args.model!, { padRetry: numberOpt(args['pad-retry'], 'pad-retry', 0.25) });
const all = ds.people.flatMap((p) => p.images);
const outName = (rel: string) => path.join(out, rel.replace(/\.[^./]+$/, '.png'));
const missed: { path: string; reason: string }[] = [...ds.problems];
let aligned = 0,
  skipped = 0;
const bar = progress('align', all.length);
for (const rel of all) {
  const dest = outName(rel);
  if (fs.existsSync(dest)) {
    skipped++;
    bar.tick();
    continue;
  }
  const r = await pipeline.embedFile(path.join(root, rel));
  if (!r.ok || !r.chip) missed.push({ path: rel, reason: r.ok ? 'model gives no chip' : r.reason });
  else {
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    // PNG: lossless, so the aligned tree embeds like the original chip. Written to .tmp then renamed: no torn files on resume.
    await sharp(Buffer.from(r.chip), { raw: { width: CHIP_SIZE, height: CHIP_SIZE, channels: 3 } })
      .resize(size, size)
      .png()
      .toFile(`${dest}.tmp`);
    fs.renameSync(`${dest}.tmp`, dest);
    aligned++;
  }
  bar.tick(1, r.ok ? '' : 'miss');
}
bar.done();
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(
  path.join(out, '_align_report.json'),
  `${JSON.stringify({ root, model: pipeline.id, size, images: all.length, aligned, skipped, missed }, null, 2)}\n`,
);
for (const m of missed) process.stderr.write(`missed ${m.path}: ${m.reason}\n`);
process.stdout.write(
  `aligned ${aligned}, already there ${skipped}, missed ${missed.length} of ${all.length} images (+${ds.problems.length} problems) in ${((performance.now() - t0) / 1000).toFixed(1)}s -> ${out}\n`,
);
