// Keeps the galleries of several servers on one PostgreSQL in step: changes are announced with NOTIFY and every
// other server applies them on LISTEN. With embedded PGlite only one process can open the database, so it is a no-op.
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import type { Logger } from '../log.js';

export const CHANNEL = 'facestream_gallery';

/** What changed: a person removed (every server drops them at once), or anything else (every server reloads). */
export type GalleryEvent = { kind: 'person.removed'; personId: string } | { kind: 'changed' };

export interface GallerySync {
  readonly enabled: boolean;
  /** Tells the other servers; never throws (a failed notify is logged: the others catch up on their next reload). */
  publish(event: GalleryEvent): Promise<void>;
  close(): Promise<void>;
}

export const noSync: GallerySync = { enabled: false, publish: async () => {}, close: async () => {} };

export async function startGallerySync(opts: { databaseUrl?: string; log: Logger; onEvent: (e: GalleryEvent) => Promise<void> | void }): Promise<GallerySync> {
  if (!opts.databaseUrl) return noSync;
  const { log } = opts;
  const origin = randomUUID();
  const sql = postgres(opts.databaseUrl, { max: 1, onnotice: () => {} });
  let connected = false;
  const apply = async (e: GalleryEvent) => {
    try {
      await opts.onEvent(e);
    } catch (err) {
      log.error('gallery sync: applying a change failed', { event: e, error: String(err) });
    }
  };
  try {
    await sql.listen(
      CHANNEL,
      (payload) => {
        let msg: (GalleryEvent & { origin?: string }) | undefined;
        try {
          msg = JSON.parse(payload);
        } catch {
          return log.warn('gallery sync: ignoring a malformed notification', { payload: payload.slice(0, 200) });
        }
        if (!msg || msg.origin === origin) return;
        void apply(msg.kind === 'person.removed' ? { kind: 'person.removed', personId: msg.personId } : { kind: 'changed' });
      },
      () => {
        // After a reconnect, notifications sent while we were away are lost: reload to catch up.
        if (connected) void apply({ kind: 'changed' });
        connected = true;
      },
    );
  } catch (err) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw err;
  }
  return {
    enabled: true,
    async publish(event) {
      try {
        await sql.notify(CHANNEL, JSON.stringify({ ...event, origin }));
      } catch (err) {
        log.error('gallery sync: notify failed', { event, error: String(err) });
      }
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
