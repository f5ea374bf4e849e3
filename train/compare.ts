// `npm run compare -- A.jpg B.jpg [more...]`: distance, similarity and same/different at the model's threshold, like FaceNet's compare.py.
import { EMBEDDING_MODEL_ID } from '../src/server/vision/embedder.js';
import { cli, numberOpt } from './lib/args.js';
import { cosine } from './lib/evaluate.js';
import { openPipeline } from './lib/pipeline.js';

const args = cli(
  "npm run compare -- IMAGE IMAGE [IMAGE...] [--model ID] [--threshold T] [--json]\n\nEmbeds the largest face of each image and prints, for every pair, the Euclidean distance between the unit embeddings\n(FaceNet compare.py's number), the cosine similarity, and SAME/DIFFERENT at the threshold (the model manifest's by default).",
  {
    model: { type: 'string', help: 'model id', default: process.env.EMBEDDING_MODEL || EMBEDDING_MODEL_ID },
    threshold: { type: 'string', help: "cosine similarity threshold (default: the manifest's)" },
    json: { type: 'boolean', help: 'print one JSON object as the last line' },
  },
);
const images = args._;
if (images.length < 2) {
  process.stderr.write('compare needs two or more images (see --help)\n');
  process.exit(2);
}
const pipeline = await openPipeline(args.model!);
const threshold = numberOpt(args.threshold, 'threshold', pipeline.threshold ?? 0.9);
const results = [];
for (const img of images) {
  const r = await pipeline.embedFile(img);
  results.push(r);
  process.stdout.write(
    r.ok ? `${img}: face ${Math.round(r.box.width)}x${Math.round(r.box.height)} px of ${r.faces}, ${Math.round(r.ms)} ms\n` : `${img}: ${r.reason}\n`,
  );
}
const rows = [];
for (let i = 0; i < images.length; i++)
  for (let j = i + 1; j < images.length; j++) {
    const a = results[i]!,
      b = results[j]!;
    if (!a.ok || !b.ok) {
      rows.push({ a: images[i], b: images[j], distance: null, similarity: null, same: null });
      process.stdout.write(`${images[i]} vs ${images[j]}: no verdict (a face is missing)\n`);
      continue;
    }
    const s = cosine(a.embedding, b.embedding);
    const d = Math.sqrt(Math.max(0, 2 - 2 * s));
    rows.push({ a: images[i], b: images[j], distance: d, similarity: s, same: s >= threshold });
    process.stdout.write(
      `${images[i]} vs ${images[j]}: distance ${d.toFixed(4)}  similarity ${s.toFixed(4)}  ${s >= threshold ? 'SAME' : 'DIFFERENT'} (threshold ${threshold})\n`,
    );
  }
if (args.json) process.stdout.write(`${JSON.stringify({ model: pipeline.id, threshold, pairs: rows })}\n`);
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
