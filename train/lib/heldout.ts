// Held-out verification, k-fold by identity: fusion constants and thresholds are estimated on the other folds' people,
// and every figure is measured on people that chose nothing. Pure functions over cached per-model embeddings.
import { auc, bestThreshold, tarAtFar, type ScoredPair } from './metrics.js';
import type { Person } from './dataset.js';
import { prng, shuffle } from './pairs.js';
import type { ImageParts, PartsResult } from './parts.js';
import { isResnet, NET_NAMES, type NetName } from '../../src/server/vision/nets-embedder.js';

/**
 * How a pair is scored: one network's cosine, or the mean z-score of several networks (constants from the training
 * people), named by the networks joined with '+'. '@regallery': the gallery side's ArcFace networks come from its stored
 * 150 px dlib chip (a gallery migrated from another model by re-embedding its crops, as stored before 2026-12-06);
 * '@regallery220': from the 220 px wide chip stored since (vision/chip-geometry.ts).
 */
export const METHODS = [
  'resnet',
  'mobilefacenet',
  'edgeface-xs',
  'edgeface-xxs',
  'resnet+mobilefacenet',
  'resnet-int8',
  'resnet-int8+mobilefacenet',
  'edgeface-xs+mobilefacenet',
  'edgeface-xs+resnet',
  'edgeface-xxs+mobilefacenet',
  'edgeface-xxs+resnet',
  'resnet+mobilefacenet@regallery',
  'edgeface-xs@regallery',
  'edgeface-xxs@regallery',
  'resnet+mobilefacenet@regallery220',
  'edgeface-xs@regallery220',
  'edgeface-xxs@regallery220',
] as const;
export type Method = string;

const NET_HELP: Record<NetName, string> = {
  resnet: 'dlib ResNet (dlib chip 150, chip + mirror)',
  mobilefacenet: 'MobileFaceNet (ArcFace crop, no mirror)',
  'edgeface-xs': 'EdgeFace-XS (ArcFace crop + mirror)',
  'edgeface-xxs': 'EdgeFace-XXS (ArcFace crop + mirror)',
  'resnet-int8': 'dlib ResNet quantised to int8 (dlib chip 150, chip + mirror)',
};

/** Where the gallery side's ArcFace vectors come from: the photo, or a stored chip of this side (re-embedded). */
export type GalleryRoute = 'photo' | 'chip150' | 'chip220';
const ROUTE_OF_TAG: Record<string, GalleryRoute> = { regallery: 'chip150', regallery220: 'chip220' };

export function parseMethod(m: Method): { nets: NetName[]; regallery: GalleryRoute } {
  const [body, tag] = m.split('@');
  const nets = body!.split('+') as NetName[];
  const bad = nets.filter((n) => !NET_NAMES.includes(n));
  if (bad.length > 0 || (tag !== undefined && !ROUTE_OF_TAG[tag])) throw new Error(`unknown method ${JSON.stringify(m)}; networks: ${NET_NAMES.join(', ')}`);
  return { nets, regallery: tag === undefined ? 'photo' : ROUTE_OF_TAG[tag]! };
}

export function methodHelp(m: Method): string {
  const { nets, regallery } = parseMethod(m);
  const what = nets.length === 1 ? `${NET_HELP[nets[0]!]} alone` : `${nets.map((n) => NET_HELP[n]).join(' + ')}: z-scored cosines averaged`;
  if (regallery === 'photo') return what;
  return `${what}; gallery side re-embedded from its stored ${regallery === 'chip150' ? '150x150 dlib chip' : '220x220 wide chip'}`;
}

/** The method that scores like a shipped model: its networks, in the manifest's order. */
export function methodOfManifest(m: { nets?: { net: NetName }[]; fusion?: unknown; id: string }): Method {
  if (m.nets) return m.nets.map((p) => p.net).join('+');
  if (m.fusion) return 'resnet+mobilefacenet';
  if (m.id.startsWith('dlib-resnet128')) return 'resnet';
  throw new Error(`model ${m.id} has no networks the held-out evaluation can score`);
}

/** Impostor cosine statistics of each network. */
export type ZParams = Record<NetName, { mean: number; std: number }>;

export const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

/** Different-person pairs of these people, every one (the data sets here are small). */
export function differentPairs(people: Person[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < people.length; i++)
    for (let j = i + 1; j < people.length; j++) for (const a of people[i]!.images) for (const b of people[j]!.images) out.push([a, b]);
  return out;
}
export function samePairs(people: Person[]): [string, string][] {
  return people.flatMap((p) => p.images.flatMap((a, i) => p.images.slice(i + 1).map((b) => [a, b] as [string, string])));
}

function meanStd(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, std: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) || 1 };
}

/** z-norm constants: mean and spread of each network's cosine over different-person pairs (impostor statistics). */
export function fitZParams(vec: Map<string, PartsResult>, people: Person[]): ZParams {
  const pairs = differentPairs(people).filter(([a, b]) => vec.get(a)?.ok && vec.get(b)?.ok);
  const parts = (rel: string) => (vec.get(rel) as { ok: true; parts: ImageParts }).parts;
  const present = NET_NAMES.filter((n) => pairs.length > 0 && parts(pairs[0]![0]).nets[n]);
  return Object.fromEntries(present.map((n) => [n, meanStd(pairs.map(([a, b]) => dot(parts(a).nets[n]!, parts(b).nets[n]!)))])) as ZParams;
}

