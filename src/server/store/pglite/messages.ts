// The wire between the embedded database's thread (thread.ts) and its client on the server's main thread (client.ts).
// Everything here crosses by structured clone: parameters and rows are strings, numbers, Dates and Uint8Arrays.

export interface PgliteThreadInit {
  /** PGlite's data directory, or null for an in-memory database (tests). */
  dataDir: string | null;
  /** PGlite's WASM, compiled once a process, and its file bundle; absent, the thread loads its own. */
  binaries?: PgliteBinaries;
}

export interface PgliteBinaries {
  pgliteWasmModule: WebAssembly.Module;
  initdbWasmModule: WebAssembly.Module;
  fsBundle: Uint8Array<ArrayBuffer>;
}

/** Sent once, when PGlite has opened (or failed to open) its database. */
export type PgliteThreadReady = { ready: true } | { ready: false; error: WireError };

export type PgliteRequest =
  | {
      id: number;
      op: 'query';
      /** The open transaction this statement belongs to; absent, it waits for any open one to end (as on PGlite). */
      tx?: number;
      sql: string;
      params: unknown[];
      rowMode: 'array' | 'object';
      /** Type OIDs whose values come back as PostgreSQL's text, for the caller's own parsers to read. */
      rawTypes: number[];
    }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

export interface WireResults {
  rows: unknown[];
  fields: { name: string; dataTypeID: number }[];
  affectedRows?: number;
}

/** An error's message and its own primitive fields (PGlite's `code`, `detail`, `constraint`, …), which callers read. */
export interface WireError {
  name: string;
  message: string;
  fields: Record<string, string | number | boolean>;
}

export type PgliteReply = { id: number; ok: true; result?: WireResults; tx?: number } | { id: number; ok: false; error: WireError };

export function toWireError(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), fields: {} };
  const fields: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(err)) if (['string', 'number', 'boolean'].includes(typeof v)) fields[k] = v as string | number | boolean;
  return { name: err.name, message: err.message, fields };
}

export function fromWireError(w: WireError): Error {
  const err = new Error(w.message);
  err.name = w.name;
  return Object.assign(err, w.fields);
}
