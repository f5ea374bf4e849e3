// The composition root's stack (src/server/compose/stack.ts): parts close last opened first; a close that throws or
// hangs is logged and the rest still close; a failed concurrent open still leaves what opened on the stack.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/log.js';
import { Stack } from '../../src/server/compose/stack.js';

function collectingLog() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('debug', { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { log, lines };
}

/** A part whose close() records its name, after `delayMs`, or throws `error`. */
function part(closed: string[], name: string, behaviour: { delayMs?: number; error?: string } = {}) {
  return {
    async close() {
      if (behaviour.delayMs) await new Promise((r) => setTimeout(r, behaviour.delayMs));
      if (behaviour.error) throw new Error(behaviour.error);
      closed.push(name);
    },
  };
}

describe('composition stack', () => {
  it('closes the parts last opened first, once', async () => {
    const closed: string[] = [];
    const stack = new Stack(collectingLog().log, 1000);
    for (const name of ['store', 'gallery', 'bus', 'listener']) await stack.open(name, () => part(closed, name));
    expect(stack.opened()).toEqual(['store', 'gallery', 'bus', 'listener']);
    await Promise.all([stack.close(), stack.close()]);
    expect(closed).toEqual(['listener', 'bus', 'gallery', 'store']);
    expect(stack.opened()).toEqual([]);
    await expect(stack.open('late', () => part(closed, 'late'))).rejects.toThrow('cannot open late: the server is closing');
  });

  it('a close that throws is logged, the others still close, and close() then fails naming it', async () => {
    const closed: string[] = [];
    const { log, lines } = collectingLog();
    const stack = new Stack(log, 1000);
    await stack.open('store', () => part(closed, 'store'));
    await stack.open('outbound', () => part(closed, 'outbound', { error: 'mqtt broker gone' }));
    await stack.open('cameras', () => part(closed, 'cameras'));
    await expect(stack.close()).rejects.toThrow('shutdown: outbound: mqtt broker gone');
    expect(closed).toEqual(['cameras', 'store']);
    const logged = lines.find((l) => l.msg === 'closing outbound failed; closing the rest');
    expect(logged).toMatchObject({ level: 'error', error: expect.stringContaining('mqtt broker gone') });
  });

  it('a close still running at the deadline is left behind and the rest close', async () => {
    const closed: string[] = [];
    const { log, lines } = collectingLog();
    const stack = new Stack(log, 200);
    await stack.open('store', () => part(closed, 'store'));
    await stack.open('listener', () => part(closed, 'listener', { delayMs: 60_000 }));
    const t0 = Date.now();
    await expect(stack.close()).rejects.toThrow('listener: still closing after the deadline');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(closed).toEqual(['store']);
    expect(lines.map((l) => l.msg)).toContain('closing listener did not finish within the shutdown deadline (SHUTDOWN_TIMEOUT_MS, 200 ms); closing the rest');
  });

  it('parts opened together: those that opened are pushed in the order listed, and the first failure is thrown', async () => {
    const closed: string[] = [];
    const stack = new Stack(collectingLog().log, 1000);
    const slow = new Promise<ReturnType<typeof part>>((r) => setTimeout(() => r(part(closed, 'inference')), 50));
    await expect(
      stack.openTogether([
        ['inference', slow],
        ['gallery', Promise.reject(new Error('index file unreadable'))],
        ['bus', Promise.resolve(part(closed, 'bus'))],
      ]),
    ).rejects.toThrow('index file unreadable');
    expect(stack.opened()).toEqual(['inference', 'bus']);
    await stack.close();
    expect(closed).toEqual(['bus', 'inference']);
  });

  it('closeTop replaces only the part last opened', async () => {
    const closed: string[] = [];
    const stack = new Stack(collectingLog().log, 1000);
    await stack.open('store', () => part(closed, 'store'));
    await stack.open('gallery', () => part(closed, 'gallery'));
    await expect(stack.closeTop('store')).rejects.toThrow('the last part opened is gallery, not store');
    await stack.closeTop('gallery');
    expect(closed).toEqual(['gallery']);
    expect(stack.opened()).toEqual(['store']);
  });
});
