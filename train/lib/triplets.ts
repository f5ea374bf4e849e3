// Semi-hard triplet mining as in FaceNet (Schroff et al. 2015): for each anchor-positive pair, a negative farther than
// the positive but within the margin. Pure, on a precomputed squared-distance matrix.

export interface Triplet {
  a: number;
  p: number;
  n: number;
}

/** P people x K images: the batch indices, drawn with `rand`, people with fewer than 2 images never chosen as anchors' people. */
export function sampleBatch(labels: number[], people: number, perPerson: number, rand: () => number): number[] {
  const byPerson = new Map<number, number[]>();
  labels.forEach((l, i) => byPerson.set(l, [...(byPerson.get(l) ?? []), i]));
  const eligible = [...byPerson.entries()].filter(([, ix]) => ix.length >= 2);
  const chosen: number[] = [];
  const pool = [...eligible];
  for (let k = 0; k < people && pool.length > 0; k++) {
    const [, ix] = pool.splice(Math.floor(rand() * pool.length), 1)[0]!;
    const copy = [...ix];
    for (let j = 0; j < perPerson && copy.length > 0; j++) chosen.push(copy.splice(Math.floor(rand() * copy.length), 1)[0]!);
  }
  return chosen;
}

/**
 * Every anchor-positive pair in the batch with one negative each: a semi-hard one (d_ap < d_an < d_ap + margin) chosen
 * at random when there is one; otherwise the hardest negative farther than the positive, as FaceNet falls back to;
 * none when every negative is closer than the positive (those hardest cases collapse training early on).
 */
export function mineSemiHard(dist: number[][], labels: number[], margin: number, rand: () => number): Triplet[] {
  const n = labels.length;
  const out: Triplet[] = [];
  for (let a = 0; a < n; a++) {
    for (let p = 0; p < n; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      const dap = dist[a]![p]!;
      const semi: number[] = [];
      let fallback = -1;
      for (let x = 0; x < n; x++) {
        if (labels[x] === labels[a]) continue;
        const dan = dist[a]![x]!;
        if (dan > dap && dan < dap + margin) semi.push(x);
        else if (dan > dap && (fallback < 0 || dan < dist[a]![fallback]!)) fallback = x;
      }
      if (semi.length > 0) out.push({ a, p, n: semi[Math.floor(rand() * semi.length)]! });
      else if (fallback >= 0) out.push({ a, p, n: fallback });
    }
  }
  return out;
}

/** Squared Euclidean distances between rows (unit rows: 2 - 2 cos). */
export function squaredDistances(rows: ArrayLike<number>[]): number[][] {
  return rows.map((r) =>
    rows.map((q) => {
      let s = 0;
      for (let i = 0; i < r.length; i++) s += (r[i]! - q[i]!) ** 2;
      return s;
    }),
  );
}
