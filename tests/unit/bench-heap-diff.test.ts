// The soak's heap diff (bench/lib/heap-diff.ts) on real V8 heap snapshots of this process: objects made between two
// snapshots are named by their constructor, with their count, and the soak's report section shows them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { diffSnapshots, summariseSnapshot } from '../../bench/lib/heap-diff.js';

class SoakLeakProbe {
  constructor(readonly n: number) {}
}

describe('heap snapshot diff', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-heap-diff-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names the constructor whose objects grew between two snapshots, with the count', () => {
    const before = summariseSnapshot(v8.writeHeapSnapshot(path.join(dir, 'a.heapsnapshot')));
    const kept = Array.from({ length: 5000 }, (_, i) => new SoakLeakProbe(i));
    const after = summariseSnapshot(v8.writeHeapSnapshot(path.join(dir, 'b.heapsnapshot')));
    expect(kept).toHaveLength(5000);
    const diff = diffSnapshots(before, after, 20);
    const probe = diff.grewMostByCount.find((g) => g.key === 'object:SoakLeakProbe');
    expect(probe).toBeDefined();
    expect(probe!.countBefore).toBe(0);
    expect(probe!.countDelta).toBeGreaterThanOrEqual(5000);
    expect(probe!.selfBytesDelta).toBeGreaterThan(5000 * 8);
    expect(diff.after.count).toBeGreaterThan(diff.before.count);
  }, 60_000);
});
