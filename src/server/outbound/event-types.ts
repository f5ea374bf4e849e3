// The events that leave the server (webhooks and MQTT), and how each is built from what happened inside it.
import type { EventOf } from '../events/bus.js';
import type { CheckInRow } from '../store/checkins-repo.js';
import type { OutboxEvent } from '../store/outbox-repo.js';

export const EVENT_TYPES = ['checkin', 'recognition', 'unknown', 'presentation_attack', 'camera.down', 'camera.up', 'attendance.summary', 'test'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What a new webhook subscribes to when it names no types: everything but `test` (which is sent to it by name). */
export const DEFAULT_EVENT_TYPES: EventType[] = ['checkin', 'recognition', 'unknown', 'presentation_attack', 'camera.down'];

const iso = (ms: number | Date) => new Date(ms).toISOString();

export function checkinEvent(row: CheckInRow): OutboxEvent {
  return {
    type: 'checkin',
    payload: { at: iso(row.at), camera: row.camera, person: { id: row.personId, name: row.name }, score: row.score, checkinId: row.id },
  };
}

export function recognitionEvent({ recognition: r }: EventOf<'recognition'>): OutboxEvent {
  return { type: 'recognition', payload: { at: iso(r.at), camera: r.camera, person: { id: r.personId, name: r.name }, score: r.score, trackId: r.trackId } };
}

export function unknownEvent({ sighting: s }: EventOf<'sighting.stored'>): OutboxEvent {
  return {
    type: 'unknown',
    payload: {
      at: iso(s.lastSeenAt),
      camera: s.camera,
      sightingId: s.id,
      firstSeenAt: iso(s.firstSeenAt),
      lastSeenAt: iso(s.lastSeenAt),
      bestScore: s.bestScore,
      bestPersonId: s.bestPersonId,
      cropUrl: `/api/v1/sightings/${s.id}/crop`,
    },
  };
}

/**
 * A face refused as a presentation attack (a photo, a screen) on a camera that requires liveness. `closest` is the
 * enrolled person it looked most like (`wouldBeNamed`: close enough to be named); it is not `person`, so it never
 * counts as that person's presence.
 */
export function presentationAttackEvent({ event: e }: EventOf<'security.stored'>): OutboxEvent {
  return {
    type: 'presentation_attack',
    payload: {
      at: iso(e.at),
      camera: e.camera,
      securityEventId: e.id,
      closest: e.personId ? { id: e.personId, name: e.personName } : null,
      similarity: e.similarity,
      wouldBeNamed: e.wouldBeNamed,
      liveScore: e.liveScore,
      framesChecked: e.framesChecked,
      attackFrames: e.attackFrames,
      cropUrl: `/api/v1/security-events/${e.id}/crop`,
    },
  };
}

export function cameraEvent(e: EventOf<'camera.down'> | EventOf<'camera.up'>): OutboxEvent {
  if (e.type === 'camera.up') return { type: 'camera.up', payload: { at: iso(e.at), camera: e.camera } };
  return { type: 'camera.down', payload: { at: iso(e.at), camera: e.camera, lastFrameAt: iso(e.lastFrameAt) } };
}

export function testEvent(at: number, by: string): OutboxEvent {
  return { type: 'test', payload: { at: iso(at), camera: 'test', message: `A test event sent by ${by}` } };
}

/** The JSON a receiver gets: the event id (its idempotency key), type, and the event's own fields. */
export function wireBody(d: { eventId: string; type: string; payload: Record<string, unknown> }): string {
  return JSON.stringify({ id: d.eventId, type: d.type, ...d.payload });
}

/** A topic level from a free-text label: lower case, [a-z0-9_-] only; an empty label is `default`. */
export function slug(label: string): string {
  const s = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 64);
  return s || 'default';
}
