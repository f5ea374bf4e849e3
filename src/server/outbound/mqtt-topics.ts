// MQTT topic layout and Home Assistant discovery payloads (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery).
//   <prefix>/availability                      online | offline (retained; offline is also the connection's will)
//   <prefix>/camera/<camera>/<event type>      each event on that camera, JSON (QoS 1)
//   <prefix>/camera/<camera>/last_person       name last recognised there (retained)
//   <prefix>/camera/<camera>/state             online | offline (retained; from camera.up / camera.down)
//   <prefix>/person/<person>/<event type>      each event about that person, JSON (QoS 1)
//   <prefix>/person/<person>/state             ON | OFF: recognised within MQTT_PRESENCE_MS (retained)
//   <prefix>/attendance/summary                the day's attendance summary (ATTENDANCE_SUMMARY_AT), JSON (QoS 1)
//   <prefix>/test                              test events
import type { MqttSettings } from '../store/integrations-repo.js';
import { slug } from './event-types.js';

export interface KnownPerson {
  id: string;
  name: string;
}

type Settings = Pick<MqttSettings, 'topicPrefix' | 'discoveryPrefix'>;

export function topicsOf(s: Settings) {
  const p = s.topicPrefix;
  return {
    availability: `${p}/availability`,
    cameraEvent: (camera: string, type: string) => `${p}/camera/${slug(camera)}/${type}`,
    cameraLastPerson: (camera: string) => `${p}/camera/${slug(camera)}/last_person`,
    cameraState: (camera: string) => `${p}/camera/${slug(camera)}/state`,
    personEvent: (person: KnownPerson, type: string) => `${p}/person/${slug(person.name)}/${type}`,
  };
}

export const personStateTopic = (s: Settings, person: KnownPerson) => `${s.topicPrefix}/person/${slug(person.name)}/state`;

/** The topics one event is published on. */
export function eventTopics(s: Settings, d: { type: string; payload: Record<string, unknown> }): string[] {
  const t = topicsOf(s);
  if (d.type === 'test') return [`${s.topicPrefix}/test`];
  if (d.type === 'attendance.summary') return [`${s.topicPrefix}/attendance/summary`];
  const out: string[] = [];
  if (typeof d.payload.camera === 'string') out.push(t.cameraEvent(d.payload.camera, d.type));
  const person = d.payload.person as KnownPerson | undefined;
  if (person && typeof person.name === 'string') out.push(t.personEvent(person, d.type));
  return out;
}

/** Discovery config messages (retained); an empty payload removes a person's entity from Home Assistant. */
export function discoveryMessages(
  s: Settings,
  what: { people: KnownPerson[]; cameras: string[]; removedPeople: KnownPerson[]; version: string },
): { topic: string; payload: string }[] {
  const t = topicsOf(s);
  const dp = s.discoveryPrefix;
  const origin = { name: 'Facestream', sw: what.version };
  const out: { topic: string; payload: string }[] = [];
  for (const camera of what.cameras) {
    const id = `facestream_camera_${slug(camera)}`;
    const device = {
      identifiers: [id],
      name: `Facestream camera ${camera || 'default'}`,
      manufacturer: 'Facestream',
      model: 'Camera',
      sw_version: what.version,
    };
    out.push({
      topic: `${dp}/sensor/${id}/last_person/config`,
      payload: JSON.stringify({
        name: 'Last recognised',
        unique_id: `${id}_last_person`,
        state_topic: t.cameraLastPerson(camera),
        availability_topic: t.availability,
        icon: 'mdi:face-recognition',
        device,
        origin,
      }),
    });
    out.push({
      topic: `${dp}/binary_sensor/${id}/online/config`,
      payload: JSON.stringify({
        name: 'Sending frames',
        unique_id: `${id}_online`,
        device_class: 'connectivity',
        state_topic: t.cameraState(camera),
        payload_on: 'online',
        payload_off: 'offline',
        availability_topic: t.availability,
        device,
        origin,
      }),
    });
  }
  for (const person of what.people) {
    const id = `facestream_person_${person.id}`;
    out.push({
      topic: `${dp}/binary_sensor/${id}/present/config`,
      payload: JSON.stringify({
        name: 'Present',
        unique_id: `${id}_present`,
        device_class: 'presence',
        state_topic: personStateTopic(s, person),
        payload_on: 'ON',
        payload_off: 'OFF',
        availability_topic: t.availability,
        json_attributes_topic: t.personEvent(person, 'recognition'),
        device: { identifiers: [id], name: person.name, manufacturer: 'Facestream', model: 'Person', sw_version: what.version },
        origin,
      }),
    });
  }
  for (const person of what.removedPeople) out.push({ topic: `${dp}/binary_sensor/facestream_person_${person.id}/present/config`, payload: '' });
  return out;
}

/** Every person's presence state, retained (after a reconnect the broker may have lost them). */
export function presenceMessages(s: Settings, people: KnownPerson[], isPresent: (id: string) => boolean): { topic: string; payload: string }[] {
  return people.map((p) => ({ topic: personStateTopic(s, p), payload: isPresent(p.id) ? 'ON' : 'OFF' }));
}
