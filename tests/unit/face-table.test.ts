// The gallery's id map (gallery/face-table.ts, face-ids.ts): UUIDs in typed arrays, other ids in a Map, labels and
// people kept right through adds, removals, merges and a restore; and no JS object per face (issue 19: at 1M faces
// the old map was ~550 MB of heap, ~1 s per full GC).
import { randomUUID } from 'node:crypto';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { FaceIdMap } from '../../src/server/gallery/face-ids.js';
import { FaceTable } from '../../src/server/gallery/face-table.js';

const DIMS = 4;
const template = (faceId: string, personId: string, personName = personId) => ({ faceId, personId, personName, embedding: new Float32Array(DIMS) });

describe('FaceIdMap', () => {
  it('finds, forgets and gives back 50,000 UUIDs through growth and tombstones', () => {
    const map = new FaceIdMap();
    const ids = Array.from({ length: 50_000 }, () => randomUUID());
    ids.forEach((id, label) => map.set(id, label));
    expect(map.size).toBe(50_000);
    ids.forEach((id, label) => expect(map.get(id)).toBe(label));
    ids.forEach((id, label) => expect(map.idAt(label)).toBe(id));
    // Every other one removed, then new ones added into the freed slots (tombstones reused or rehashed away).
    for (let i = 0; i < ids.length; i += 2) map.delete(ids[i]!);
    expect(map.size).toBe(25_000);
    for (let i = 0; i < ids.length; i++) expect(map.get(ids[i]!)).toBe(i % 2 === 0 ? undefined : i);
    const more = Array.from({ length: 40_000 }, () => randomUUID());
    more.forEach((id, i) => map.set(id, 50_000 + i));
    more.forEach((id, i) => expect(map.get(id)).toBe(50_000 + i));
    for (let i = 1; i < ids.length; i += 2) expect(map.get(ids[i]!)).toBe(i);
    expect(map.size).toBe(65_000);
    expect(new Map(map.entries()).size).toBe(65_000);
  });

  it('keeps ids that are not lowercase UUIDs exactly as given', () => {
    const map = new FaceIdMap();
    const upper = randomUUID().toUpperCase();
    map.set('face-a', 0);
    map.set(upper, 1);
    expect([map.get('face-a'), map.get(upper), map.get(upper.toLowerCase())]).toEqual([0, 1, undefined]);
    expect([map.idAt(0), map.idAt(1)]).toEqual(['face-a', upper]);
    map.delete('face-a');
    expect(map.has('face-a')).toBe(false);
    expect(map.size).toBe(1);
  });

  it('refuses a UUID twice', () => {
    const map = new FaceIdMap();
    const id = randomUUID();
    map.set(id, 0);
    expect(() => map.set(id, 1)).toThrow(/already/);
  });
});

describe('FaceTable', () => {
  it('labels faces, renames, merges and removes people without losing a label', () => {
    const t = new FaceTable(DIMS);
    const [a1, a2, b1, c1] = [randomUUID(), randomUUID(), randomUUID(), 'hand-made'];
    const { ids } = t.add([template(a1, 'pa', 'Ann'), template(a2, 'pa', 'Ann'), template(b1, 'pb', 'Bob'), template(c1, 'pc', 'Cy'), template(a1, 'pa')]);
    expect([...ids]).toEqual([0, 1, 2, 3]);
    expect([t.faces, t.people]).toEqual([4, 3]);
    expect(t.renamePerson('pb', 'Robert')).toBe(true);
    expect(t.person(2)).toMatchObject({ personId: 'pb', name: 'Robert' });
    t.movePerson('pb', 'pa', 'Ann B');
    expect([t.person(0)?.name, t.person(2)?.personId, t.people]).toEqual(['Ann B', 'pa', 2]);
    expect([...t.removeFaces([a1, 'unknown'])]).toEqual([0]);
    expect(t.person(0)).toBeUndefined();
    expect([...t.removePerson('pa')].sort()).toEqual([1, 2]);
    expect([t.faces, t.people, t.has(a2), t.has(c1)]).toEqual([1, 1, false, true]);
    expect(t.faceIdsByLabel()).toEqual(['', '', '', c1]);
    // A face removed can come back under a new label; a person's slot is reused.
    const again = t.add([template(a1, 'pd', 'Dee')]);
    expect([...again.ids]).toEqual([4]);
    expect(t.person(4)).toMatchObject({ personId: 'pd', name: 'Dee' });
    expect(t.removeFaces([c1]).length).toBe(1);
    expect(t.people).toBe(1);
  });

  it('a snapshot of the face ids keeps them as they were, whatever changes after it', () => {
    const t = new FaceTable(DIMS);
    const ids = Array.from({ length: 12_000 }, () => randomUUID());
    t.add(ids.map((id, i) => template(id, `p${i % 100}`)));
    t.add([template('hand-made-id', 'px')]); // not a UUID: kept in the table's small map
    t.removeFaces([ids[7]!]);
    const before = t.faceIdsByLabel();
    const snap = t.faceIdsSnapshot();
    t.removeFaces([ids[8]!, 'hand-made-id']);
    t.add([template(randomUUID(), 'py')]);
    expect(snap.labels).toBe(12_001);
    expect([...snap.slice(0, 5000), ...snap.slice(5000, 10_000), ...snap.slice(10_000, 20_000)]).toEqual(before);
    expect(before[7]).toBe('');
    expect(before[8]).toBe(ids[8]);
    expect(before[12_000]).toBe('hand-made-id');
  });

  it('restores a saved table at its labels', () => {
    const t = new FaceTable(DIMS);
    const [x, y] = [randomUUID(), randomUUID()];
    t.restore(
      [
        { faceId: x, personId: 'p1', personName: 'One' },
        { faceId: y, personId: 'p1', personName: 'One' },
      ],
      new Map([
        [x, 5],
        [y, 2],
      ]),
      7,
    );
    expect([t.labelsGiven, t.faces, t.people, t.person(5)?.name, t.person(3)]).toEqual([7, 2, 1, 'One', undefined]);
    expect(t.faceIdsByLabel()).toEqual(['', '', y, '', '', x, '']);
    expect([...t.add([template(randomUUID(), 'p2')]).ids]).toEqual([7]);
  });

  it('holds 200,000 faces in a few MB of heap', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    const t = new FaceTable(DIMS);
    for (let i = 0; i < 200_000; i += 10_000) t.add(Array.from({ length: 10_000 }, (_, j) => template(randomUUID(), `person-${Math.floor((i + j) / 10)}`)));
    gc();
    const mib = (process.memoryUsage().heapUsed - before) / 2 ** 20;
    // ~25 bytes a face now (typed arrays) plus 20,000 people; the Map-of-strings table took ~550 bytes a face (110 MB).
    expect(t.faces).toBe(200_000);
    expect(mib).toBeLessThan(30);
  });
});
