// `npm run bench -- --only embed`: CPU time of the embedding stage per model, in this process (one thread: tfjs WASM and
// onnxruntime-node with 1 intra-op thread), on the fixture photos letterboxed into 640x480 frames. The default model is
// measured on both embedding runtimes (EMBED_RUNTIME onnx and tfjs: the same embeddings, embed-onnx.ts). Per face:
//   detect    Human's detector + face mesh over the frame (what enrolment and still images run; the live path's
//             BlazeFace detector is measured by the live suite)
//   embed     frame.embed([face]) after that: 68 landmarks + alignment + the network(s), the "embed" of a still image
//   network   embedChips([chip]): the network(s) on a stored chip (ArcFace crop cut from it + the nets), no landmarks
//   live      frame.embed([face]) on a frame the live detector found: the face mesh over the frame runs again for the
//             faces embedded (analyzer.ts), then landmarks, alignment and network(s): what a live face costs to name
// and per frame of two faces (two fixture photos side by side in one 640x480 frame, both faces in one embed() call):
//   embedTwo, liveTwo   as embed and live, for both faces together (one batch per network)
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { DEFAULT_EMBEDDING_MODEL, FLOAT_DEFAULT_MODEL } from '../src/server/config.js';
import { parseConfig } from '../src/server/load-config.js';
import { createFaceAnalyzer, type ModelAnalyzer } from '../src/server/vision/analyzer.js';
import { resolveModel } from '../src/server/vision/models.js';
import { FIXTURES, HEIGHT, WIDTH } from './lib/frames.js';
import { spread } from './lib/stats.js';
import type { SuiteContext, SuiteOutput } from './lib/suite.js';

/**
 * The embedding networks, with their runtime, from the analyzer's model list: not the detectors, the landmark net, the
 * presentation-attack models or the image decoder, which every model shares.
 */
function embeddingNetworks(models: readonly string[]): string[] {
  return models.filter((m) => !/^(human:|live faces:|live detector:|presentation attack:|image decoder:|face-api:face_landmark_68)/.test(m));
}

/** The default first, then the other shipped models worth comparing. */
export const EMBED_MODELS = [
  DEFAULT_EMBEDDING_MODEL,
  'edgeface-xs.v1',
  'edgeface-xxs.v1',
  'fusion-resnet128-mobilefacenet192.v1',
  'dlib-resnet128.chip150.crop1.25.flip.v1',
];

/**
 * Each model on the default runtime (onnx where it loads), and the default's networks in float on TF.js too (where
 * onnxruntime-node does not load, the server runs that): the runtime's cost. BENCH_EMBED_MODELS=id,id measures only those models (to look at one closely; the report wants them all), any
 * model of models/ among them.
 */
function variants(): { model: string; runtime: 'auto' | 'tfjs' }[] {
  const only = process.env.BENCH_EMBED_MODELS?.split(',').map((s) => s.trim());
  // A model of models/ that is not among the shipped ones is measured when named (a candidate's cost before shipping it).
  const extra = (only ?? []).filter((m) => !EMBED_MODELS.includes(m));
  return [
    ...[...new Set([...EMBED_MODELS, ...extra])].map((model) => ({ model, runtime: 'auto' as const })),
    // TF.js has no int8 twin: the default's networks in float are what runs there.
    { model: FLOAT_DEFAULT_MODEL, runtime: 'tfjs' as const },
  ].filter((v) => !only || only.includes(v.model));
}

const cpuMs = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const c0 = process.cpuUsage();
  const out = await f();
  const c = process.cpuUsage(c0);
  return [out, (c.user + c.system) / 1000];
};

function fixturePhotos(): string[] {
  return fs
    .readdirSync(FIXTURES)
    .filter((d) => !d.startsWith('_') && fs.statSync(path.join(FIXTURES, d)).isDirectory())
    .flatMap((d) => fs.readdirSync(path.join(FIXTURES, d)).map((f) => `${d}/${f}`))
    .filter((f) => f.endsWith('.jpg'))
    .sort();
}

