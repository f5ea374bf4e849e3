// Tells a database error that retrying can fix (connection lost, server restarting) from one it never can (the row
// itself is refused), for either driver. drizzle wraps driver errors; the SQLSTATE is on the error or its causes.

/** SQLSTATE classes of errors about the statement or its data: the same write fails the same way every time. */
const PERMANENT_CLASSES = new Set(['22', '23', '42', '2B', '44']);

/** The SQLSTATE code of a driver error (PGlite and postgres.js both set `code`), searching drizzle's `cause` chain. */
export function sqlState(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return null;
}

/** True when the database refused the statement itself (bad data, a broken constraint): do not retry it. */
export function isPermanentDbError(err: unknown): boolean {
  const code = sqlState(err);
  return code !== null && PERMANENT_CLASSES.has(code.slice(0, 2));
}
