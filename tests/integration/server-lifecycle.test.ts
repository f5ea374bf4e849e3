// The composition root as a stack (src/server/compose/): a normal shutdown and a start that fails at its last step
// (the port is taken) both close every part that had opened, last opened first, so the PGlite directory's lock is
// released and a second start on the same DATA_DIR works.
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/log.js';
import { startServer } from '../../src/server/server.js';
import { sharedAnalyzer, tempDir, testConfig } from '../helpers/server.js';

/** Every part, in the order a shutdown closes them. */
const CLOSE_ORDER = [
  'listener',
  'http',
  'cameras',
  'camera policies',
  'attendance',
  'outbound',
  'camera watch',
  'gallery service',
  'bus',
  'gallery',
  'inference',
  'store',
];

function collectingLog() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('debug', { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  const closed = () => lines.filter((l) => l.msg === 'closed').map((l) => l.part);
  return { log, lines, closed };
}

describe('server lifecycle', () => {
  const blocker = net.createServer();
  afterAll(() => new Promise<void>((r) => blocker.close(() => r())));

  it('a shutdown closes every part, last opened first, and releases the data directory', { timeout: 120_000 }, async () => {
    const dataDir = tempDir();
    const { log, closed } = collectingLog();
    const server = await startServer(testConfig({ DATA_DIR: dataDir }), { log, analyzer: await sharedAnalyzer() });
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    await server.close();
    expect(closed()).toEqual(CLOSE_ORDER);
    const again = await startServer(testConfig({ DATA_DIR: dataDir }), { log, analyzer: await sharedAnalyzer() });
    await again.close();
  });

  it('a start failing at the listener (port taken) closes everything opened before it; the same DATA_DIR then starts', { timeout: 120_000 }, async () => {
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const takenPort = (blocker.address() as net.AddressInfo).port;
    const dataDir = tempDir();
    const { log, lines, closed } = collectingLog();
    const start = startServer(testConfig({ DATA_DIR: dataDir, PORT: String(takenPort) }), { log, analyzer: await sharedAnalyzer() });
    await expect(start).rejects.toThrow(/EADDRINUSE/);
    // Everything but the listener had opened, and all of it closed.
    expect(closed()).toEqual(CLOSE_ORDER.slice(1));
    expect(lines.find((l) => l.msg === 'start failed: closing what had opened')).toMatchObject({
      level: 'warn',
      opened: [...CLOSE_ORDER.slice(1)].reverse(),
      error: expect.stringContaining('EADDRINUSE'),
    });
    // The PGlite lock was released: a second start on the same directory takes it and serves.
    const server = await startServer(testConfig({ DATA_DIR: dataDir }), { log: createLogger('warn', { write: () => {} }), analyzer: await sharedAnalyzer() });
    try {
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
