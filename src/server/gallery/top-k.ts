// The k best (highest score) items of a stream, in a binary min-heap: O(n log k) and no array of all n scores.

export interface TopK {
  offer(score: number, item: number): void;
  /** Best first; equal scores lowest item first. */
  sorted(): { score: number; item: number }[];
}

export function topK(k: number): TopK {
  const scores = new Float64Array(k);
  const items = new Float64Array(k);
  let n = 0;
  // Min-heap on (score, then later-offered first), so the weakest (and, among equals, latest) sits at the root.
  const worse = (a: number, b: number) => scores[a]! < scores[b]! || (scores[a] === scores[b] && items[a]! > items[b]!);
  const swap = (a: number, b: number) => {
    [scores[a], scores[b]] = [scores[b]!, scores[a]!];
    [items[a], items[b]] = [items[b]!, items[a]!];
  };
  function down(i: number) {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && worse(l, m)) m = l;
      if (r < n && worse(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  }
  return {
    offer(score, item) {
      if (k === 0) return;
      if (n < k) {
        scores[n] = score;
        items[n] = item;
        for (let i = n++; i > 0;) {
          const p = (i - 1) >> 1;
          if (!worse(i, p)) break;
          swap(i, p);
          i = p;
        }
      } else if (score > scores[0]!) {
        scores[0] = score;
        items[0] = item;
        down(0);
      }
    },
    sorted() {
      const out = Array.from({ length: n }, (_, i) => ({ score: scores[i]!, item: items[i]! }));
      return out.sort((a, b) => b.score - a.score || a.item - b.item);
    },
  };
}