async function frames(photos: string[]): Promise<{ name: string; jpeg: Uint8Array }[]> {
  return Promise.all(
    photos.map(async (name) => ({
      name,
      jpeg: new Uint8Array(
        await sharp(path.join(FIXTURES, name)).rotate().resize(WIDTH, HEIGHT, { fit: 'contain', background: '#000' }).jpeg({ quality: 90 }).toBuffer(),
      ),
    })),
  );
}

/** Two fixture photos side by side, each letterboxed into half of a 640x480 frame: a frame with two faces. */
async function pairFrames(photos: string[]): Promise<{ name: string; jpeg: Uint8Array }[]> {
  const half = async (name: string) =>
    sharp(path.join(FIXTURES, name))
      .rotate()
      .resize(WIDTH / 2, HEIGHT, { fit: 'contain', background: '#000' })
      .png()
      .toBuffer();
  const pairs = Array.from({ length: Math.floor(photos.length / 2) }, (_, i) => [photos[2 * i]!, photos[2 * i + 1]!] as const);
  return Promise.all(
    pairs.map(async ([a, b]) => ({
      name: `${a} + ${b}`,
      jpeg: new Uint8Array(
        await sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: '#000' } })
          .composite([
            { input: await half(a), left: 0, top: 0 },
            { input: await half(b), left: WIDTH / 2, top: 0 },
          ])
          .jpeg({ quality: 90 })
          .toBuffer(),
      ),
    })),
  );
}

/**
 * CPU ms of embedding both faces of a two-face frame in one call (still-image path and live path), where two faces are
 * found; and, for the ratio, one face of the same frame alone (each face in turn), so both costs are of the same faces.
 */
async function measureTwo(
  analyzer: ModelAnalyzer,
  s: { jpeg: Uint8Array },
  round: number,
): Promise<{ embed: number | null; live: number | null; ratio: number | null }> {
  let embed: number | null = null,
    live: number | null = null,
    ratio: number | null = null;
  const r = await analyzer.analyze(s.jpeg, WIDTH * HEIGHT, { liveness: false });
  if (r.ok && r.frame.faces.length >= 2) {
    // Alternate which comes first, so neither always runs on warmer caches.
    const both = async () => (await cpuMs(() => r.frame.embed([0, 1])))[1];
    const one = async (i: number) => (await cpuMs(() => r.frame.embed([i])))[1];
    let b: number, o0: number, o1: number;
    if (round % 2) {
      b = await both();
      o0 = await one(0);
      o1 = await one(1);
    } else {
      o0 = await one(0);
      o1 = await one(1);
      b = await both();
    }
    embed = b;
    ratio = b / ((o0 + o1) / 2);
  }
  if (r.ok) r.frame.release();
  const l = await analyzer.analyze(s.jpeg, WIDTH * HEIGHT, { liveness: false, mesh: false });
  // The two people's faces: not a tentative box (LIVE_DETECT_FLOOR) the mesh may reject and leave unembedded.
  const sure = l.ok ? l.frame.faces.flatMap((f, i) => (f.tentative ? [] : [i])) : [];
  if (l.ok && sure.length >= 2) [, live] = await cpuMs(() => l.frame.embed(sure.slice(0, 2)));
  if (l.ok) l.frame.release();
  return { embed, live, ratio };
}

/** p50 / p95 of ratios, to 3 decimals (spread() rounds to 0.1). */
function ratioSpread(xs: number[]): { p50: number; p95: number; n: number } {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (q: number) => +(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN).toFixed(3);
  return { p50: at(0.5), p95: at(0.95), n: xs.length };
}

