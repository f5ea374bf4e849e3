// People rows (table people) for the REST API: paginated search, get, create, rename; and the one way to find or
// create a person by name. Names are stored normalised (shared/text.ts) and compared ignoring case, so "Ada Lovelace",
// "ada lovelace" and "Ada\u00a0Lovelace" are one person. Also delete, merge, and the library overview.
import { and, asc, count, eq, ilike, ne, sql, type SQL } from 'drizzle-orm';
import { normaliseText } from '../../shared/text.js';
import type { StoreDb } from './drizzle-db.js';
import { yieldToEventLoop } from '../live-work.js';
import { mergePeople } from './people-merge.js';
import { listPeopleOverview } from './people-overview.js';
import type { Person } from './records.js';
import { faces, people } from './schema.js';
import { escapeLike, isUniqueViolation, isUuid, rowsOf } from './sql-guards.js';

/** The name as stored: NFC, white space runs (non-breaking spaces included) as one space, trimmed. */
export const normalisePersonName = normaliseText;

// Case-insensitive in the database's own lower(), on both sides, so the two always agree. The unique index on name is
// exact; one on lower(name) would make this an index lookup and a constraint (a later migration), meanwhile a
// transaction-scoped advisory lock per lowered name makes check-then-insert safe across connections and servers.
const sameName = (name: string) => sql`lower(${people.name}) = lower(${name})`;

/**
 * Name locks are taken on one of NAME_LOCK_SLOTS keys (a hash of the lowered name), not one key per name: a transaction
 * that writes many people (a gallery import batch) then holds at most this many locks, well inside PostgreSQL's lock
 * table (max_locks_per_transaction x connections; one lock per person ran it out at ~12,700 people, issue 19). Two
 * names in one slot only wait for each other, which is still correct.
 */
export const NAME_LOCK_SLOTS = 256;
/** Advisory-lock namespace for person names ("PN"), apart from other features' advisory locks. */
const NAME_LOCK_NAMESPACE = 0x504e;
/** Lock statements between two turns of the event loop (each is ~0.3 ms on the embedded database). */
const LOCKS_BETWEEN_YIELDS = 32;
const slotOf = (name: string | SQL) => sql`(hashtextextended(lower(${name}), 0) & ${sql.raw(String(NAME_LOCK_SLOTS - 1))})::int`;
const lockSlot = (tx: StoreDb, slot: number) => tx.execute(sql`select pg_advisory_xact_lock(${NAME_LOCK_NAMESPACE}, ${slot}::int)`);
const lockName = (tx: StoreDb, name: string) => tx.execute(sql`select pg_advisory_xact_lock(${NAME_LOCK_NAMESPACE}, ${slotOf(name)})`);

/**
 * Inside a transaction: the name locks of every name in `names`, taken in ascending slot order (so two transactions
 * locking many names cannot deadlock). The lock findOrCreatePerson then takes for one of them is already held.
 */
export async function lockNames(tx: StoreDb, names: readonly string[], pace?: () => Promise<void>): Promise<number> {
  if (names.length === 0) return 0;
  const values = sql.join(
    names.map((n) => sql`(${normalisePersonName(n)})`),
    sql`, `,
  );
  const found = await tx.execute(sql`select distinct ${slotOf(sql.raw('v.n'))} as slot from (values ${values}) as v(n) order by 1`);
  const slots = rowsOf<{ slot: number }>(found).map((r) => Number(r.slot));
  for (const [i, slot] of slots.entries()) {
    // Up to NAME_LOCK_SLOTS statements: the event loop gets a turn every few (see live-work.ts), or as `pace` says.
    if (pace) await pace();
    else if (i > 0 && i % LOCKS_BETWEEN_YIELDS === 0) await yieldToEventLoop();
    await lockSlot(tx, slot);
  }
  return slots.length;
}

export interface NamedPerson {
  id: string;
  name: string;
}

/** The person whose name equals `name` ignoring case (after normalising it), or null. */
export async function findPersonByName(db: StoreDb, name: string): Promise<NamedPerson | null> {
  const [row] = await db
    .select({ id: people.id, name: people.name })
    .from(people)
    .where(sameName(normalisePersonName(name)))
    .orderBy(asc(people.createdAt), asc(people.id))
    .limit(1);
  return row ?? null;
}

/**
 * Inside a transaction: the person called `name` ignoring case, or a new one. For enrolments and imports, where a
 * name that matches someone means that someone. Serialised per name, so concurrent callers agree on one person.
 */
export async function findOrCreatePerson(tx: StoreDb, name: string): Promise<NamedPerson & { created: boolean }> {
  const normal = normalisePersonName(name);
  await lockName(tx, normal);
  const found = await findPersonByName(tx, normal);
  if (found) return { ...found, created: false };
  const [row] = await tx.insert(people).values({ name: normal }).returning({ id: people.id, name: people.name });
  return { ...row!, created: true };
}

/**
 * Inside a transaction: a new person called `name`, unless someone has that name ignoring case (then nothing is
 * written and they are returned). For "make a new person" actions: REST create, promoting a sighting.
 */
