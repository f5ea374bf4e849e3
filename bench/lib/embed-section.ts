// BENCHMARKS.md's embedding-cost section and target row, from bench/results/embed.json (bench/embed.ts).
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

export function embedSection(f: Any): string {
  const models = (f.results?.models as Any[] | undefined) ?? [];
  return [
    '## Embedding cost per model: `npm run bench -- --only embed` (bench/embed.ts)',
    '',
    `CPU ms a face, p50 / p95, in one thread (tfjs WASM; onnxruntime-node with 1 intra-op thread), ${f.settings?.frames ?? 'fixture photos'}, ${f.settings?.rounds ?? '?'} rounds after a warm-up round.`,
    '**embed** = face-api 68 landmarks + alignment + the network(s), after detection: the embedding stage of an enrolment or a still image.',
    '**network** = the network(s) on a stored chip (ArcFace crop cut from it), so landmarks + alignment ≈ embed − network.',
    "**detect** = Human's detector + face mesh over the frame. **live** = `embed()` of a face the live detector (BlazeFace) found: the face mesh runs over the frame again for the faces embedded, then landmarks, alignment, network(s).",
    '',
    table(
      ['model', 'dims', 'networks', 'embed', 'landmarks + alignment', 'network', 'detect (frame)', 'live embed a face'],
      models.map((m) => [
        m.default ? `**${m.model}** (default)` : m.model,
        String(m.dims),
        (m.networks as string[] | undefined)?.join(', ') ?? '',
        p(m.embed),
        p(m.landmarksAndAlign),
        p(m.network),
        p(m.detect),
        p(m.live),
      ]),
    ),
  ].join('\n');
}
