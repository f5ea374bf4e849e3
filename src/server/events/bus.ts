// The event bus port: what one part of a server tells the others (and, with a shared adapter, the other servers on the
// same database). Two adapters: in-process (local-bus.ts) and PostgreSQL LISTEN/NOTIFY (pg-bus.ts).
import type { CheckIn } from '../../shared/protocol.js';

/**
 * How the gallery changed, in the terms another server needs to follow: drop a person or faces at once, or reload
 * (anything else: enrolments, renames, merges, imports).
 */
export type GalleryChange = { kind: 'person.removed'; personId: string } | { kind: 'faces.removed'; faceIds: string[] } | { kind: 'changed' };

export type BusEvent =
  /** The faces or people changed (the gallery service has already applied it to this server's index). */
  | { type: 'gallery.changed'; change: GalleryChange }
  /** A check-in was recorded: shown on that camera's pages and on every kiosk. */
  | { type: 'checkin.recorded'; checkin: CheckIn }
  /** A person already checked in was seen again on `camera`: that camera's pages and the kiosks say so. */
  | { type: 'checkin.already'; checkin: CheckIn; camera: string };

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
