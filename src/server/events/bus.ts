// The event bus port: what one part of a server tells the others (and, with a shared adapter, the other servers on the
// same database). Two adapters: in-process (local-bus.ts) and PostgreSQL LISTEN/NOTIFY (pg-bus.ts).
import type { CheckIn } from '../../shared/protocol.js';
import type { SecurityEventRow } from '../store/security-events-repo.js';

export type BusEvent =
  /**
   * The gallery changed: the change log (store/gallery-changes-repo.ts) holds it, through sequence `seq`. Another
   * server catches up from the log after the last sequence it applied, so a notification it missed costs nothing.
   */
  | { type: 'gallery.changed'; seq: number }
  /** This server's connection to the other servers was re-established: notifications sent meanwhile were lost. */
  | { type: 'bus.reconnected' }
  /** A check-in was recorded: shown on that camera's pages and on every kiosk. */
  | { type: 'checkin.recorded'; checkin: CheckIn }
  /** A person already checked in was seen again on `camera`: that camera's pages and the kiosks say so. */
  | { type: 'checkin.already'; checkin: CheckIn; camera: string }
  /** A camera's policy (require liveness) changed: every server reads the policies again. */
  | { type: 'camera.policies.changed' }
  // The events below are this server's own (never sent to other servers): webhooks and MQTT tell them.
  /** A track on `camera` was named (once per track). */
  | { type: 'recognition'; recognition: { camera: string; personId: string; name: string; score: number; trackId: number; at: number } }
  /** A face that stayed unknown was stored as a sighting. */
  | {
      type: 'sighting.stored';
      sighting: { id: string; camera: string; firstSeenAt: number; lastSeenAt: number; bestScore: number | null; bestPersonId: string | null };
    }
  /** `camera` sent no frame for CAMERA_DOWN_AFTER_MS (`lastFrameAt`), or sent one again (`camera.up`). */
  /** A presentation attack was refused and stored as a security event. */
  | {
      type: 'security.stored';
      /** The stored row as the store lists it (store/security-events-repo.ts), its time in ms since the epoch. */
      event: Omit<SecurityEventRow, 'at' | 'kind' | 'hasCrop'> & { at: number };
    }
  | { type: 'camera.down'; camera: string; lastFrameAt: number; at: number }
  | { type: 'camera.up'; camera: string; at: number };

/** Events told only on the server they happened on: each server sends its own cameras' events out. */
export const LOCAL_ONLY: ReadonlySet<BusEvent['type']> = new Set([
  'recognition',
  'sighting.stored',
  'security.stored',
  'camera.down',
  'camera.up',
  'bus.reconnected',
]);

export type BusEventType = BusEvent['type'];
export type EventOf<T extends BusEventType> = Extract<BusEvent, { type: T }>;

/** Where an event came from: this server (`remote` false) or another one on the same database. */
export interface Origin {
  remote: boolean;
}

export type BusHandler<T extends BusEventType> = (event: EventOf<T>, origin: Origin) => void | Promise<void>;

export interface EventBus {
  /** True when events reach other servers too (PostgreSQL); false for one process (PGlite, tests). */
  readonly shared: boolean;
  /** Tells this server's handlers at once, then the other servers. Never throws: a failed send is logged. */
  publish(event: BusEvent): Promise<void>;
  /** Calls `handler` for every event of `type`, from here and from other servers; returns the unsubscribe. */
  on<T extends BusEventType>(type: T, handler: BusHandler<T>): () => void;
  close(): Promise<void>;
}
