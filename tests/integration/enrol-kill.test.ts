// kill -9 at the enrolment commit points. The server SIGKILLs itself exactly inside the enrolment transaction, or just
// after it and before the index learns the faces (TEST_CRASH_AT), and is also killed from outside at moments around
// the commit; restarted on the same database, every person has all of their views or does not exist, and the index
// it rebuilds holds exactly what the database does. On PGlite (the default) and on PostgreSQL.
import { afterAll, expect, it } from 'vitest';
import { encodeFrame, PROTOCOL_VERSION, ServerMessage } from '../../src/shared/protocol.js';
import WebSocket from 'ws';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { describeEachDatabase } from '../helpers/server.js';
import { fixture } from '../helpers/ws-client.js';

/** After the progress that starts the commit: kills land before, inside and after its transaction. */
const DELAYS_MS = [0, 40];
/** Wait for the server's own crash instead of killing it. */
const SELF = -1;
const VIEWS = ['Guido_van_Rossum/1.jpg', 'Guido_van_Rossum/2.jpg', 'Guido_van_Rossum/4.jpg'];

/** Enrols `name` from VIEWS on a raw socket; after the last frame is sent, waits `delayMs` and kills the server. */
async function enrolThenKill(server: ChildServer, name: string, delayMs: number): Promise<'done-before-kill' | 'killed' | 'crashed itself'> {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws`);
  ws.on('error', () => {});
  const inbox: ServerMessage[] = [];
  const waiters: { pred: (m: ServerMessage) => boolean; resolve: () => void }[] = [];
  ws.on('message', (data) => {
    const m = ServerMessage.parse(JSON.parse(String(data)));
    inbox.push(m);
    for (const w of waiters.splice(0)) w.pred(m) ? w.resolve() : waiters.push(w);
  });
  const until = (pred: (m: ServerMessage) => boolean) =>
    inbox.some(pred) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ pred, resolve }));
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, camera: 'desk', attendance: false }));
  await until((m) => m.type === 'welcome');
  ws.send(JSON.stringify({ type: 'enrol.start', name, samples: VIEWS.length, allowDuplicate: true }));
  await until((m) => m.type === 'enrol.started');
  for (const [i, view] of VIEWS.entries()) {
    ws.send(encodeFrame({ seq: i + 1, captureTime: Date.now() }, fixture(view)));
    await until((m) => m.type === 'enrol.progress' && m.seq === i + 1);
  }
  // The progress with every view collected is sent as the commit starts (docs/protocol.md §8): kill around it.
  if (!inbox.some((m) => m.type === 'enrol.progress' && m.collected === VIEWS.length))
    throw new Error(`a view was refused: ${JSON.stringify(inbox.slice(-3))}`);
  if (delayMs === SELF) {
    // TEST_CRASH_AT: the server kills itself at the commit point; wait until it has.
    if (server.process.exitCode === null && server.process.signalCode === null) await new Promise((r) => server.process.once('exit', r));
  } else await new Promise((r) => setTimeout(r, delayMs));
  const done = inbox.some((m) => m.type === 'enrol.done');
  const selfKilled = server.process.signalCode === 'SIGKILL';
  await server.kill9();
  ws.terminate();
  return selfKilled ? 'crashed itself' : done ? 'done-before-kill' : 'killed';
}

describeEachDatabase('kill -9 during enrolment commits on $name', (target) => {
  let server: ChildServer | undefined;
  afterAll(async () => {
    await server?.kill9();
  });

  it(`leaves every person whole or absent: crashes inside and after the commit, and ${DELAYS_MS.length} kills around it`, async () => {
    const env = await target.freshEnv();
    const outcomes: string[] = [];
    const listPeople = async (url: string) =>
      ((await (await fetch(`${url}/api/v1/people?limit=100`)).json()) as { items: { name: string; faces: number }[] }).items;

    // Exactly inside the transaction: person and faces were written, never committed, so neither exists.
    server = await spawnServer({ ...env, TEST_CRASH_AT: 'enrol.in-transaction' });
    expect(await enrolThenKill(server, 'Inside Transaction', SELF)).toBe('crashed itself');
    // Exactly after the commit, before the index learned the faces: the restarted server's index has them.
    server = await spawnServer({ ...env, TEST_CRASH_AT: 'enrol.after-commit' });
    expect(await enrolThenKill(server, 'After Commit', SELF)).toBe('crashed itself');
    server = await spawnServer(env);
    expect((await listPeople(server.url)).map((p) => [p.name, p.faces])).toEqual([['After Commit', VIEWS.length]]);
    await server.kill9();

    // And from outside, at moments around the commit.
    for (const [k, delay] of DELAYS_MS.entries()) {
      server = await spawnServer(env);
      outcomes.push(`${delay} ms: ${await enrolThenKill(server, `Person ${k}`, delay)}`);
    }
    server = await spawnServer(env);
    const people = await listPeople(server.url);
    expect(people.map((p) => p.name)).not.toContain('Inside Transaction');
    // Whole or absent: an enrolment is one transaction, so no person may hold 1 or 2 of the 3 views.
    for (const p of people) expect({ name: p.name, faces: p.faces }).toEqual({ name: p.name, faces: VIEWS.length });
    // An enrolment the client saw confirmed before the kill is in the database after it.
    const confirmed = ['After Commit', ...outcomes.flatMap((o, k) => (o.endsWith('done-before-kill') ? [`Person ${k}`] : []))];
    for (const name of confirmed) expect(people.map((p) => p.name)).toContain(name);
    // The restarted server's gallery is the database: a stored person is recognized, by the faces it loaded.
    const health = (await (await fetch(`${server.url}/health`)).json()) as { gallery: { faces: number } };
    expect(health.gallery.faces).toBe(people.length * VIEWS.length);
    console.info(`enrol kill -9 on ${target.name}: ${outcomes.join('; ')}; stored whole: ${people.map((p) => p.name).join(', ')}`);
  }, 600_000);
});
