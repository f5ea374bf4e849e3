// MQTT against a real broker (Debian's mosquitto, started here on a free port): Home Assistant discovery, events on
// camera and person topics, retained states, and a broker restart: events published while it is down wait in the
// outbox and arrive once it is back.
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBus } from '../../src/server/events/local-bus.js';
import { silentLogger } from '../../src/server/log.js';
import { Outbound } from '../../src/server/outbound/outbound.js';
import { MEMORY, openStore } from '../../src/server/store/db.js';
import type { Store } from '../../src/server/store/types.js';
import { mosquittoMissing, startMosquitto, type Broker } from '../helpers/mosquitto.js';
import { until } from '../helpers/webhook-receiver.js';

const missing = mosquittoMissing();
if (missing) console.warn(`MQTT suite skipped: ${missing}`);

describe.skipIf(missing !== null)('MQTT with mosquitto', () => {
  let broker: Broker;
  let store: Store;
  let outbound: Outbound;
  let sub: MqttClient;
  const bus = createLocalBus(silentLogger);
  /** Every message the subscriber got, in order; `retained` as the broker flagged it. */
  const got: { topic: string; payload: string; retain: boolean }[] = [];
  const last = (topic: string) => got.filter((m) => m.topic === topic).at(-1)?.payload;
  let ada: { id: string; name: string };

  beforeAll(async () => {
    broker = await startMosquitto();
    store = await openStore({ dataDir: MEMORY });
    const made = await store.people.create('Ada Lovelace');
    if (!made.ok) throw new Error('no person');
    ada = { id: made.value.id, name: made.value.name };
    // A persistent session (clean: false, QoS 1): the broker keeps what is published while this subscriber is away.
    sub = mqtt.connect(broker.url, { clientId: 'facestream-test-sub', clean: false, reconnectPeriod: 200 });
    sub.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), retain: packet.retain }));
    await new Promise<void>((resolve) => sub.once('connect', () => resolve()));
    await sub.subscribeAsync(['facestream/#', 'homeassistant/#'], { qos: 1 });
    await store.integrations.saveMqtt({
      enabled: true,
      url: broker.url,
      username: null,
      password: null,
      topicPrefix: 'facestream',
      discoveryPrefix: 'homeassistant',
      discovery: true,
    });
    outbound = new Outbound({
      outbox: store.outbox,
      integrations: store.integrations,
      people: async () => (await store.listPeople()).map((p) => ({ id: p.id, name: p.name })),
      cameras: () => ['Front door'],
      bus,
      log: silentLogger,
      clock: Date.now,
      version: 'test',
      singleProcess: true,
      limits: {
        maxPending: 1000,
        maxAttempts: 50,
        maxAgeMs: 60_000,
        retryBaseMs: 100,
        retryMaxMs: 500,
        batch: 10,
        pollMs: 100,
        sendTimeoutMs: 2000,
        keepMs: 60_000,
        presenceMs: 60_000,
        reconnectMs: 300,
      },
    });
    await outbound.start();
  }, 120_000);

  afterAll(async () => {
    await outbound?.close();
    await sub?.endAsync(true);
    await store?.close();
    await broker?.stop();
  });

  it('announces itself and publishes Home Assistant discovery for each person and camera', async () => {
    await until(() => last('facestream/availability') === 'online', 10_000, 'availability online');
    const personTopic = `homeassistant/binary_sensor/facestream_person_${ada.id}/present/config`;
    await until(() => last(personTopic) !== undefined, 10_000, 'person discovery');
    expect(JSON.parse(last(personTopic)!)).toMatchObject({
      name: 'Present',
      unique_id: `facestream_person_${ada.id}_present`,
      device_class: 'presence',
      state_topic: 'facestream/person/ada_lovelace/state',
      payload_on: 'ON',
      payload_off: 'OFF',
      availability_topic: 'facestream/availability',
      device: { identifiers: [`facestream_person_${ada.id}`], name: 'Ada Lovelace' },
    });
    expect(last('facestream/person/ada_lovelace/state')).toBe('OFF');
    const cameraTopic = 'homeassistant/sensor/facestream_camera_front_door/last_person/config';
    await until(() => last(cameraTopic) !== undefined, 10_000, 'camera discovery');
    expect(JSON.parse(last(cameraTopic)!)).toMatchObject({
      unique_id: 'facestream_camera_front_door_last_person',
      state_topic: 'facestream/camera/front_door/last_person',
      device: { identifiers: ['facestream_camera_front_door'], name: 'Facestream camera Front door' },
    });
    expect(JSON.parse(last('homeassistant/binary_sensor/facestream_camera_front_door/online/config')!)).toMatchObject({
      device_class: 'connectivity',
      state_topic: 'facestream/camera/front_door/state',
    });
  });

  const recognize = (trackId: number) =>
    bus.publish({ type: 'recognition', recognition: { camera: 'Front door', personId: ada.id, name: ada.name, score: 0.8, trackId, at: Date.now() } });

  it('publishes a recognition on the camera and person topics and sets the retained states', async () => {
    await recognize(1);
    await until(() => got.some((m) => m.topic === 'facestream/camera/front_door/recognition'), 10_000, 'the recognition event');
    const ev = JSON.parse(last('facestream/camera/front_door/recognition')!);
    expect(ev).toMatchObject({ type: 'recognition', camera: 'Front door', person: { id: ada.id, name: 'Ada Lovelace' }, score: 0.8, trackId: 1 });
    expect(ev.id).toMatch(/^[0-9a-f-]{36}$/);
    await until(() => last('facestream/person/ada_lovelace/state') === 'ON', 10_000, 'presence ON');
    expect(JSON.parse(last('facestream/person/ada_lovelace/recognition')!).id).toBe(ev.id);
    expect(last('facestream/camera/front_door/last_person')).toBe('Ada Lovelace');
  });

  it('publishes a presentation attack on the camera topic only: the person it looked like is not present', async () => {
    const before = got.length;
    const event = {
      id: 'e1',
      camera: 'Front door',
      at: Date.now(),
      personId: ada.id,
      personName: ada.name,
      similarity: 0.9,
      wouldBeNamed: true,
      liveScore: 0.03,
      framesChecked: 3,
      attackFrames: 3,
    };
    await bus.publish({ type: 'security.stored', event });
    await until(() => got.some((m) => m.topic === 'facestream/camera/front_door/presentation_attack'), 10_000, 'the presentation_attack event');
    expect(JSON.parse(last('facestream/camera/front_door/presentation_attack')!)).toMatchObject({
      type: 'presentation_attack',
      camera: 'Front door',
      closest: { id: ada.id, name: 'Ada Lovelace' },
      wouldBeNamed: true,
      cropUrl: '/api/v1/security-events/e1/crop',
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(
      got
        .slice(before)
        .filter((m) => m.topic.startsWith('facestream/person/'))
        .map((m) => m.topic),
    ).toEqual([]);
  });

  it('keeps events published while the broker is down in the outbox, and delivers them once it is back', async () => {
    await broker.stop();
    await until(() => !outbound.mqtt.status().connected, 10_000, 'the link to notice');
    for (const track of [2, 3, 4]) await recognize(track);
    await until(async () => (await store.outbox.recent(null, { limit: 20, state: 'pending' })).length === 3, 10_000, 'three pending deliveries');
    await new Promise((r) => setTimeout(r, 500));
    expect((await store.outbox.recent(null, { limit: 20, state: 'pending' })).every((d) => d.lastError === null || /not connected/.test(d.lastError))).toBe(
      true,
    );
    await broker.start();
    const tracks = () =>
      got.filter((m) => m.topic === 'facestream/camera/front_door/recognition').map((m) => JSON.parse(m.payload) as { trackId: number; id: string });
    await until(() => new Set(tracks().map((t) => t.trackId)).size === 4, 30_000, 'all four recognitions');
    expect(outbound.mqtt.status().connected).toBe(true);
    expect(new Set(tracks().map((t) => t.id)).size).toBe(4);
    expect(tracks().map((t) => t.trackId)).toEqual([1, 2, 3, 4]);
    // The subscriber can see the last message before the publisher's PUBACK has marked its delivery done (seen in CI
    // under load: 1 pending for a moment); what must hold is that every delivery gets marked, none left behind.
    await until(async () => (await store.outbox.pendingCount()) === 0, 10_000, 'every delivery marked done');
    // Announced again after the reconnect.
    await until(() => last('facestream/availability') === 'online', 10_000, 'online again');
  });

  it('follows gallery changes: a new person gets discovery, a deleted one has it cleared', async () => {
    const grace = await store.people.create('Grace Hopper');
    if (!grace.ok) throw new Error('no person');
    await store.deletePerson(ada.id);
    await bus.publish({ type: 'gallery.changed', seq: 0 });
    const graceTopic = `homeassistant/binary_sensor/facestream_person_${grace.value.id}/present/config`;
    await until(() => last(graceTopic) !== undefined, 10_000, 'discovery for the new person');
    expect(JSON.parse(last(graceTopic)!)).toMatchObject({ state_topic: 'facestream/person/grace_hopper/state' });
    await until(() => last(`homeassistant/binary_sensor/facestream_person_${ada.id}/present/config`) === '', 10_000, 'the deleted person cleared');
  });

  it('says offline on a clean shutdown', async () => {
    await outbound.close();
    await until(() => last('facestream/availability') === 'offline', 10_000, 'availability offline');
  });
});
