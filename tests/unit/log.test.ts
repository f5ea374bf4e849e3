// The pino logger behind the Logger port: JSON lines with level, time, msg and fields; levels; child and scoped fields.
import { describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../src/server/log.js';

function collect(level: Parameters<typeof createLogger>[0] = 'info') {
  const lines: string[] = [];
  const log = createLogger(level, { write: (l) => lines.push(l) });
  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, lines, parsed };
}

describe('createLogger', () => {
  it('writes one JSON line per event with level name, ISO time, msg and the fields', () => {
    const { log, lines, parsed } = collect();
    const before = Date.now();
    log.info('session opened', { session: 's1', remote: '127.0.0.1' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    const [line] = parsed();
    expect(line).toMatchObject({ level: 'info', msg: 'session opened', session: 's1', remote: '127.0.0.1', pid: process.pid });
    expect(typeof line!.time).toBe('string');
    expect(new Date(line!.time as string).toISOString()).toBe(line!.time);
    expect(Date.parse(line!.time as string)).toBeGreaterThanOrEqual(before - 1);
  });

  it('drops lines below its level and names each level', () => {
    const { log, parsed } = collect('warn');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e', { code: 'x' });
    expect(parsed().map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'w'],
      ['error', 'e'],
    ]);
    const all = collect('debug');
    all.log.debug('d');
    expect(all.parsed()[0]).toMatchObject({ level: 'debug', msg: 'd' });
  });

  it("adds a child logger's bindings to its lines, not to its parent's", () => {
    const { log, parsed } = collect();
    const session = log.child({ session: 'abc' });
    session.warn('slow client', { bufferedBytes: 10 });
    log.info('plain');
    const [a, b] = parsed();
    expect(a).toMatchObject({ session: 'abc', bufferedBytes: 10, msg: 'slow client', level: 'warn' });
    expect(b).not.toHaveProperty('session');
  });

  it('adds scoped fields (a request id) to every line inside the scope, across awaits, and nests scopes', async () => {
    const { log, parsed } = collect();
    await log.scope({ request: 'r1' }, async () => {
      log.info('start');
      await new Promise((r) => setTimeout(r, 5));
      await log.scope({ step: 2 }, async () => log.info('inner'));
      log.info('end');
    });
    log.info('outside');
    expect(parsed().map((l) => [l.msg, l.request, l.step])).toEqual([
      ['start', 'r1', undefined],
      ['inner', 'r1', 2],
      ['end', 'r1', undefined],
      ['outside', undefined, undefined],
    ]);
  });

  it('writes readable lines, not JSON, when pretty', () => {
    const lines: string[] = [];
    const log = createLogger('info', { write: (l) => lines.push(l), pretty: true });
    log.info('ready', { database: 'pglite' });
    const text = lines.join('');
    expect(text).toContain('INFO');
    expect(text).toContain('ready');
    expect(text).toContain('database');
    expect(() => JSON.parse(text)).toThrow();
  });

  it('silentLogger writes nothing and still runs scoped work', () => {
    expect(silentLogger.scope({ request: 'x' }, () => 42)).toBe(42);
    expect(silentLogger.child({ a: 1 })).toBe(silentLogger);
  });
});
