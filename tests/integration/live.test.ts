// End to end over a real WebSocket: a server on port 0 with real models and a real database, fed real photos as frames.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import type { Overlay } from '../../src/shared/protocol.js';
import { describeEachDatabase, startTestServer, testConfig } from '../helpers/server.js';
import { TestClient, fixture } from '../helpers/ws-client.js';

const only = (o: Overlay) => {
  expect(o.tracks).toHaveLength(1);
  return o.tracks[0]!;
};

describeEachDatabase('live recognition on $name', (target) => {
  let env: Record<string, string>;
  let server: RunningServer;

  beforeAll(async () => {
    env = await target.freshEnv();
    server = await startTestServer(env);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('labels an unenrolled face "unknown"', async () => {
    const client = await TestClient.connect(server.url);
    const overlay = await client.frame(fixture('Guido_van_Rossum/1.jpg'));
    const track = only(overlay);
    expect(track.state).toBe('unknown');
    expect(track.name).toBeNull();
    expect(track.box[2]).toBeGreaterThan(40);
    expect(overlay.width).toBeGreaterThan(0);
    for (let i = 0; i < 8; i++) {
      const later = only(await client.frame(fixture('Guido_van_Rossum/1.jpg')));
      expect(later.id).toBe(track.id);
      expect(later.state).toBe('unknown');
    }
    client.close();
  });

  it('enrols a person over the socket, then recognizes other photos of them while a stranger stays unknown', async () => {
    const client = await TestClient.connect(server.url);
    const watcher = await TestClient.connect(server.url);
    client.sendJson({ type: 'enrol.start', name: 'Guido van Rossum', samples: 3 });
    expect(await client.next((m) => m.type === 'enrol.started')).toMatchObject({ required: 3 });
    const done = client.next((m) => m.type === 'enrol.done');
    // Listened for from the start: the gallery's change may reach other sessions before enrol.done reaches this one.
    const changed = watcher.next((m) => m.type === 'gallery.changed');
    // straight, right, left: the poses guided enrolment asks for (ENROL_POSES)
    for (const n of [1, 2, 4]) await client.frame(fixture(`Guido_van_Rossum/${n}.jpg`));
    expect(await done).toMatchObject({ type: 'enrol.done', name: 'Guido van Rossum', faces: 3, created: true });
    const progress = client.messages.filter((m) => m.type === 'enrol.progress');
    expect(progress.map((p) => p.type === 'enrol.progress' && p.collected)).toEqual([1, 2, 3]);
    // every open session hears about it
    await changed;

    // Each photo on a fresh connection, as for the strangers below: within one stream Guido's face jumping from one
    // photo's place to the next continues his track, and on a busy server that frame may be answered `pending` until
    // the embedding that checks it has voted (docs/protocol.md §4.2), as a camera's next frame then shows.
    for (const n of [3, 5]) {
      const probe = await TestClient.connect(server.url);
      const track = only(await probe.frame(fixture(`Guido_van_Rossum/${n}.jpg`)));
      expect(track.state).toBe('recognized');
      expect(track.name).toBe('Guido van Rossum');
      expect(track.score).toBeGreaterThanOrEqual(testConfig().MATCH_THRESHOLD);
      probe.close();
    }
    // On one stream the jump shows Guido's name or withholds it until his check has voted, never anything else.
    for (const n of [3, 5]) {
      const track = only(await watcher.frame(fixture(`Guido_van_Rossum/${n}.jpg`)));
      expect([`recognized Guido van Rossum`, 'pending null']).toContain(`${track.state} ${track.name}`);
    }
    // Each stranger on a fresh connection: within one stream a face in the same place continues the same track.
    for (const other of ['Paul_Allen/1.jpg', 'Barack_Obama/1.jpg', 'Joe_Biden/2.jpg']) {
      const stranger = await TestClient.connect(server.url);
      const track = only(await stranger.frame(fixture(other)));
      expect(track.state, other).toBe('unknown');
      expect(track.name).toBeNull();
      stranger.close();
    }
    client.close();
    watcher.close();
  });

  it('adds faces to an existing person when the name is enrolled again', async () => {
    const client = await TestClient.connect(server.url);
    client.sendJson({ type: 'enrol.start', name: 'Guido van Rossum', samples: 1 });
    const done = client.next((m) => m.type === 'enrol.done');
    await client.frame(fixture('Guido_van_Rossum/4.jpg'));
    expect(await done).toMatchObject({ created: false, faces: 1 });
    const people = await server.store.listPeople();
    expect(people).toHaveLength(1);
    expect(people[0]!.faces).toBe(4);
    client.close();
  });

  it('gives two faces in one frame two tracks', async () => {
    const client = await TestClient.connect(server.url);
    const overlay = await client.frame(fixture('_group/obama_and_biden.jpg'));
    expect(overlay.tracks.length).toBeGreaterThanOrEqual(2);
    expect(new Set(overlay.tracks.map((t) => t.id)).size).toBe(overlay.tracks.length);
    // the same frame again keeps the same track ids
    const again = await client.frame(fixture('_group/obama_and_biden.jpg'));
    expect(again.tracks.map((t) => t.id).sort()).toEqual(overlay.tracks.map((t) => t.id).sort());
    client.close();
  });

  it('still recognizes enrolled people after a restart', async () => {
    await server.close();
    server = await startTestServer(env);
    expect(server.gallery.stats()).toMatchObject({ people: 1, faces: 4 });
    const client = await TestClient.connect(server.url);
    const track = only(await client.frame(fixture('Guido_van_Rossum/5.jpg')));
    expect(track).toMatchObject({ state: 'recognized', name: 'Guido van Rossum' });
    client.close();
  });

  it('forgets nothing half-written when a client disconnects mid-enrolment', async () => {
    const client = await TestClient.connect(server.url);
    client.sendJson({ type: 'enrol.start', name: 'Paul Allen', samples: 3 });
    await client.frame(fixture('Paul_Allen/1.jpg'));
    await client.frame(fixture('Paul_Allen/2.jpg'));
    client.close();
    await client.waitClose();
    // another session carries on and the gallery is unchanged
    const other = await TestClient.connect(server.url);
    const track = only(await other.frame(fixture('Paul_Allen/3.jpg')));
    expect(track.state).toBe('unknown');
    expect((await server.store.listPeople()).map((p) => p.name)).toEqual(['Guido van Rossum']);
    other.close();
  });
});
