// The V8 inspector of a server child started with `--inspect=127.0.0.1:0`: its main thread's heap size, and heap
// snapshots streamed to a file. Used by the soak (bench/soak.ts) to watch a server from outside its process.
import fs from 'node:fs';
import WebSocket from 'ws';

export interface Inspector {
  /** Main-thread V8 heap in use and reserved, bytes (Runtime.getHeapUsage; inference worker threads not included). */
  heapUsage(): Promise<{ usedSize: number; totalSize: number }>;
  /** Writes a heap snapshot (after a full GC) to `file`; resolves with its size in bytes. */
  snapshot(file: string): Promise<number>;
  close(): void;
}

/** The debugger URL node prints on stderr: "Debugger listening on ws://127.0.0.1:PORT/UUID". */
export function inspectorUrl(stderr: string): string {
  const m = /Debugger listening on (ws:\/\/\S+)/.exec(stderr);
  if (!m) throw new Error('the server printed no inspector URL (was it started with --inspect=127.0.0.1:0?)');
  return m[1]!;
}

export async function connectInspector(url: string): Promise<Inspector> {
  const ws = new WebSocket(url, { maxPayload: 256 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let nextId = 0;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let onChunk: ((chunk: string) => void) | null = null;
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: { chunk: string } };
    if (m.method === 'HeapProfiler.addHeapSnapshotChunk') return onChunk?.(m.params!.chunk);
    if (m.id === undefined) return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error) p?.reject(new Error(m.error.message));
    else p?.resolve(m.result);
  });
  const call = <T>(method: string, params: Record<string, unknown> = {}) =>
    new Promise<T>((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return {
    heapUsage: () => call<{ usedSize: number; totalSize: number }>('Runtime.getHeapUsage'),
    async snapshot(file) {
      const out = fs.openSync(file, 'w');
      let bytes = 0;
      onChunk = (chunk) => {
        bytes += Buffer.byteLength(chunk);
        fs.writeSync(out, chunk);
      };
      try {
        await call('HeapProfiler.collectGarbage');
        await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      } finally {
        onChunk = null;
        fs.closeSync(out);
      }
      return bytes;
    },
    close: () => ws.close(),
  };
}
