// `npx tsx train/latency.ts [--model ID]`: live-path cost per face on 640x480 webcam-like frames: detect, and embed one new face.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { EMBEDDING_MODEL_ID } from '../src/server/vision/embedder.js';
import { cli, numberOpt } from './lib/args.js';
import { openPipeline } from './lib/pipeline.js';

const args = cli(
  'npx tsx train/latency.ts [--model ID] [--rounds 5]\n\nMedian detect and embed milliseconds per frame (one face) over the fixture photos letterboxed to 640x480.',
  {
    model: { type: 'string', help: 'model id', default: EMBEDDING_MODEL_ID },
    rounds: { type: 'string', help: 'passes over the photos (the first is warm-up)', default: '5' },
  },
);
const root = 'tests/fixtures/faces';
const files = fs
  .readdirSync(root)
  .filter((d) => !d.startsWith('_') && fs.statSync(path.join(root, d)).isDirectory())
  .map((d) => path.join(root, d, '1.jpg'));
const frames = await Promise.all(
  files.map(async (f) => new Uint8Array(await sharp(f).resize(640, 480, { fit: 'contain', background: '#000' }).jpeg({ quality: 80 }).toBuffer())),
);
const p = await openPipeline(args.model!);
const a = p.analyzer!;
// CPU time besides wall time: on a shared machine other work stretches wall time, much less this thread's CPU time.
const detect: number[] = [],
  embed: number[] = [],
  embedCpu: number[] = [];
for (let r = 0; r < numberOpt(args.rounds, 'rounds', 5); r++) {
  for (const f of frames) {
    const res = await a.analyze(f, 640 * 480);
    if (!res.ok || res.frame.faces.length === 0) continue;
    const t0 = performance.now(),
      c0 = process.cpuUsage();
    await res.frame.embed([0]);
    const t1 = performance.now(),
      c1 = process.cpuUsage(c0);
    res.frame.release();
    if (r > 0) {
      detect.push(res.frame.timings.detect);
      embed.push(t1 - t0);
      embedCpu.push((c1.user + c1.system) / 1000);
    }
  }
}
const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;
process.stdout.write(
  `${JSON.stringify({ model: p.id, frames: detect.length, detect_ms: Math.round(med(detect)), embed_ms: Math.round(med(embed)), embed_cpu_ms: Math.round(med(embedCpu)) })}\n`,
);
