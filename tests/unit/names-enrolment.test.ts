// Enrolment finds a person by name ignoring case, Unicode form and spacing
// (findOrCreatePerson in store/people-repo.ts), as REST create does; concurrent spellings make one person.
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/server/store/db.js';

const vec = (seed: number) => Float32Array.from({ length: 128 }, (_, i) => Math.sin(seed * 31 + i));

describe('enrolment by name', () => {
  it('adds faces to the person whose name matches ignoring case and spacing, and stores names normalised', async () => {
    const s = await openStore({ dataDir: ':memory:' });
    try {
      const a = await s.commitEnrolment({ name: '  Ada\u00a0Lovelace ', modelId: 'm', faces: [{ embedding: vec(1) }] });
      expect(a).toMatchObject({ name: 'Ada Lovelace', created: true });
      const b = await s.commitEnrolment({ name: 'ADA LOVELACE', modelId: 'm', faces: [{ embedding: vec(2) }] });
      expect(b).toMatchObject({ personId: a.personId, created: false, name: 'Ada Lovelace' });
      const spellings = ['Alan Turing', 'alan turing', 'ALAN\u00a0TURING', 'Alan  Turing'];
      const results = await Promise.all(spellings.map((name, i) => s.commitEnrolment({ name, modelId: 'm', faces: [{ embedding: vec(10 + i) }] })));
      expect(new Set(results.map((r) => r.personId)).size).toBe(1);
      expect((await s.listPeople()).map((p) => [p.name, p.faces])).toEqual([
        ['Ada Lovelace', 2],
        ['Alan Turing', 4],
      ]);
    } finally {
      await s.close();
    }
  });
});
