// Keeps several servers on one PostgreSQL in step: gallery changes and new check-ins are announced with NOTIFY and
// every other server applies them on LISTEN. With embedded PGlite only one process can open the database: a no-op.
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { CheckIn } from '../../shared/protocol.js';
import type { Logger } from '../log.js';

export const CHANNEL = 'facestream_gallery';

/**
 * What happened: a person removed (every server drops them at once), any other gallery change (every server reloads),
 * or a check-in recorded by one server (the others push it to their kiosks and that camera's sessions).
 */
export type GalleryEvent = { kind: 'person.removed'; personId: string } | { kind: 'changed' } | { kind: 'checkin'; checkin: CheckIn };

function parseEvent(msg: Record<string, unknown>): GalleryEvent | null {
  if (msg.kind === 'person.removed' && typeof msg.personId === 'string') return { kind: 'person.removed', personId: msg.personId };
  if (msg.kind === 'checkin') {
    const checkin = CheckIn.safeParse(msg.checkin);
    return checkin.success ? { kind: 'checkin', checkin: checkin.data } : null;
  }
  return { kind: 'changed' };
}

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
        let msg: (Record<string, unknown> & { origin?: string }) | undefined;
        try {
          msg = JSON.parse(payload);
        } catch {
          return log.warn('gallery sync: ignoring a malformed notification', { payload: payload.slice(0, 200) });
        }
        if (!msg || msg.origin === origin) return;
        const event = parseEvent(msg);
        if (!event) return log.warn('gallery sync: ignoring a malformed notification', { payload: payload.slice(0, 200) });
        void apply(event);
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
