// PostgreSQL LISTEN/NOTIFY over the store's own client: the event bus across servers (events/pg-bus.ts) speaks to the
// database only through this port, so the `postgres` package and its connections stay inside store/. The listening
// connection is postgres.js's dedicated one, reconnected by it and ended with the store.
import type { Sql } from 'postgres';

export interface NotifyChannels {
  /**
   * Calls `onMessage` with each payload sent on `channel`, and `onConnect` each time the listening connection is
   * (re)established: notifications sent while it was down are lost, so a caller can catch up then.
   */
  listen(channel: string, onMessage: (payload: string) => void, onConnect: () => void): Promise<{ stop(): Promise<void> }>;
  /** Sends `payload` (at most 8000 bytes, PostgreSQL's limit) to every listener of `channel`, this server's too. */
  notify(channel: string, payload: string): Promise<void>;
}

export function notifyChannels(client: Sql): NotifyChannels {
  return {
    async listen(channel, onMessage, onConnect) {
      const listening = await client.listen(channel, onMessage, onConnect);
      return { stop: () => listening.unlisten() };
    },
    async notify(channel, payload) {
      await client.notify(channel, payload);
    },
  };
}