async function measure(analyzer: ModelAnalyzer, shots: { name: string; jpeg: Uint8Array }[], twos: { jpeg: Uint8Array }[], rounds: number) {
  const detect: number[] = [],
    embed: number[] = [],
    network: number[] = [],
    live: number[] = [],
    embedTwo: number[] = [],
    liveTwo: number[] = [],
    twoToOne: number[] = [];
  // Round 0 warms kernels and caches and is not counted. A two-face frame comes between every two one-face frames, so
  // both kinds see the process in the same state (measured one block after the other, the later block came out slower).
  for (let round = 0; round <= rounds; round++) {
    for (const [k, s] of shots.entries()) {
      const t = k % 2 === 0 ? twos[k / 2] : undefined;
      if (t) {
        const m = await measureTwo(analyzer, t, round);
        if (round > 0 && m.embed !== null) embedTwo.push(m.embed);
        if (round > 0 && m.ratio !== null) twoToOne.push(m.ratio);
        if (round > 0 && m.live !== null) liveTwo.push(m.live);
      }
      const [r, d] = await cpuMs(() => analyzer.analyze(s.jpeg, WIDTH * HEIGHT, { liveness: false }));
      if (!r.ok || r.frame.faces.length === 0) {
        if (r.ok) r.frame.release();
        continue;
      }
      const [faces, e] = await cpuMs(() => r.frame.embed([0]));
      r.frame.release();
      const [, n] = await cpuMs(() => analyzer.embedChips([faces[0]!.chip]));
      const l = await analyzer.analyze(s.jpeg, WIDTH * HEIGHT, { liveness: false, mesh: false });
      let liveMs: number | null = null;
      if (l.ok && l.frame.faces.length > 0) [, liveMs] = await cpuMs(() => l.frame.embed([0]));
      if (l.ok) l.frame.release();
      if (round === 0) continue;
      detect.push(d);
      embed.push(e);
      network.push(n);
      if (liveMs !== null) live.push(liveMs);
    }
  }
  return {
    detect: spread(detect),
    embed: spread(embed),
    network: spread(network),
    landmarksAndAlign: spread(embed.map((e, i) => e - network[i]!)),
    live: spread(live),
    embedTwo: spread(embedTwo),
    liveTwo: spread(liveTwo),
    /** Per two-face frame: both faces in one call over the mean of each face alone, on the same frame. */
    twoToOne: ratioSpread(twoToOne),
  };
}

export async function runEmbed(ctx: SuiteContext): Promise<SuiteOutput> {
  const parsed = parseConfig({ TF_BACKEND: 'wasm', DETECT_MIN_CONFIDENCE: '0.5', MAX_FACES: '10' });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const photos = fixturePhotos();
  const shots = await frames(photos);
  const twos = await pairFrames(photos);
  const rounds = ctx.quick ? 1 : 3;
  const models: Record<string, unknown>[] = [];
  for (const { model: id, runtime } of variants()) {
    ctx.log(`embed: ${id} (EMBED_RUNTIME=${runtime})`);
    const config = { ...parsed.config, EMBED_RUNTIME: runtime };
    const analyzer = await createFaceAnalyzer(config, ctx.log, { model: resolveModel(id) });
    models.push({
      model: id,
      runtime,
      dims: analyzer.dims,
      default: id === DEFAULT_EMBEDDING_MODEL && runtime === 'auto',
      networks: embeddingNetworks(analyzer.models),
      ...(await measure(analyzer, shots, twos, rounds)),
    });
  }
  // The machine's speed during the run is recorded by bench/run.ts for every suite (machine.referenceMs).
  return {
    settings: {
      backend: 'wasm (in this process)',
      ortThreads: 1,
      frames: `${shots.length} fixture photos letterboxed to ${WIDTH}x${HEIGHT}`,
      twoFaceFrames: `${twos.length} frames of two fixture photos side by side, each letterboxed to ${WIDTH / 2}x${HEIGHT}`,
      rounds,
    },
    results: { unit: 'CPU ms a face (process.cpuUsage, one face a frame)', models },
  };
}
