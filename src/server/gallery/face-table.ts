// The gallery's id map: each face id gets a numeric label, stable for the life of one index, and each label maps to
// its person. Counts are kept as faces come and go, so stats are O(1) at any gallery size. A table can be saved as
// its face ids by label and restored beside a saved index, with people read fresh from the database.
import type { FaceRef } from '../store/gallery-snapshot.js';
import type { FaceTemplate } from '../store/types.js';

export type { FaceRef };

export interface PersonEntry {
  personId: string;
  name: string;
  faceIds: string[];
  labels: number[];
}

export class FaceTable {
  private nextLabel = 0;
  private labelOfFace = new Map<string, number>();
  /** Indexed by label; holes where faces were removed. */
  private readonly personAt: (PersonEntry | undefined)[] = [];
  private readonly byId = new Map<string, PersonEntry>();

  constructor(private readonly dims: number) {}

  get faces(): number {
    return this.labelOfFace.size;
  }

  get people(): number {
    return this.byId.size;
  }

  /** The next label to be given: every label below it was given once (and may have been removed since). */
  get labelsGiven(): number {
    return this.nextLabel;
  }

  /** The face id at each label below labelsGiven, '' where that face was removed. */
  faceIdsByLabel(): string[] {
    const out = new Array<string>(this.nextLabel).fill('');
    for (const [faceId, label] of this.labelOfFace) out[label] = faceId;
    return out;
  }

  /**
   * Fills an empty table with faces at the labels a saved index holds them under. `labelOf` maps each face to its
   * saved label and becomes the table's own map (not copied: a million entries at 1M faces); the caller has checked
   * that it holds exactly `faces`.
   */
  restore(faces: readonly FaceRef[], labelOf: Map<string, number>, labelsGiven: number): void {
    if (this.nextLabel > 0) throw new Error('restore() needs an empty table');
    this.labelOfFace = labelOf;
    for (const f of faces) {
      let person = this.byId.get(f.personId);
      if (!person) this.byId.set(f.personId, (person = { personId: f.personId, name: f.personName, faceIds: [], labels: [] }));
      const label = labelOf.get(f.faceId)!;
      person.faceIds.push(f.faceId);
      person.labels.push(label);
      this.personAt[label] = person;
    }
    this.nextLabel = labelsGiven;
  }

  has(faceId: string): boolean {
    return this.labelOfFace.has(faceId);
  }

  person(label: number): PersonEntry | undefined {
    return this.personAt[label];
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
    const fresh = templates.filter((t) => !this.labelOfFace.has(t.faceId) && !seen.has(t.faceId) && seen.add(t.faceId));
    const ids = new Float64Array(fresh.length);
    const vectors = new Float32Array(fresh.length * this.dims);
    fresh.forEach((t, i) => {
      let person = this.byId.get(t.personId);
      if (!person) this.byId.set(t.personId, (person = { personId: t.personId, name: t.personName, faceIds: [], labels: [] }));
      person.name = t.personName;
      const label = this.nextLabel++;
      person.faceIds.push(t.faceId);
      person.labels.push(label);
      this.labelOfFace.set(t.faceId, label);
      this.personAt[label] = person;
      ids[i] = label;
      vectors.set(t.embedding, i * this.dims);
    });
    return { ids, vectors };
  }

  /** A person's new name; no vector changes. False when the person has no face here. */
  renamePerson(personId: string, name: string): boolean {
    const person = this.byId.get(personId);
    if (person) person.name = name;
    return person !== undefined;
  }

  /** Every face of `fromId` now belongs to `intoId` (called `name`); no vector changes. */
  movePerson(fromId: string, intoId: string, name: string): void {
    if (fromId === intoId) return;
    const from = this.byId.get(fromId);
    let into = this.byId.get(intoId);
    if (into) into.name = name;
    if (!from) return;
    this.byId.delete(fromId);
    if (!into) this.byId.set(intoId, (into = { personId: intoId, name, faceIds: [], labels: [] }));
    for (let i = 0; i < from.labels.length; i++) {
      into.faceIds.push(from.faceIds[i]!);
      into.labels.push(from.labels[i]!);
      this.personAt[from.labels[i]!] = into;
    }
  }

  /** The labels of everything this person had (empty when unknown). */
  removePerson(personId: string): Float64Array {
    const person = this.byId.get(personId);
    if (!person) return new Float64Array(0);
    this.byId.delete(personId);
    for (const f of person.faceIds) this.labelOfFace.delete(f);
    for (const l of person.labels) this.personAt[l] = undefined;
    return Float64Array.from(person.labels);
  }

  /** The labels of those faces that were here; a person left with no face is gone. */
  removeFaces(faceIds: readonly string[]): Float64Array {
    const labels: number[] = [];
    for (const faceId of faceIds) {
      const label = this.labelOfFace.get(faceId);
      if (label === undefined) continue;
      const person = this.personAt[label]!;
      const at = person.labels.indexOf(label);
      person.labels.splice(at, 1);
      person.faceIds.splice(at, 1);
      if (person.labels.length === 0) this.byId.delete(person.personId);
      this.labelOfFace.delete(faceId);
      this.personAt[label] = undefined;
      labels.push(label);
    }
    return Float64Array.from(labels);
  }
}
