// Heap snapshots (.heapsnapshot, V8's JSON) summed by constructor, and the difference between two: what grew.
import fs from 'node:fs';

export interface HeapGroup {
  /** "object:Map", "closure:onMessage", "array:(object elements)", or a bare type ("string", "code"). */
  key: string;
  count: number;
  selfBytes: number;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Types whose node name is content (a string's text, a number, code), not a constructor: grouped by type alone. */
const BY_TYPE_ONLY = new Set(['string', 'concatenated string', 'sliced string', 'number', 'code', 'bigint', 'symbol']);

export function summariseSnapshot(file: string): Map<string, HeapGroup> {
  const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [ti, ni, si] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const groups = new Map<string, HeapGroup>();
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const type = types[s.nodes[i + ti]!]!;
    const key = BY_TYPE_ONLY.has(type) ? type : `${type}:${s.strings[s.nodes[i + ni]!]}`;
    const g = groups.get(key) ?? { key, count: 0, selfBytes: 0 };
    g.count += 1;
    g.selfBytes += s.nodes[i + si]!;
    groups.set(key, g);
  }
  return groups;
}

export interface HeapGrowth {
  key: string;
  countBefore: number;
  countAfter: number;
  countDelta: number;
  selfBytesDelta: number;
}

/** The `top` groups that grew most in bytes from `before` to `after`, and the totals. */
export function diffSnapshots(before: Map<string, HeapGroup>, after: Map<string, HeapGroup>, top = 20) {
  const keys = new Set([...before.keys(), ...after.keys()]);
  const rows: HeapGrowth[] = [...keys].map((key) => {
    const a = before.get(key) ?? { count: 0, selfBytes: 0 };
    const b = after.get(key) ?? { count: 0, selfBytes: 0 };
    return { key, countBefore: a.count, countAfter: b.count, countDelta: b.count - a.count, selfBytesDelta: b.selfBytes - a.selfBytes };
  });
  const total = (m: Map<string, HeapGroup>) =>
    [...m.values()].reduce((t, g) => ({ count: t.count + g.count, selfBytes: t.selfBytes + g.selfBytes }), { count: 0, selfBytes: 0 });
  return {
    before: total(before),
    after: total(after),
    grewMost: rows.sort((x, y) => y.selfBytesDelta - x.selfBytesDelta).slice(0, top),
    grewMostByCount: [...rows].sort((x, y) => y.countDelta - x.countDelta).slice(0, top),
  };
}
