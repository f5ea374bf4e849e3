// The gallery index's change queue (gallery/index-ops.ts): in order, the first change at once when nothing waits, the
// rest a slice at a time after live frames, held while a save writes, and a snapshot granted only when nothing waits.
import { describe, expect, it } from 'vitest';
import { IndexOps } from '../../src/server/gallery/index-ops.js';
import { beginLiveWork } from '../../src/server/live-work.js';

const quiet = () => new IndexOps((err) => expect.unreachable(String(err)));

describe('index ops', () => {
  it('runs a change at once when nothing waits, and the rest of a large one after turns of the event loop, in order', async () => {
    const ops = quiet();
    const done: number[] = [];
    ops.run([() => done.push(1)]);
    expect(done).toEqual([1]);
    ops.run([2, 3, 4].map((n) => () => done.push(n)));
    expect(done).toEqual([1, 2]); // the first slice at once
    ops.run([() => done.push(5)]); // a small change behind them waits its turn
    expect(done).toEqual([1, 2]);
    expect(ops.pending).toBe(3);
    await ops.idle();
    expect(done).toEqual([1, 2, 3, 4, 5]);
  });

  it('waits for a live frame in flight before each waiting slice', async () => {
    const ops = quiet();
    const done: number[] = [];
    const end = beginLiveWork();
    ops.run([1, 2].map((n) => () => done.push(n)));
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toEqual([1]); // the frame comes first
    end();
    await ops.idle();
    expect(done).toEqual([1, 2]);
  });

  it('grants a hold at once when idle; what comes during it waits for release, then runs in order', async () => {
    const ops = quiet();
    const done: string[] = [];
    let granted = false;
    ops.holdWhenIdle(() => (granted = true));
    expect(granted).toBe(true);
    ops.run([() => done.push('a')]);
    ops.run([() => done.push('b'), () => done.push('c')]);
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toEqual([]);
    let settled = false;
    void ops.idle().then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(settled).toBe(false);
    ops.release();
    await ops.idle();
    expect(done).toEqual(['a', 'b', 'c']);
  });

  it('grants a hold only once nothing waits, so a snapshot never sees a change the index lacks', async () => {
    const ops = quiet();
    const done: number[] = [];
    ops.run([1, 2, 3].map((n) => () => done.push(n)));
    const seen: number[][] = [];
    ops.holdWhenIdle(() => seen.push([...done]));
    expect(seen).toEqual([]);
    ops.run([() => done.push(4)]); // queued before the grant: it runs before the snapshot too
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([[1, 2, 3, 4]]);
    ops.run([() => done.push(5)]); // after the grant: held
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toEqual([1, 2, 3, 4]);
    ops.release();
    await ops.idle();
    expect(done).toEqual([1, 2, 3, 4, 5]);
  });

  it('reports a change that throws and goes on with the next', async () => {
    const errors: unknown[] = [];
    const ops = new IndexOps((err) => errors.push(err));
    const done: number[] = [];
    ops.run([
      () => done.push(1),
      () => {
        throw new Error('bad slice');
      },
      () => done.push(3),
    ]);
    await ops.idle();
    expect(done).toEqual([1, 3]);
    expect(errors.map(String)).toEqual(['Error: bad slice']);
  });
});
