// Merging two people into one: the source's faces, check-ins and sighting links move to the target, then the source goes.
import { eq, sql } from 'drizzle-orm';
import type { StoreDb } from './drizzle-db.js';
import { isUuid } from './sql-guards.js';
import { checkIns, faces, people, unknownSightings } from './schema.js';

export type MergeResult =
  | { ok: true; personId: string; name: string; movedFaces: number; movedCheckIns: number }
  | { ok: false; reason: 'same_person' | 'not_found'; which?: 'into' | 'from' };

/** One transaction: either everything of `fromId` belongs to `intoId` afterwards and `fromId` is gone, or nothing changed. */
export async function mergePeople(db: StoreDb, intoId: string, fromId: string): Promise<MergeResult> {
  if (intoId === fromId) return { ok: false, reason: 'same_person' };
  if (!isUuid(intoId)) return { ok: false, reason: 'not_found', which: 'into' };
  if (!isUuid(fromId)) return { ok: false, reason: 'not_found', which: 'from' };
  return db.transaction(async (tx) => {
    // Lock both rows in a fixed order so two merges of the same pair cannot deadlock or interleave.
    const rows = await tx
      .select({ id: people.id, name: people.name })
      .from(people)
      .where(sql`${people.id} in (${intoId}, ${fromId})`)
      .orderBy(people.id)
      .for('update');
    const into = rows.find((r) => r.id === intoId);
    if (!into) return { ok: false, reason: 'not_found', which: 'into' } as const;
    if (!rows.some((r) => r.id === fromId)) return { ok: false, reason: 'not_found', which: 'from' } as const;
    const movedFaces = await tx.update(faces).set({ personId: intoId }).where(eq(faces.personId, fromId)).returning({ id: faces.id });
    const movedCheckIns = await tx.update(checkIns).set({ personId: intoId }).where(eq(checkIns.personId, fromId)).returning({ id: checkIns.id });
    await tx.update(unknownSightings).set({ bestPersonId: intoId }).where(eq(unknownSightings.bestPersonId, fromId));
    await tx.delete(people).where(eq(people.id, fromId));
    return { ok: true, personId: into.id, name: into.name, movedFaces: movedFaces.length, movedCheckIns: movedCheckIns.length } as const;
  });
}
