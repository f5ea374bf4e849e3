// Face ids by label, and labels by face id, in typed arrays: no JS object per face. At 1M faces the id map as a
// Map<string, number> with its strings and per-person arrays was ~550 MB of heap that every full GC marked (~1 s per
// collection at 1M faces, 80 ms at 100k): a pause that grew with the gallery and stalled every change and search
// (issue 19). A canonical (lowercase) UUID, what the database gives, is kept as four 32-bit words at its label and
// found through an open-addressing table of labels; any other id (tests, hand-made ids) goes to a small Map.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EMPTY = 0;
const TOMBSTONE = -1;

/** The four 32-bit words of a canonical UUID. */
function words(id: string, out: Uint32Array): void {
  out[0] = parseInt(id.slice(0, 8), 16);
  out[1] = parseInt(id.slice(9, 13) + id.slice(14, 18), 16);
  out[2] = parseInt(id.slice(19, 23) + id.slice(24, 28), 16);
  out[3] = parseInt(id.slice(28, 36), 16);
}

const hex8 = (w: number) => w.toString(16).padStart(8, '0');

/** The canonical UUID whose four words are at `4 * label` in `w`. */
function uuidAt(w: Uint32Array, label: number): string {
  const a = hex8(w[4 * label]!);
  const b = hex8(w[4 * label + 1]!);
  const c = hex8(w[4 * label + 2]!);
  return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${hex8(w[4 * label + 3]!)}`;
}

/**
 * The face id at each label below `labels` as the map held them when taken (a copy of its typed arrays, a few ms at
 * 1M faces), read later a slice at a time: the index saver turns it into strings between camera frames, while the
 * map itself goes on changing. '' where no face is.
 */
export class FaceIdsSnapshot {
  constructor(
    readonly labels: number,
    private readonly words: Uint32Array,
    private readonly live: Uint8Array,
    private readonly other: ReadonlyMap<number, string>,
  ) {}

  /** The ids of labels from..to-1. */
  slice(from: number, to: number): string[] {
    const out: string[] = [];
    for (let label = from; label < Math.min(to, this.labels); label++) {
      out.push(this.other.get(label) ?? (this.live[label] ? uuidAt(this.words, label) : ''));
    }
    return out;
  }
}

export class FaceIdMap {
  /** UUID words by label (4 a label); unused for labels whose id is in `otherAt`. */
  private idWords = new Uint32Array(4 * 1024);
  /** Open addressing: label + 1 per slot, EMPTY or TOMBSTONE. Capacity a power of two, at most half used. */
  private slots = new Int32Array(2048);
  private used = 0;
  private live = 0;
  /** Ids that are not canonical UUIDs, both ways. */
  private readonly otherLabel = new Map<string, number>();
  private readonly otherAt = new Map<number, string>();
  private readonly key = new Uint32Array(4);

  get size(): number {
    return this.live + this.otherLabel.size;
  }

  get(id: string): number | undefined {
    if (!UUID.test(id)) return this.otherLabel.get(id);
    words(id, this.key);
    const slot = this.find(this.key);
    return slot >= 0 && this.slots[slot]! > 0 ? this.slots[slot]! - 1 : undefined;
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Maps a face id not yet here to `label` (labels are never reused while the map lives). */
  set(id: string, label: number): void {
    if (!UUID.test(id)) {
      this.otherLabel.set(id, label);
      this.otherAt.set(label, id);
      return;
    }
    if (4 * (label + 1) > this.idWords.length) {
      const grown = new Uint32Array(Math.max(4 * (label + 1), 2 * this.idWords.length));
      grown.set(this.idWords);
      this.idWords = grown;
    }
    // Rehashed first: rehash() uses this.key.
    if (2 * (this.used + 1) > this.slots.length) this.rehash(this.live + 1 > this.slots.length / 4 ? 2 * this.slots.length : this.slots.length);
    words(id, this.key);
    this.idWords.set(this.key, 4 * label);
    const slot = this.find(this.key);
    if (this.slots[slot]! > 0) throw new Error(`face ${id} is already in the id map`);
    // find() stops at the first free slot of the probe; a tombstone before it may be reused, an empty one is newly used.
    if (this.slots[slot] === EMPTY) this.used += 1;
    this.slots[slot] = label + 1;
    this.live += 1;
  }

  delete(id: string): void {
    if (!UUID.test(id)) {
      const label = this.otherLabel.get(id);
      if (label === undefined) return;
      this.otherLabel.delete(id);
      this.otherAt.delete(label);
      return;
    }
    words(id, this.key);
    const slot = this.find(this.key);
    if (slot < 0 || this.slots[slot]! <= 0) return;
    this.slots[slot] = TOMBSTONE;
    this.live -= 1;
  }

  /** The id at `label`; only for labels that are in the map. */
  idAt(label: number): string {
    return this.otherAt.get(label) ?? uuidAt(this.idWords, label);
  }

  /** The ids of labels below `labels` as they are now, to be read later (FaceIdsSnapshot). */
  snapshot(labels: number): FaceIdsSnapshot {
    const live = new Uint8Array(labels);
    for (const s of this.slots) if (s > 0 && s - 1 < labels) live[s - 1] = 1;
    const other = new Map([...this.otherAt].filter(([label]) => label < labels));
    return new FaceIdsSnapshot(labels, this.idWords.slice(0, 4 * labels), live, other);
  }

  /** Every label in the map with its id. */
  *entries(): Generator<[string, number]> {
    for (const s of this.slots) if (s > 0) yield [this.idAt(s - 1), s - 1];
    yield* this.otherLabel;
  }

  private hash(k: Uint32Array): number {
    // Random UUIDs are already uniform; the mix keeps time-ordered ones (v7) spread as well.
    let h = Math.imul(k[0]! ^ k[3]!, 0x9e3779b1) ^ Math.imul(k[1]! ^ k[2]!, 0x85ebca6b);
    h ^= h >>> 15;
    return h >>> 0;
  }

  /** The slot holding `k`, else the first reusable slot of its probe (a tombstone, else the empty slot that ends it). */
  private find(k: Uint32Array): number {
    const mask = this.slots.length - 1;
    const w = this.idWords;
    let reusable = -1;
    for (let i = this.hash(k) & mask; ; i = (i + 1) & mask) {
      const s = this.slots[i]!;
      if (s === EMPTY) return reusable >= 0 ? reusable : i;
      if (s === TOMBSTONE) {
        if (reusable < 0) reusable = i;
        continue;
      }
      const at = 4 * (s - 1);
      if (w[at] === k[0] && w[at + 1] === k[1] && w[at + 2] === k[2] && w[at + 3] === k[3]) return i;
    }
  }

  private rehash(capacity: number): void {
    const old = this.slots;
    this.slots = new Int32Array(capacity);
    this.used = 0;
    const mask = capacity - 1;
    const w = this.idWords;
    for (const s of old) {
      if (s <= 0) continue;
      const at = 4 * (s - 1);
      this.key[0] = w[at]!;
      this.key[1] = w[at + 1]!;
      this.key[2] = w[at + 2]!;
      this.key[3] = w[at + 3]!;
      let i = this.hash(this.key) & mask;
      while (this.slots[i] !== EMPTY) i = (i + 1) & mask;
      this.slots[i] = s;
      this.used += 1;
    }
  }
}
