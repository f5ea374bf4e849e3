// The event bus across servers on one PostgreSQL: events go out with NOTIFY and come in on LISTEN, so every server
// follows gallery changes and shows check-ins from every camera. Embedded PGlite has one process: use the local bus.
// It opens no connection of its own: the store's LISTEN/NOTIFY channels (store/notify-channels.ts) carry it.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import { LOCAL_ONLY, type BusEvent, type EventBus } from './bus.js';
import { decodeWire, encodeWire, type WireMessage } from './bus-wire.js';
import { createLocalBus } from './local-bus.js';

export const CHANNEL = 'facestream_events';

/** The event in a notification (its sender left out), or null when it is not one this server understands. */
export function parseEvent(payload: string): { event: BusEvent; origin: string } | null {
  const msg: WireMessage | null = decodeWire(payload);
  if (!msg) return null;
  const { origin, ...event } = msg;
  return { event: event as BusEvent, origin };
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
      if (closed) return;
      const parsed = parseEvent(payload);
      if (!parsed) return malformed(payload);
      if (parsed.origin === origin) return;
      void local.deliver(parsed.event, { remote: true });
    },
    () => {
      // After a reconnect, notifications sent while we were away are lost: whoever cares catches up (the gallery, from its change log).
      if (connected) void local.deliver({ type: 'bus.reconnected' }, { remote: false });
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
        await channels.notify(CHANNEL, encodeWire(event, origin));
      } catch (err) {
        // The others catch up from the change log on the next notification, their reconnect or their poll.
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
