// The event bus across servers on one PostgreSQL: events go out with NOTIFY and come in on LISTEN, so every server
// follows gallery changes and shows check-ins from every camera. Embedded PGlite has one process: use the local bus.
// It opens no connection of its own: the store's LISTEN/NOTIFY channels (store/notify-channels.ts) carry it.
import { randomUUID } from 'node:crypto';
import { CheckIn } from '../../shared/protocol.js';
import type { Logger } from '../log.js';
import { LOCAL_ONLY, type BusEvent, type EventBus, type GalleryChange } from './bus.js';
import { createLocalBus } from './local-bus.js';

export const CHANNEL = 'facestream_events';
/** NOTIFY payloads are limited to 8000 bytes: a longer list of faces is sent as "reload". */
const MAX_FACE_IDS = 100;

function parseChange(c: unknown): GalleryChange | null {
  const m = (c ?? {}) as Record<string, unknown>;
  if (m.kind === 'person.removed') return typeof m.personId === 'string' ? { kind: 'person.removed', personId: m.personId } : null;
  if (m.kind === 'faces.removed') {
    return Array.isArray(m.faceIds) && m.faceIds.every((f) => typeof f === 'string') ? { kind: 'faces.removed', faceIds: m.faceIds as string[] } : null;
  }
  return m.kind === 'changed' ? { kind: 'changed' } : null;
}

/** The event in a notification, or null when it is not one this server understands. */
export function parseEvent(msg: Record<string, unknown>): BusEvent | null {
  if (msg.type === 'gallery.changed') {
    const change = parseChange(msg.change);
    return change ? { type: 'gallery.changed', change } : null;
  }
  if (msg.type === 'camera.policies.changed') return { type: 'camera.policies.changed' };
  if (msg.type === 'checkin.recorded' || msg.type === 'checkin.already') {
    const checkin = CheckIn.safeParse(msg.checkin);
    if (!checkin.success) return null;
    if (msg.type === 'checkin.recorded') return { type: 'checkin.recorded', checkin: checkin.data };
    return typeof msg.camera === 'string' ? { type: 'checkin.already', checkin: checkin.data, camera: msg.camera } : null;
  }
  return null;
}

function wire(event: BusEvent): BusEvent {
  if (event.type === 'gallery.changed' && event.change.kind === 'faces.removed' && event.change.faceIds.length > MAX_FACE_IDS) {
    return { type: 'gallery.changed', change: { kind: 'changed' } };
  }
  return event;
}

/** LISTEN/NOTIFY as the bus needs it: the store's NotifyChannels, which the composition root hands over. */
export interface BusChannels {
  listen(channel: string, onMessage: (payload: string) => void, onConnect: () => void): Promise<{ stop(): Promise<void> }>;
  notify(channel: string, payload: string): Promise<void>;
}

export async function createPgBus(opts: { channels: BusChannels; log: Logger }): Promise<EventBus> {
  const { log, channels } = opts;
  const local = createLocalBus(log);
  const origin = randomUUID();
  let connected = false;
  let closed = false;
  const malformed = (payload: string) => log.warn('event bus: ignoring a malformed notification', { payload: payload.slice(0, 200) });
  const listening = await channels.listen(
    CHANNEL,
    (payload) => {
      let msg: (Record<string, unknown> & { origin?: string }) | undefined;
      try {
        msg = JSON.parse(payload);
      } catch {
        return malformed(payload);
      }
      if (closed || !msg || typeof msg !== 'object' || msg.origin === origin) return;
      const event = parseEvent(msg);
      if (!event) return malformed(payload);
      void local.deliver(event, { remote: true });
    },
    () => {
      // After a reconnect, notifications sent while we were away are lost: reload the gallery to catch up.
      if (connected) void local.deliver({ type: 'gallery.changed', change: { kind: 'changed' } }, { remote: true });
      connected = true;
    },
  );
  return {
    shared: true,
    on: (type, handler) => local.on(type, handler),
    async publish(event) {
      await local.publish(event);
      if (LOCAL_ONLY.has(event.type)) return;
      try {
        await channels.notify(CHANNEL, JSON.stringify({ ...wire(event), origin }));
      } catch (err) {
        // The others catch up on their next reload (or reconnect).
        log.error('event bus: notify failed', { event: event.type, error: String(err) });
      }
    },
    async close() {
      closed = true;
      await local.close();
      // The connection is the store's, ended with it; unlisten is a courtesy that a database down must not hold up.
      await Promise.race([listening.stop().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
    },
  };
}
