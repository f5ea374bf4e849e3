// Evaluation pairs: balanced, seeded generation from a dataset, and reading/writing LFW pairs.txt and TSV lists.
import type { Person } from './dataset.js';

export interface Pair {
  a: string;
  b: string;
  same: boolean;
}

/** mulberry32: a small seeded PRNG, so the same seed gives the same pairs on every machine. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function allSamePairs(people: Person[]): Pair[] {
  const out: Pair[] = [];
  for (const p of people)
    for (let i = 0; i < p.images.length; i++) for (let j = i + 1; j < p.images.length; j++) out.push({ a: p.images[i]!, b: p.images[j]!, same: true });
  return out;
}

export function allDifferentPairs(people: Person[]): Pair[] {
  const out: Pair[] = [];
  for (let x = 0; x < people.length; x++)
    for (let y = x + 1; y < people.length; y++) for (const a of people[x]!.images) for (const b of people[y]!.images) out.push({ a, b, same: false });
  return out;
}

export interface GenerateOptions {
  seed: number;
  folds: number;
  /** Same-person pairs per fold (as many as the data allows when undefined). */
  perFold?: number;
}

/**
 * Balanced pairs in LFW's layout: `folds` sets, each with `perFold` same pairs then `perFold` different pairs.
 * Same pairs are drawn without replacement from all same-person pairs; different pairs from all cross-person pairs.
 */
export function generatePairs(people: Person[], opts: GenerateOptions): { pairs: Pair[]; perFold: number; available: { same: number; different: number } } {
  const rand = prng(opts.seed);
  const same = shuffle(allSamePairs(people), rand);
  const diffCount = countDifferent(people);
  const maxPerFold = Math.floor(Math.min(same.length, diffCount) / opts.folds);
  const perFold = Math.min(opts.perFold ?? maxPerFold, maxPerFold);
  const different = sampleDifferent(people, perFold * opts.folds, rand);
  const pairs: Pair[] = [];
  for (let f = 0; f < opts.folds; f++) {
    pairs.push(...same.slice(f * perFold, (f + 1) * perFold), ...different.slice(f * perFold, (f + 1) * perFold));
  }
  return { pairs, perFold, available: { same: same.length, different: diffCount } };
}

/** Every pair of the dataset (unbalanced), shuffled so that contiguous folds mix people. */
export function generateAllPairs(people: Person[], seed: number): Pair[] {
  return shuffle([...allSamePairs(people), ...allDifferentPairs(people)], prng(seed));
}

function countDifferent(people: Person[]): number {
  const n = people.map((p) => p.images.length);
  const total = n.reduce((a, b) => a + b, 0);
  return (total * total - n.reduce((a, b) => a + b * b, 0)) / 2;
}

/** Uniform distinct cross-person image pairs, by rejection (the space is large next to what is drawn). */
function sampleDifferent(people: Person[], count: number, rand: () => number): Pair[] {
  const images = people.flatMap((p, pi) => p.images.map((img) => ({ img, pi })));
  const seen = new Set<string>();
  const out: Pair[] = [];
  if (count > countDifferent(people)) throw new Error('not enough different-person pairs');
  while (out.length < count) {
    const x = images[Math.floor(rand() * images.length)]!,
      y = images[Math.floor(rand() * images.length)]!;
    if (x.pi === y.pi) continue;
    const [a, b] = x.img < y.img ? [x.img, y.img] : [y.img, x.img];
    const key = `${a}\n${b}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ a, b, same: false });
  }
  return out;
}

export function toTsv(pairs: Pair[]): string {
  return pairs.map((p) => `${p.a}\t${p.b}\t${p.same ? 1 : 0}`).join('\n') + '\n';
}

/** `<person>/<file>` → (person, 1-based index in the person's natural-ordered images). */
export function toLfw(pairs: Pair[], folds: number, perFold: number, people: Person[]): string {
  const index = new Map<string, [string, number]>();
  for (const p of people) p.images.forEach((img, i) => index.set(img, [p.name, i + 1]));
  const lines = [`${folds}\t${perFold}`];
  for (const pair of pairs) {
    const [na, ia] = index.get(pair.a)!,
      [nb, ib] = index.get(pair.b)!;
    lines.push(pair.same ? `${na}\t${ia}\t${ib}` : `${na}\t${ia}\t${nb}\t${ib}`);
  }
  return lines.join('\n') + '\n';
}

export interface ParsedLine {
  line: number;
  /** TSV: paths; LFW: person names with 1-based numbers, resolved by the caller. */
  a: string | { person: string; n: number };
  b: string | { person: string; n: number };
  same: boolean;
}

/** Reads TSV (`a<TAB>b<TAB>1|0`) or LFW pairs.txt; malformed lines are returned as problems, never thrown. */
export function parsePairs(text: string): { format: 'tsv' | 'lfw'; pairs: ParsedLine[]; problems: { line: number; reason: string }[] } {
  const lines = text.split(/\r?\n/);
  const first = lines[0]?.trim().split(/\s+/) ?? [];
  const lfw = first.length === 2 && first.every((x) => /^\d+$/.test(x));
  const pairs: ParsedLine[] = [];
  const problems: { line: number; reason: string }[] = [];
  lines.forEach((raw, i) => {
    const line = i + 1;
    if ((lfw && i === 0) || raw.trim() === '' || raw.startsWith('#')) return;
    const f = raw.split('\t').map((x) => x.trim());
    if (!lfw) {
      if (f.length !== 3 || !['0', '1'].includes(f[2]!) || !f[0] || !f[1])
        problems.push({ line, reason: `expected "pathA<TAB>pathB<TAB>1|0", got ${JSON.stringify(raw)}` });
      else pairs.push({ line, a: f[0], b: f[1], same: f[2] === '1' });
    } else if (f.length === 3 && /^\d+$/.test(f[1]!) && /^\d+$/.test(f[2]!)) {
      pairs.push({ line, a: { person: f[0]!, n: Number(f[1]) }, b: { person: f[0]!, n: Number(f[2]) }, same: true });
    } else if (f.length === 4 && /^\d+$/.test(f[1]!) && /^\d+$/.test(f[3]!)) {
      pairs.push({ line, a: { person: f[0]!, n: Number(f[1]) }, b: { person: f[2]!, n: Number(f[3]) }, same: false });
    } else problems.push({ line, reason: `not an LFW pair line: ${JSON.stringify(raw)}` });
  });
  return { format: lfw ? 'lfw' : 'tsv', pairs, problems };
}
