// The drizzle database the repositories are written against: either driver (PGlite, postgres.js), or a transaction on one.
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

/** Queries written against pg-core work on both drivers; a transaction has this type too, so a repository runs on either. */
export type StoreDb = PgDatabase<PgQueryResultHKT>;
