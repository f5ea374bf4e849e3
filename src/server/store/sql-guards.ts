// Small guards shared by the repositories: what can be a uuid, which driver error is a unique violation, LIKE escaping.

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

/** `s` matched literally inside a LIKE pattern. */
export const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The rows of a raw `execute()`: postgres.js answers an array, PGlite an object with `rows`. */
export const rowsOf = <T>(r: unknown): T[] => (Array.isArray(r) ? (r as T[]) : ((r as { rows?: T[] }).rows ?? []));