export async function createPersonIfNew(
  tx: StoreDb,
  name: string,
): Promise<{ created: true; person: NamedPerson & { createdAt: Date } } | { created: false; existing: NamedPerson }> {
  const normal = normalisePersonName(name);
  await lockName(tx, normal);
  const existing = await findPersonByName(tx, normal);
  if (existing) return { created: false, existing };
  const [row] = await tx.insert(people).values({ name: normal }).returning({ id: people.id, name: people.name, createdAt: people.createdAt });
  return { created: true, person: row! };
}

export type Created<T> = { ok: true; value: T } | { ok: false; reason: 'duplicate'; existing?: NamedPerson } | { ok: false; reason: 'not_found' };

export function peopleRepo(db: StoreDb) {
  const select = (q: StoreDb = db) =>
    q
      .select({ id: people.id, name: people.name, createdAt: people.createdAt, faces: count(faces.id) })
      .from(people)
      .leftJoin(faces, eq(faces.personId, people.id));

  return {
    /** Everyone with their face counts, by name. */
    async listAll(): Promise<Person[]> {
      return select().groupBy(people.id).orderBy(asc(people.name));
    },

    async list(opts: { q?: string; limit: number; offset: number }): Promise<{ items: Person[]; total: number }> {
      const q = opts.q ? normalisePersonName(opts.q) : '';
      const where = q ? ilike(people.name, `%${escapeLike(q)}%`) : undefined;
      const items = await select().where(where).groupBy(people.id).orderBy(asc(people.name), asc(people.id)).limit(opts.limit).offset(opts.offset);
      const [row] = await db.select({ n: count() }).from(people).where(where);
      return { items, total: row?.n ?? 0 };
    },

    async get(id: string): Promise<Person | null> {
      if (!isUuid(id)) return null;
      const [row] = await select().where(eq(people.id, id)).groupBy(people.id);
      return row ?? null;
    },

    /** A new person; a duplicate when someone already has the name ignoring case (an explicit create means "new"). */
    async create(name: string): Promise<Created<Person>> {
      const normal = normalisePersonName(name);
      try {
        const made = await db.transaction((tx) => createPersonIfNew(tx, normal));
        return made.created ? { ok: true, value: { ...made.person, faces: 0 } } : { ok: false, reason: 'duplicate', existing: made.existing };
      } catch (err) {
        // A writer that does not take the lock (an older code path) inserted the exact name meanwhile.
        if (isUniqueViolation(err)) return { ok: false, reason: 'duplicate', existing: (await findPersonByName(db, normal)) ?? undefined };
        throw err;
      }
    },

    /** Renames; a duplicate when someone else has the name ignoring case (a person may change the case of their own). */
    async rename(id: string, name: string): Promise<Created<Person>> {
      if (!isUuid(id)) return { ok: false, reason: 'not_found' };
      const normal = normalisePersonName(name);
      try {
        const outcome = await db.transaction(async (tx) => {
          await lockName(tx, normal);
          const [other] = await tx
            .select({ id: people.id, name: people.name })
            .from(people)
            .where(and(sameName(normal), ne(people.id, id)))
            .limit(1);
          if (other) return { ok: false, reason: 'duplicate', existing: other } as const;
          const rows = await tx.update(people).set({ name: normal }).where(eq(people.id, id)).returning({ id: people.id });
          return rows.length === 0 ? ({ ok: false, reason: 'not_found' } as const) : null;
        });
        if (outcome) return outcome;
      } catch (err) {
        if (isUniqueViolation(err)) return { ok: false, reason: 'duplicate', existing: (await findPersonByName(db, normal)) ?? undefined };
        throw err;
      }
      const person = await this.get(id);
      return person ? { ok: true, value: person } : { ok: false, reason: 'not_found' };
    },

    /** True when the person existed. Faces (and check-ins) go with them. */
    async delete(id: string): Promise<boolean> {
      // Not a uuid cannot name a person; answering false avoids a driver error from the uuid cast.
      if (!isUuid(id)) return false;
      const rows = await db.delete(people).where(eq(people.id, id)).returning({ id: people.id });
      return rows.length > 0;
    },

    /** Inside a transaction: the person, their row locked until it ends; null when there is none. */
    async getForUpdate(id: string): Promise<NamedPerson | null> {
      if (!isUuid(id)) return null;
      const [row] = await db.select({ id: people.id, name: people.name }).from(people).where(eq(people.id, id)).for('update');
      return row ?? null;
    },

    findByName: (name: string) => findPersonByName(db, name),
    /** Inside a transaction (see createPersonIfNew). */
    createIfNew: (name: string) => createPersonIfNew(db, name),
    /** Everything of `fromId` moves to `intoId`, then `fromId` goes: one transaction. */
    merge: (intoId: string, fromId: string) => mergePeople(db, intoId, fromId),
    /** The people library's page: face count, thumbnail face, last check-in. */
    overview: (opts: Parameters<typeof listPeopleOverview>[1]) => listPeopleOverview(db, opts),

    async exists(id: string): Promise<boolean> {
      if (!isUuid(id)) return false;
      const [row] = await db
        .select({ one: sql<number>`1` })
        .from(people)
        .where(eq(people.id, id));
      return row !== undefined;
    },
  };
}

export type PeopleRepo = ReturnType<typeof peopleRepo>;
