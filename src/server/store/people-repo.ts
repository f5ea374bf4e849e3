// People rows (table people) for the REST API: paginated search, get, create, rename. Deletion is Store.deletePerson.
import { asc, count, eq, ilike, sql } from 'drizzle-orm';
import type { StoreDb } from './queries.js';
import { faces, people } from './schema.js';
import type { Person } from './types.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A string that could be a uuid column value; anything else cannot name a row (and would be a driver error). */
export const isUuid = (s: string): boolean => UUID_RE.test(s);

/** Postgres unique_violation, however the driver (postgres.js, PGlite) and drizzle wrap it. */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export type Created<T> = { ok: true; value: T } | { ok: false; reason: 'duplicate' | 'not_found' };

export function peopleRepo(db: StoreDb) {
  const select = () =>
    db
      .select({ id: people.id, name: people.name, createdAt: people.createdAt, faces: count(faces.id) })
      .from(people)
      .leftJoin(faces, eq(faces.personId, people.id));

  return {
    async list(opts: { q?: string; limit: number; offset: number }): Promise<{ items: Person[]; total: number }> {
      const where = opts.q ? ilike(people.name, `%${escapeLike(opts.q)}%`) : undefined;
      const items = await select().where(where).groupBy(people.id).orderBy(asc(people.name), asc(people.id)).limit(opts.limit).offset(opts.offset);
      const [row] = await db.select({ n: count() }).from(people).where(where);
      return { items, total: row?.n ?? 0 };
    },

    async get(id: string): Promise<Person | null> {
      if (!isUuid(id)) return null;
      const [row] = await select().where(eq(people.id, id)).groupBy(people.id);
      return row ?? null;
    },

    async create(name: string): Promise<Created<Person>> {
      const [row] = await db.insert(people).values({ name }).onConflictDoNothing({ target: people.name }).returning();
      return row ? { ok: true, value: { ...row, faces: 0 } } : { ok: false, reason: 'duplicate' };
    },

    async rename(id: string, name: string): Promise<Created<Person>> {
      if (!isUuid(id)) return { ok: false, reason: 'not_found' };
      try {
        const rows = await db.update(people).set({ name }).where(eq(people.id, id)).returning({ id: people.id });
        if (rows.length === 0) return { ok: false, reason: 'not_found' };
      } catch (err) {
        if (isUniqueViolation(err)) return { ok: false, reason: 'duplicate' };
        throw err;
      }
      const person = await this.get(id);
      return person ? { ok: true, value: person } : { ok: false, reason: 'not_found' };
    },

    async exists(id: string): Promise<boolean> {
      if (!isUuid(id)) return false;
      const [row] = await db.select({ one: sql<number>`1` }).from(people).where(eq(people.id, id));
      return row !== undefined;
    },
  };
}

export type PeopleRepo = ReturnType<typeof peopleRepo>;
