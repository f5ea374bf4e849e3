// The embedded database's own thread. PGlite is PostgreSQL compiled to WASM: every statement runs synchronously on the
// thread that holds it, so on the server's main thread a 40 ms import batch was a 40 ms wait for every camera's frame
// (issue 19: a camera's p95 rose 1.6-2.2x during a gallery import). Here statements run beside the event loop, which
// only posts them and reads the rows back. client.ts is this thread's face on the main thread.
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { parentPort, workerData } from 'node:worker_threads';
import { toWireError, type PgliteReply, type PgliteRequest, type PgliteThreadInit, type PgliteThreadReady } from './messages.js';

const port = parentPort!;
const init = workerData as PgliteThreadInit;
const binaries = init.binaries && {
  pgliteWasmModule: init.binaries.pgliteWasmModule,
  initdbWasmModule: init.binaries.initdbWasmModule,
  fsBundle: new Blob([init.binaries.fsBundle]),
};
const client = new PGlite({ ...(init.dataDir === null ? {} : { dataDir: init.dataDir }), ...binaries });

/** Thrown inside PGlite's transaction callback to make it roll back; never leaves this thread. */
const ROLLBACK = new Error('rolled back by the caller');

interface OpenTx {
  tx: Transaction;
  decide: (commit: boolean) => void;
  /** PGlite's transaction() itself: settles after COMMIT or ROLLBACK. */
  finished: Promise<unknown>;
}
const open = new Map<number, OpenTx>();
let nextTx = 1;

const reply = (r: PgliteReply) => port.postMessage(r);

/** PGlite's parsers for the caller's raw types: leave PostgreSQL's text as it is (the client applies the real ones). */
const rawParsers = (oids: number[]) => Object.fromEntries(oids.map((oid) => [oid, (text: string) => text]));

function begin(): Promise<number> {
  const id = nextTx++;
  let decide!: (commit: boolean) => void;
  const decided = new Promise<boolean>((resolve) => (decide = resolve));
  return new Promise<number>((resolve, reject) => {
    const finished = client
      .transaction(async (tx) => {
        open.set(id, { tx, decide, finished });
        resolve(id);
        if (!(await decided)) throw ROLLBACK;
      })
      .catch((err: unknown) => {
        if (err !== ROLLBACK) throw err;
      });
    // BEGIN itself failed: the callback never ran.
    finished.catch(reject);
  });
}

async function handle(req: PgliteRequest): Promise<PgliteReply> {
  switch (req.op) {
    case 'query': {
      const target = req.tx === undefined ? client : open.get(req.tx)?.tx;
      if (!target) throw new Error(`transaction ${req.tx} is not open`);
      const r = await target.query(req.sql, req.params, { rowMode: req.rowMode, parsers: rawParsers(req.rawTypes) });
      return {
        id: req.id,
        ok: true,
        result: { rows: r.rows, fields: r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })), affectedRows: r.affectedRows },
      };
    }
    case 'begin':
      return { id: req.id, ok: true, tx: await begin() };
    case 'end': {
      const t = open.get(req.tx);
      if (!t) throw new Error(`transaction ${req.tx} is not open`);
      open.delete(req.tx);
      t.decide(req.commit);
      await t.finished; // a failed COMMIT rejects here and is the caller's error
      return { id: req.id, ok: true };
    }
    case 'close':
      await client.close();
      return { id: req.id, ok: true };
  }
}

port.on('message', (req: PgliteRequest) => {
  handle(req).then(reply, (err: unknown) => reply({ id: req.id, ok: false, error: toWireError(err) }));
});

client.waitReady.then(
  () => port.postMessage({ ready: true } satisfies PgliteThreadReady),
  (err: unknown) => port.postMessage({ ready: false, error: toWireError(err) } satisfies PgliteThreadReady),
);