/** One network's unit vector of an image, from the photo or (gallery side of a re-embedded gallery) its stored chip. */
export function netVector(r: ImageParts, net: NetName, route: GalleryRoute): number[] {
  // The ResNet reads the 150 px chip both ways (the wide chip's centre is that chip): its photo vector stands for both.
  const v = route === 'photo' || isResnet(net) ? r.nets[net] : route === 'chip150' ? r.chip[net] : r.wideChip?.[net];
  if (!v) throw new Error(`no ${net} vector in the evaluation cache`);
  return v;
}

/** The pair's score under `method` (b is the gallery side), or null when a face is missing. */
export function scorePair(method: Method, a: PartsResult | undefined, b: PartsResult | undefined, z: ZParams): number | null {
  if (!a?.ok || !b?.ok) return null;
  const { nets, regallery } = parseMethod(method);
  const cos = nets.map((n) => dot(netVector(a.parts, n, 'photo'), netVector(b.parts, n, regallery)));
  if (nets.length === 1) return cos[0]!;
  return cos.reduce((s, c, i) => s + (c - z[nets[i]!].mean) / z[nets[i]!].std, 0) / nets.length;
}

/** Identity folds: people shuffled by seed, dealt round-robin. */
export function identityFolds(people: Person[], k: number, seed: number): Person[][] {
  const folds: Person[][] = Array.from({ length: k }, () => []);
  shuffle(people, prng(seed)).forEach((p, i) => folds[i % k]!.push(p));
  return folds;
}

export interface HeldoutFigures {
  /** Mean of same-pair and different-pair accuracy at the threshold chosen on the training people (pooled over folds). */
  accuracy: number;
  accuracy_std: number;
  tar: number;
  tnr: number;
  auc: number;
  'tar_at_far_1e-3': number;
  same: number;
  different: number;
  missed_pairs: number;
}

/**
 * k-fold by identity for one condition: for each fold, z constants (clean photos) and the accuracy threshold (this
 * condition, balanced) come from the other folds' people; the fold's own pairs are then scored. A pair with a missed
 * face is an error for accuracy and a reject for ROC figures.
 */
export function heldoutVerification(opts: {
  clean: Map<string, PartsResult>;
  vec: Map<string, PartsResult>;
  folds: Person[][];
  method: Method;
}): HeldoutFigures {
  const { vec, folds, method } = opts;
  const tested: { same: boolean; score: number | null; correct: boolean }[] = [];
  const foldAcc: number[] = [];
  for (let f = 0; f < folds.length; f++) {
    const train = folds.filter((_, j) => j !== f).flat(),
      test = folds[f]!;
    const z = fitZParams(opts.clean, train);
    const score = (p: [string, string], same: boolean): ScoredPair => {
      const s = scorePair(method, vec.get(p[0]), vec.get(p[1]), z);
      return { same, score: s ?? (same ? -Infinity : Infinity) };
    };
    // Balanced training set: every same pair, as many different pairs drawn by seed.
    const trSame = samePairs(train),
      trDiff = shuffle(differentPairs(train), prng(f + 1)).slice(0, trSame.length);
    const { threshold } = bestThreshold([...trSame.map((p) => score(p, true)), ...trDiff.map((p) => score(p, false))]);
    const here = [...samePairs(test).map((p) => ({ p, same: true })), ...differentPairs(test).map((p) => ({ p, same: false }))].map(({ p, same }) => {
      const s = scorePair(method, vec.get(p[0]), vec.get(p[1]), z);
      return { same, score: s, correct: s !== null && s >= threshold === same };
    });
    tested.push(...here);
    const rate = (same: boolean) => here.filter((x) => x.same === same && x.correct).length / Math.max(1, here.filter((x) => x.same === same).length);
    if (here.some((x) => x.same)) foldAcc.push((rate(true) + rate(false)) / 2);
  }
  const rate = (same: boolean) => tested.filter((x) => x.same === same && x.correct).length / Math.max(1, tested.filter((x) => x.same === same).length);
  const rocPairs = tested.map((x) => ({ same: x.same, score: x.score ?? -Infinity }));
  const mean = foldAcc.reduce((a, b) => a + b, 0) / foldAcc.length;
  return {
    accuracy: (rate(true) + rate(false)) / 2,
    accuracy_std: Math.sqrt(foldAcc.reduce((a, b) => a + (b - mean) ** 2, 0) / foldAcc.length),
    tar: rate(true),
    tnr: rate(false),
    auc: auc(rocPairs),
    'tar_at_far_1e-3': tarAtFar(rocPairs, 1e-3).tar,
    same: tested.filter((x) => x.same).length,
    different: tested.filter((x) => !x.same).length,
    missed_pairs: tested.filter((x) => x.score === null).length,
  };
}
