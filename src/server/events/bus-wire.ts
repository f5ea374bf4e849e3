// The bus between servers, on the wire: one zod schema for the events that cross it, used by the sender (what goes out
// is checked against it) and by every receiver (a notification that does not parse is dropped and logged).
import { z } from 'zod';
import { CheckIn } from '../../shared/protocol.js';
import type { BusEvent } from './bus.js';

/** NOTIFY payloads are limited to 8000 bytes; every event here is far below it (no lists, one check-in at most). */
export const MAX_PAYLOAD_BYTES = 8000;

export const WireEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('gallery.changed'), seq: z.number().int().nonnegative() }),
  z.object({ type: z.literal('checkin.recorded'), checkin: CheckIn }),
  z.object({ type: z.literal('checkin.already'), checkin: CheckIn, camera: z.string().max(200) }),
  z.object({ type: z.literal('camera.policies.changed') }),
]);
export type WireEvent = z.infer<typeof WireEvent>;

/** A notification: the event and the server that sent it (so it can skip its own). */
export const WireMessage = z.intersection(WireEvent, z.object({ origin: z.string().max(100) }));
export type WireMessage = z.infer<typeof WireMessage>;

/** The payload for `event` sent by `origin`; throws when the event is not one that crosses servers or is malformed. */
export function encodeWire(event: BusEvent, origin: string): string {
  const payload = JSON.stringify(WireMessage.parse({ ...event, origin }));
  if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES)
    throw new RangeError(`a ${event.type} notification is ${Buffer.byteLength(payload)} bytes, over ${MAX_PAYLOAD_BYTES}`);
  return payload;
}

/** The message in a payload, or null when it is not JSON or not an event this server understands. */
export function decodeWire(payload: string): WireMessage | null {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return null;
  }
  const parsed = WireMessage.safeParse(json);
  return parsed.success ? parsed.data : null;
}
