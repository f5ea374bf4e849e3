// Embeds the photos the gate evaluation needs with any embedding model: every photo clean (the probes), each
// enrollable person's enrolment photo at every degradation level, and the same with the exposure mend applied.
// Each view keeps what every enrolment gate measures on it (the server's own measures). Cached per model and view.
import fs from 'node:fs';
import path from 'node:path';
import { measureChip } from '../../src/server/vision/quality.js';
import type { FaceAnalyzer } from '../../src/server/vision/analyzer.js';
import { readImageFile, type Person } from './dataset.js';
import { degradeAlong, mendExposure, type Level } from './gate-degrade.js';
import type { FaceBox } from './degrade.js';
import { progress } from './progress.js';

/** What the enrolment gates read off a view (src/server/enrolment/gates.ts). Angles in degrees, absolute. */
export interface GateMeasures {
  facePx: number;
  confidence: number;
  yaw: number;
  pitch: number;
  roll: number;
  brightness: number;
  clipped: number;
  sharpness: number;
}

export type View = { ok: true; embedding: number[]; box: FaceBox; m: GateMeasures } | { ok: false; reason: string };

const CACHE_VERSION = 'gate-views-v1';
const deg = (rad: number) => (Math.abs(rad) * 180) / Math.PI;

export interface GateViews {
  people: Person[];
  /** Enrollable people (two or more photos with a face) and the photo each enrols from: their first with a face. */
  enrolFrom: Map<string, string>;
  clean: Map<string, View>;
  /** level id -> person -> their enrolment photo degraded to that level. */
  degraded: Map<string, Map<string, View>>;
  /** The exposure mend on every clean photo and on the enrolment photos of `mendLevels`, when asked for. */
  mended?: { clean: Map<string, View>; degraded: Map<string, Map<string, View>> };
}

export async function embedGateViews(opts: {
  analyzer: FaceAnalyzer;
  root: string;
  people: Person[];
  levels: Level[];
  /** Levels whose mended copies are embedded too (empty: no mend pass). */
  mendLevels: Level[];
  cacheDir?: string;
}): Promise<GateViews> {
  const { analyzer, root, people } = opts;
  const cacheFile = opts.cacheDir ? path.join(opts.cacheDir, `${analyzer.modelId}.${CACHE_VERSION}.json`) : null;
  const cache: Record<string, View> = cacheFile && fs.existsSync(cacheFile) ? JSON.parse(fs.readFileSync(cacheFile, 'utf8')) : {};
  let unsaved = 0;
  const save = () => {
    if (!cacheFile || unsaved === 0) return;
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    fs.writeFileSync(cacheFile, JSON.stringify(cache));
    unsaved = 0;
  };
  const view = async (key: string, make: () => Promise<Buffer | null>): Promise<View> => {
    let v = cache[key];
    if (!v) {
      const bytes = await make();
      v = bytes ? await embedView(analyzer, bytes) : { ok: false, reason: 'no face on the clean photo' };
      cache[key] = v;
      if (++unsaved >= 25) save();
    }
    return v;
  };
  const read = (rel: string) => {
    const r = readImageFile(path.join(root, rel));
    return r.ok ? r.bytes : null;
  };

  const rels = people.flatMap((p) => p.images);
  const clean = new Map<string, View>();
  let bar = progress('embed clean', rels.length);
  for (const rel of rels) {
    clean.set(rel, await view(`clean|${rel}`, async () => read(rel)));
    bar.tick();
  }
  bar.done();
  const enrolFrom = new Map<string, string>();
  for (const p of people) {
    const found = p.images.filter((rel) => clean.get(rel)?.ok);
    if (found.length >= 2) enrolFrom.set(p.name, found[0]!);
  }
  const boxOf = (rel: string) => {
    const v = clean.get(rel);
    return v?.ok ? v.box : null;
  };
  const degraded = new Map<string, Map<string, View>>();
  bar = progress('embed degraded', opts.levels.length * enrolFrom.size);
  for (const level of opts.levels) {
    const byPerson = new Map<string, View>();
    for (const [name, rel] of enrolFrom) {
      byPerson.set(name, await view(`${level.id}|${rel}`, async () => degradeAlong(read(rel)!, level, boxOf(rel))));
      bar.tick();
    }
    degraded.set(level.id, byPerson);
  }
  bar.done();
  save();
  if (opts.mendLevels.length === 0) return { people, enrolFrom, clean, degraded };

  // The mend reads the brightness the unmended view measured (what the server would measure on its chip).
  const mendOf = async (key: string, bytes: () => Promise<Buffer | null>, measured: View | undefined) =>
    view(`mend|${key}`, async () => {
      const b = measured?.ok ? await bytes() : null;
      return b && measured?.ok ? mendExposure(b, measured.m.brightness) : null;
    });
  const mended = { clean: new Map<string, View>(), degraded: new Map<string, Map<string, View>>() };
  bar = progress('embed mended', rels.length + opts.mendLevels.length * enrolFrom.size);
  for (const rel of rels) {
    mended.clean.set(rel, await mendOf(`clean|${rel}`, async () => read(rel), clean.get(rel)));
    bar.tick();
  }
  for (const level of opts.mendLevels) {
    const byPerson = new Map<string, View>();
    for (const [name, rel] of enrolFrom) {
      const bytes = () => degradeAlong(read(rel)!, level, boxOf(rel));
      byPerson.set(name, await mendOf(`${level.id}|${rel}`, bytes, degraded.get(level.id)?.get(name)));
      bar.tick();
    }
    mended.degraded.set(level.id, byPerson);
  }
  bar.done();
  save();
  return { people, enrolFrom, clean, degraded, mended };
}

/** The photo's largest face: its embedding and every gate measure, as the server computes them. */
async function embedView(analyzer: FaceAnalyzer, bytes: Uint8Array): Promise<View> {
  const r = await analyzer.embedAll(bytes, 8192 * 8192);
  if (!r.ok) return { ok: false, reason: `${r.code}: ${r.message}` };
  if (r.faces.length === 0) return { ok: false, reason: 'no face detected' };
  const f = r.faces.reduce((a, b) => (b.box.width * b.box.height > a.box.width * a.box.height ? b : a));
  const size = Math.round(Math.sqrt(f.chip.length / 3));
  const q = measureChip(f.chip, size);
  return {
    ok: true,
    embedding: Array.from(f.embedding, (x) => Math.round(x * 1e6) / 1e6),
    box: { x: f.box.x, y: f.box.y, width: f.box.width, height: f.box.height },
    m: {
      facePx: Math.min(f.box.width, f.box.height),
      confidence: f.score,
      yaw: deg(f.pose.yaw),
      pitch: deg(f.pose.pitch),
      roll: deg(f.pose.roll),
      brightness: q.brightness,
      clipped: q.clipped,
      sharpness: q.sharpness,
    },
  };
}
