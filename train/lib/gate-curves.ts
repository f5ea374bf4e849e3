// What a degraded enrolment view costs recognition, measured on people that chose nothing. Identities are split in two
// halves; each half's threshold (FPIR 1%, clean single-view galleries) is chosen on the other half. In a half, every
// enrollable person is enrolled from ONE view (the strict case: the view is all the gallery knows of them), probed
// with their other clean photos; every photo of the half is also a stranger probe against the gallery without its
// own person. Pure functions over the views of gate-views.ts.
import type { Person } from './dataset.js';
import { prng, shuffle } from './pairs.js';
import type { View } from './gate-views.js';

export const FPIR_TARGET = 0.01;

export interface Half {
  people: Person[];
  /** Chosen on the other half. */
  threshold: number;
}

const dot = (a: number[], b: number[]) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** Two identity halves, seeded; each one's FPIR-1% threshold comes from the other's clean galleries. */
export function splitHalves(people: Person[], seed: number, clean: Map<string, View>, enrolFrom: Map<string, string>): Half[] {
  const shuffled = shuffle(people, prng(seed));
  const parts = [shuffled.filter((_, i) => i % 2 === 0), shuffled.filter((_, i) => i % 2 === 1)];
  return parts.map((_, h) => {
    const other = parts[1 - h]!;
    const gallery = galleryOf(other, enrolFrom, (name) => clean.get(enrolFrom.get(name)!));
    const s = strangerScores(other, clean, gallery).sort((a, b) => b - a);
    const allowed = Math.floor(FPIR_TARGET * s.length);
    return { people: parts[h]!, threshold: allowed < s.length ? s[allowed]! + 1e-6 : -Infinity };
  });
}

type Gallery = Map<string, number[]>;

function galleryOf(people: Person[], enrolFrom: Map<string, string>, viewOf: (name: string) => View | undefined): Gallery {
  const g: Gallery = new Map();
  for (const p of people) {
    if (!enrolFrom.has(p.name)) continue;
    const v = viewOf(p.name);
    if (v?.ok) g.set(p.name, v.embedding);
  }
  return g;
}

/** Every photo of these people against the gallery without its own person: the best score (-Infinity: no face). */
function strangerScores(people: Person[], clean: Map<string, View>, gallery: Gallery): number[] {
  return people.flatMap((p) =>
    p.images.map((rel) => {
      const v = clean.get(rel);
      if (!v?.ok) return -Infinity;
      let best = -Infinity;
      for (const [name, e] of gallery) if (name !== p.name) best = Math.max(best, dot(v.embedding, e));
      return best;
    }),
  );
}

export interface Figures {
  rank1: number;
  dir: number;
  fpir: number;
  /** Mean same-person score of the mated probes against their own view (probes whose view has a face). */
  sameScore: number | null;
  mated: number;
  strangers: number;
  /** Enrollable people whose view had no face (their probes all count as missed). */
  noFace: number;
}

/** A half's figures with the gallery `viewOf` gives (one view a person), at `threshold`. */
export function measure(
  half: Person[],
  enrolFrom: Map<string, string>,
  probes: Map<string, View>,
  viewOf: (name: string) => View | undefined,
  threshold: number,
): Figures {
  const gallery = galleryOf(half, enrolFrom, viewOf);
  let mated = 0,
    rank1 = 0,
    named = 0,
    sameSum = 0,
    sameN = 0,
    noFace = 0;
  for (const p of half) {
    const rel0 = enrolFrom.get(p.name);
    if (!rel0) continue;
    if (!gallery.has(p.name)) noFace += 1;
    for (const rel of p.images) {
      if (rel === rel0) continue;
      mated += 1;
      const v = probes.get(rel);
      if (!v?.ok || gallery.size === 0) continue;
      let best = -Infinity,
        who = '';
      for (const [name, e] of gallery) {
        const s = dot(v.embedding, e);
        if (s > best) [best, who] = [s, name];
      }
      const own = gallery.get(p.name);
      if (own) [sameSum, sameN] = [sameSum + dot(v.embedding, own), sameN + 1];
      if (who === p.name) {
        rank1 += 1;
        if (best >= threshold) named += 1;
      }
    }
  }
  const s = strangerScores(half, probes, gallery);
  return {
    rank1: rank1 / Math.max(1, mated),
    dir: named / Math.max(1, mated),
    fpir: s.filter((x) => x >= threshold).length / Math.max(1, s.length),
    sameScore: sameN ? sameSum / sameN : null,
    mated,
    strangers: s.length,
    noFace,
  };
}

