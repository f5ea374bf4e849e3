// The gallery's id map: each face id gets a numeric label, stable for the life of one index, and each label maps to
// its person. Counts are kept as faces come and go, so stats are O(1) at any gallery size. A table can be saved as
// its face ids by label and restored beside a saved index, with people read fresh from the database.
// Per face there is no JS object: ids live in typed arrays (face-ids.ts) and each label's person is a number in an
// Int32Array, so a full GC does not walk a million faces (issue 19: ~1 s a collection at 1M faces before).
import type { FaceRef } from '../store/gallery-snapshot.js';
import type { FaceTemplate } from '../store/types.js';
import { FaceIdMap, type FaceIdsSnapshot } from './face-ids.js';

export type { FaceRef };

export interface PersonEntry {
  personId: string;
  name: string;
  /** The labels of this person's faces (smis: a full GC does not look into them). */
  labels: number[];
}

/** personAt's value for a label whose face was removed (or never given). */
const NO_PERSON = -1;

export class FaceTable {
  private nextLabel = 0;
  private readonly faceIds = new FaceIdMap();
  /** Indexed by label: the person's slot in `people`, NO_PERSON where the face was removed. */
  private personAt = new Int32Array(1024).fill(NO_PERSON);
  /** Indexed by slot; undefined where a person left. */
  private readonly slots: (PersonEntry | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  private readonly slotOf = new Map<string, number>();

  constructor(readonly dims: number) {}

  get faces(): number {
    return this.faceIds.size;
  }

  get people(): number {
    return this.slotOf.size;
  }

  /** The next label to be given: every label below it was given once (and may have been removed since). */
  get labelsGiven(): number {
    return this.nextLabel;
  }

  /** faceIdsByLabel() as it is now, to be read a slice at a time later (the index saver: 1M strings is seconds). */
  faceIdsSnapshot(): FaceIdsSnapshot {
    return this.faceIds.snapshot(this.nextLabel);
  }

  /** The face id at each label below labelsGiven, '' where that face was removed. */
  faceIdsByLabel(): string[] {
    const out = new Array<string>(this.nextLabel).fill('');
    for (const [faceId, label] of this.faceIds.entries()) out[label] = faceId;
    return out;
  }

  /**
   * Fills an empty table with faces at the labels a saved index holds them under. `labelOf` maps each face to its
   * saved label; the caller has checked that it holds exactly `faces`.
   */
  restore(faces: readonly FaceRef[], labelOf: Map<string, number>, labelsGiven: number): void {
    if (this.nextLabel > 0) throw new Error('restore() needs an empty table');
    this.growTo(labelsGiven);
    for (const f of faces) {
      const label = labelOf.get(f.faceId)!;
      this.faceIds.set(f.faceId, label);
      this.place(this.slotFor(f.personId, f.personName, false), label);
    }
    this.nextLabel = labelsGiven;
  }

  has(faceId: string): boolean {
    return this.faceIds.has(faceId);
  }

  person(label: number): PersonEntry | undefined {
    const slot = label >= 0 && label < this.nextLabel ? this.personAt[label]! : NO_PERSON;
    return slot === NO_PERSON ? undefined : this.slots[slot];
  }

  /** Throws before changing anything when an embedding has the wrong length. */
  check(templates: readonly FaceTemplate[]): void {
    for (const t of templates) {
      if (t.embedding.length !== this.dims) throw new Error(`embedding has ${t.embedding.length} dims, gallery has ${this.dims}`);
    }
  }

  /** Labels the faces not yet known (a face already here is skipped) and packs them for the index. */
  add(templates: readonly FaceTemplate[]): { ids: Float64Array; vectors: Float32Array } {
    this.check(templates);
    const seen = new Set<string>();
    const fresh = templates.filter((t) => !this.faceIds.has(t.faceId) && !seen.has(t.faceId) && seen.add(t.faceId));
    const ids = new Float64Array(fresh.length);
    const vectors = new Float32Array(fresh.length * this.dims);
    this.growTo(this.nextLabel + fresh.length);
    fresh.forEach((t, i) => {
      const label = this.nextLabel++;
      this.faceIds.set(t.faceId, label);
      this.place(this.slotFor(t.personId, t.personName, true), label);
      ids[i] = label;
      vectors.set(t.embedding, i * this.dims);
    });
    return { ids, vectors };
  }

  /** A person's new name; no vector changes. False when the person has no face here. */
  renamePerson(personId: string, name: string): boolean {
    const slot = this.slotOf.get(personId);
    if (slot !== undefined) this.slots[slot]!.name = name;
    return slot !== undefined;
  }

  /** Every face of `fromId` now belongs to `intoId` (called `name`); no vector changes. */
  movePerson(fromId: string, intoId: string, name: string): void {
    if (fromId === intoId) return;
    const fromSlot = this.slotOf.get(fromId);
    const intoKnown = this.slotOf.get(intoId);
    if (intoKnown !== undefined) this.slots[intoKnown]!.name = name;
    if (fromSlot === undefined) return;
    const from = this.slots[fromSlot]!;
    this.dropSlot(fromSlot);
    const into = this.slotFor(intoId, name, false);
    for (const label of from.labels) this.place(into, label);
  }

  /** The labels of everything this person had (empty when unknown). */
  removePerson(personId: string): Float64Array {
    const slot = this.slotOf.get(personId);
    if (slot === undefined) return new Float64Array(0);
    const person = this.slots[slot]!;
    this.dropSlot(slot);
    for (const label of person.labels) {
      this.faceIds.delete(this.faceIds.idAt(label));
      this.personAt[label] = NO_PERSON;
    }
    return Float64Array.from(person.labels);
  }

  /** The labels of those faces that were here; a person left with no face is gone. */
  removeFaces(faceIds: readonly string[]): Float64Array {
    const labels: number[] = [];
    for (const faceId of faceIds) {
      const label = this.faceIds.get(faceId);
      if (label === undefined) continue;
      const slot = this.personAt[label]!;
      const person = this.slots[slot]!;
      person.labels.splice(person.labels.indexOf(label), 1);
      if (person.labels.length === 0) this.dropSlot(slot);
      this.faceIds.delete(faceId);
      this.personAt[label] = NO_PERSON;
      labels.push(label);
    }
    return Float64Array.from(labels);
  }

  /** The slot of `personId`, made when new; `rename`: the name given wins over the one held (an add's template). */
  private slotFor(personId: string, name: string, rename: boolean): number {
    let slot = this.slotOf.get(personId);
    if (slot === undefined) {
      slot = this.freeSlots.pop() ?? this.slots.length;
      this.slots[slot] = { personId, name, labels: [] };
      this.slotOf.set(personId, slot);
    } else if (rename) this.slots[slot]!.name = name;
    return slot;
  }

  private place(slot: number, label: number): void {
    this.slots[slot]!.labels.push(label);
    this.personAt[label] = slot;
  }

  private dropSlot(slot: number): void {
    this.slotOf.delete(this.slots[slot]!.personId);
    this.slots[slot] = undefined;
    this.freeSlots.push(slot);
  }

  private growTo(labels: number): void {
    if (labels <= this.personAt.length) return;
    const grown = new Int32Array(Math.max(labels, 2 * this.personAt.length)).fill(NO_PERSON);
    grown.set(this.personAt);
    this.personAt = grown;
  }
}
