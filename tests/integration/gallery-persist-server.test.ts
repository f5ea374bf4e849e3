// The server saves its gallery index under DATA_DIR/gallery-index at shutdown and loads it at the next start, unless
// the database changed meanwhile (then it rebuilds, and says why). Real models and FAISS, on PGlite and, when
// TEST_DATABASE_URL is set, PostgreSQL.
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { faceLike } from '../../bench/face-like.js';
import { createLogger } from '../../src/server/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { openStore } from '../../src/server/store/db.js';
import { describeEachDatabase, sharedAnalyzer, testConfig } from '../helpers/server.js';

async function start(env: Record<string, string>, lines: string[]): Promise<RunningServer> {
  const log = createLogger('info', { write: (line) => lines.push(line) });
  return startServer(testConfig(env), { log, analyzer: await sharedAnalyzer() });
}

const messages = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { msg: string }).msg);

describeEachDatabase('the server keeps its gallery index across restarts ($name)', (target) => {
  it('saves at shutdown, loads at start, rebuilds when a face was added while it was down', { timeout: 180_000 }, async () => {
    const env = await target.freshEnv();
    const analyzer = await sharedAnalyzer();
    const data = faceLike({ dims: analyzer.dims, people: 12, facesPerPerson: 3, seed: 5 });
    const modelId = analyzer.modelId;

    let lines: string[] = [];
    let server = await start(env, lines);
    const ids: string[] = [];
    for (let p = 0; p < 10; p++) {
      const faces = [0, 1, 2].map((i) => ({ embedding: data.probe(p, i) }));
      ids.push((await server.store.commitEnrolment({ name: `Restart ${p}`, modelId, faces })).personId);
    }
    await server.gallery.reload();
    expect(server.gallery.stats().faces).toBe(30);
    await server.close();
    expect(fs.readdirSync(path.join(env.DATA_DIR!, 'gallery-index')).filter((f) => f.endsWith('.index'))).toHaveLength(1);

    lines = [];
    server = await start(env, lines);
    expect(messages(lines)).toContain('gallery: loaded the saved index');
    expect(server.gallery.stats()).toMatchObject({ faces: 30, people: 10 });
    expect((await server.gallery.identifyAsync(data.probe(4, 9), 0.5))?.personId).toBe(ids[4]);
    await server.close();

    // A person enrolled while no server ran (another server, or a script): the saved index is not the database's.
    const store = await openStore({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR! });
    const late = await store.commitEnrolment({ name: 'Late', modelId, faces: [0, 1, 2].map((i) => ({ embedding: data.probe(11, i) })) });
    await store.close();
    lines = [];
    server = await start(env, lines);
    expect(messages(lines).find((m) => m.startsWith('gallery: rebuilding'))).toBe(
      "gallery: rebuilding the index from the database: the database has 33 faces of this model, the saved index 30; 3 of the database's are not in it",
    );
    expect((await server.gallery.identifyAsync(data.probe(11, 9), 0.5))?.personId).toBe(late.personId);
    await server.close();
  });
});
