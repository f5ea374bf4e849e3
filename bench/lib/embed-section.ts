// BENCHMARKS.md's embedding-cost section and target row, from bench/results/embed.json (bench/embed.ts).
import { recordedReference } from './machine.js';
import type { Any } from './report-sections.js';

const fmt = (x: unknown, digits = 1) => (typeof x === 'number' && Number.isFinite(x) ? `${+x.toFixed(digits)}` : 'n/a');
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const p = (s: Any) => `${fmt(s?.p50)} / ${fmt(s?.p95)}`;

/** The target: the default embedding <= 15 ms CPU a face at p50, landmarks and alignment included. */
export function embedTargetRow(f: Any): string[] {
  const target = 'default embedding <= 15 ms CPU a face at p50, landmarks and alignment included';
  const d = (f?.results?.models as Any[] | undefined)?.find((m) => m.default);
  if (!d) return [target, 'n/a', 'not measured'];
  return [
    target,
    `${d.model}: ${fmt(d.embed?.p50)} ms (landmarks + alignment ${fmt(d.landmarksAndAlign?.p50)}, network ${fmt(d.network?.p50)}); detection with the face mesh ${fmt(d.detect?.p50)} ms a frame more`,
    d.embed?.p50 <= 15 ? '**met**' : '**not met**',
  ];
}

/**
 * Issue 20's target: the fused embedding (the default) <= 35 ms CPU a face at p50, and a frame's two faces in one call
 * cost less than twice one face.
 */
export function fusedTargetRow(f: Any): string[] {
  const target = 'fused embedding <= 35 ms CPU a face at p50 (landmarks, alignment, networks), two faces in one frame < 2x one';
  const d = (f?.results?.models as Any[] | undefined)?.find((m) => m.default);
  if (!d) return [target, 'n/a', 'not measured'];
  const one = d.embed?.p50,
    two = d.embedTwo?.p50;
  // The TF.js row: the default's networks in float (the int8 default has no TF.js twin), or the default itself in older runs.
  const before = (f?.results?.models as Any[]).find((m) => m.runtime === 'tfjs');
  // The same frames' faces embedded alone and together (bench/embed.ts measureTwo), where measured; older runs compared
  // two-face frames with the one-face photos.
  const sameFrames = typeof d.twoToOne?.p50 === 'number';
  const ratio = sameFrames ? d.twoToOne.p50 : typeof one === 'number' && typeof two === 'number' && one > 0 ? two / one : NaN;
  return [
    target,
    `${d.model}: ${fmt(one)} ms a face (landmarks + alignment ${fmt(d.landmarksAndAlign?.p50)}, network ${fmt(d.network?.p50)}), two faces ${fmt(two)} ms (${fmt(ratio, 2)}x one${sameFrames ? `, p50 over ${d.twoToOne.n} frames of the two faces together against each alone; p95 ${fmt(d.twoToOne.p95, 2)}x` : ''})` +
      (before ? `; on TF.js (EMBED_RUNTIME=tfjs, ${before.model}) ${fmt(before.embed?.p50)} ms a face, two ${fmt(before.embedTwo?.p50)} ms` : ''),
    one <= 35 && ratio < 2 ? '**met**' : '**not met**',
  ];
}

export function embedSection(f: Any): string {
  const ref = recordedReference(f);
  const models = (f.results?.models as Any[] | undefined) ?? [];
  return [
    '## Embedding cost per model: `npm run bench -- --only embed` (bench/embed.ts)',
    '',
    `CPU ms a face, p50 / p95, in one thread (tfjs WASM; onnxruntime-node with 1 intra-op thread), ${f.settings?.frames ?? 'fixture photos'}, ${f.settings?.rounds ?? '?'} rounds after a warm-up round.`,
    '**embed** = face-api 68 landmarks + alignment + the network(s), after detection: the embedding stage of an enrolment or a still image.',
    '**network** = the network(s) on a stored chip (ArcFace crop cut from it), so landmarks + alignment ≈ embed − network.',
    "**detect** = Human's detector + face mesh over the frame. **live** = `embed()` of a face the live detector (BlazeFace) found: the face mesh runs over the frame again for the faces embedded, then landmarks, alignment, network(s).",
    `**two faces** = \`embed([0, 1])\` of a frame showing two people (${f.settings?.twoFaceFrames ?? 'two fixture photos side by side'}), both faces in one call (one batch per network), CPU ms for the frame: still-image path / live path; **two faces / one** = the same frame's two faces in one call over each of them alone (mean), p50 / p95 over the frames (still-image path).`,
    '**runtime** = `EMBED_RUNTIME`: `auto` runs the landmark net, ResNet and MobileFaceNet on onnxruntime-node when it loads (same embeddings as TF.js: tests/unit/embedding-onnx.test.ts; the int8 ResNet runs there only); `tfjs` is the TF.js path, for comparison, with the float fusion (what the server runs where onnxruntime-node does not load).',
    ref
      ? `**Machine speed** during this run: a fixed JavaScript loop took ${fmt(ref.before)} ms of CPU before and ${fmt(ref.after)} ms after (lower is faster). This shared machine's speed moves by hours, unseen by the load average: compare runs by this figure, and ratios within one run.`
      : '**Machine speed**: not recorded by this run.',
    '',
    table(
      [
        'model',
        'runtime',
        'dims',
        'networks',
        'embed',
        'landmarks + alignment',
        'network',
        'detect (frame)',
        'live embed a face',
        'two faces: embed / live (frame)',
        'two faces / one, same frame',
      ],
      models.map((m) => [
        m.default ? `**${m.model}** (default)` : m.model,
        m.runtime ?? 'auto',
        String(m.dims),
        (m.networks as string[] | undefined)?.join(', ') ?? '',
        p(m.embed),
        p(m.landmarksAndAlign),
        p(m.network),
        p(m.detect),
        p(m.live),
        `${p(m.embedTwo)} / ${p(m.liveTwo)}`,
        m.twoToOne ? `${fmt(m.twoToOne.p50, 2)}x / ${fmt(m.twoToOne.p95, 2)}x` : 'n/a',
      ]),
    ),
  ].join('\n');
}
