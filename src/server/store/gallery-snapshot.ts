// What a saved gallery index needs from the database at start: each face of a model with its person, without the
// embedding bytes (at 1M faces those are 1.3 GB to read and decode; the saved index already holds the vectors).
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { rowsOf } from './sql-guards.js';

/** A face as the database knows it, without its embedding. */
export interface FaceRef {
  faceId: string;
  personId: string;
  personName: string;
}

/** `db`: the store's drizzle handle (either driver) or a transaction on it, as every repository takes. */
export function gallerySnapshotRepo(db: PgDatabase<PgQueryResultHKT>) {
  return {
    /**
     * Every face of `modelId` with its person and name, in no particular order (the saved index fixes the order).
     * The face and person ids come as one aggregated text value and the names once a person: no row object and no
     * copy of a name a face (at 1M faces the driver would otherwise build 1M rows).
     */
    async faceRefs(modelId: string): Promise<FaceRef[]> {
      const [pairs, names] = await Promise.all([
        db.execute(sql`select string_agg(id::text || ' ' || person_id::text, ' ') as ids from faces where model_id = ${modelId}`),
        // Every person, not only this model's: a second scan of faces would cost more than the few extra names.
        db.execute(sql`select id::text as id, name from people`),
      ]);
      const nameOf = new Map(rowsOf<{ id: string; name: string }>(names).map((p) => [p.id, p.name]));
      const ids = rowsOf<{ ids: string | null }>(pairs)[0]?.ids?.split(' ') ?? [];
      const out: FaceRef[] = [];
      for (let i = 0; i < ids.length; i += 2) {
        const personId = ids[i + 1]!;
        // A person deleted between the two reads: their faces went with them (cascade), so skip them here too.
        const personName = nameOf.get(personId);
        if (personName !== undefined) out.push({ faceId: ids[i]!, personId, personName });
      }
      return out;
    },
  };
}

export type GallerySnapshotRepo = ReturnType<typeof gallerySnapshotRepo>;