/** Both halves pooled (each at its own held-out threshold, or at one fixed threshold when given). */
export function measureHalves(
  halves: Half[],
  enrolFrom: Map<string, string>,
  probes: Map<string, View>,
  viewOf: (name: string) => View | undefined,
  fixed?: number,
): Figures {
  const fs = halves.map((h) => measure(h.people, enrolFrom, probes, viewOf, fixed ?? h.threshold));
  const sum = (k: 'mated' | 'strangers' | 'noFace') => fs.reduce((a, f) => a + f[k], 0);
  const w = (k: 'rank1' | 'dir', n: 'mated') => fs.reduce((a, f) => a + f[k] * f[n], 0) / Math.max(1, sum(n));
  const scored = fs.filter((f) => f.sameScore !== null);
  return {
    rank1: w('rank1', 'mated'),
    dir: w('dir', 'mated'),
    fpir: fs.reduce((a, f) => a + f.fpir * f.strangers, 0) / Math.max(1, sum('strangers')),
    sameScore: scored.length ? scored.reduce((a, f) => a + f.sameScore!, 0) / scored.length : null,
    mated: sum('mated'),
    strangers: sum('strangers'),
    noFace: sum('noFace'),
  };
}

/** One degraded view, scored against the clean gallery it replaces its person's view in (everyone else clean). */
export interface PairedView {
  person: string;
  level: string;
  view: View;
  /** Mated probes of this person; how many are named (right person, at or above the half's threshold) clean and with this view. */
  mated: number;
  namedClean: number;
  named: number;
  /** Mean same-person score of the probes, clean view and this view. */
  scoreClean: number;
  score: number;
  /** Strangers of the half named with this view in the gallery, minus with the clean one. */
  strangersAdded: number;
  /** People enrolled and stranger probes in the person's half (to scale strangersAdded to an FPIR change). */
  enrolled: number;
  strangers: number;
}

export function pairedViews(halves: Half[], enrolFrom: Map<string, string>, clean: Map<string, View>, levels: Map<string, Map<string, View>>): PairedView[] {
  const out: PairedView[] = [];
  for (const half of halves) {
    const base = galleryOf(half.people, enrolFrom, (n) => clean.get(enrolFrom.get(n)!));
    const strangerBest = half.people.flatMap((p) =>
      p.images.map((rel) => {
        const v = clean.get(rel);
        // Best over the gallery without the stranger's own person; kept per person so one view can be swapped in.
        const scores = new Map<string, number>();
        if (v?.ok) for (const [name, e] of base) if (name !== p.name) scores.set(name, dot(v.embedding, e));
        return { v, scores };
      }),
    );
    const bestWithout = (scores: Map<string, number>, skip: string) => {
      let b = -Infinity;
      for (const [n, s] of scores) if (n !== skip) b = Math.max(b, s);
      return b;
    };
    for (const p of half.people) {
      const rel0 = enrolFrom.get(p.name);
      const own = rel0 ? base.get(p.name) : undefined;
      if (!rel0 || !own) continue;
      const probes = p.images.filter((r) => r !== rel0).map((r) => clean.get(r));
      const namedWith = (e: number[] | null) => {
        let named = 0,
          sum = 0;
        for (const v of probes) {
          if (!v?.ok) continue;
          const s = e ? dot(v.embedding, e) : -Infinity;
          if (e) sum += s;
          let other = -Infinity;
          for (const [n, g] of base) if (n !== p.name) other = Math.max(other, dot(v.embedding, g));
          if (s > other && s >= half.threshold) named += 1;
        }
        return { named, score: sum / Math.max(1, probes.filter((v) => v?.ok).length) };
      };
      const c = namedWith(own);
      const strangersWith = (e: number[] | null) =>
        strangerBest.filter(({ v, scores }) => {
          if (!v?.ok || !scores.has(p.name)) return false; // the person's own photos are not strangers to them
          const s = e ? dot(v.embedding, e) : -Infinity;
          return Math.max(bestWithout(scores, p.name), s) >= half.threshold;
        }).length;
      const fpClean = strangersWith(own);
      for (const [level, byPerson] of levels) {
        const view = byPerson.get(p.name);
        if (!view) continue;
        const e = view.ok ? view.embedding : null;
        const d = namedWith(e);
        out.push({
          person: p.name,
          level,
          view,
          mated: probes.length,
          namedClean: c.named,
          named: d.named,
          scoreClean: c.score,
          score: d.score,
          strangersAdded: strangersWith(e) - fpClean,
          enrolled: base.size,
          strangers: strangerBest.length,
        });
      }
    }
  }
  return out;
}
