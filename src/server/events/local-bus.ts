// The in-process event bus: handlers are called in the order they subscribed, each in its own try, so one failing
// subscriber neither stops the others nor the publisher. Also the local half of the PostgreSQL bus.
import type { Logger } from '../log.js';
import type { BusEvent, BusEventType, BusHandler, EventBus, Origin } from './bus.js';

export interface LocalBus extends EventBus {
  /** Runs this server's handlers for an event (from here or, for the PostgreSQL bus, from another server). */
  deliver(event: BusEvent, origin: Origin): Promise<void>;
}

export function createLocalBus(log: Pick<Logger, 'error'>): LocalBus {
  const handlers = new Map<BusEventType, Set<BusHandler<BusEventType>>>();
  const deliver = async (event: BusEvent, origin: Origin): Promise<void> => {
    for (const h of [...(handlers.get(event.type) ?? [])]) {
      try {
        await h(event as never, origin);
      } catch (err) {
        log.error('event handler failed', { event: event.type, remote: origin.remote, error: String(err) });
      }
    }
  };
  return {
    shared: false,
    deliver,
    publish: (event) => deliver(event, { remote: false }),
    on(type, handler) {
      let set = handlers.get(type);
      if (!set) handlers.set(type, (set = new Set()));
      const h = handler as unknown as BusHandler<BusEventType>;
      set.add(h);
      return () => void set.delete(h);
    },
    close: async () => handlers.clear(),
  };
}
