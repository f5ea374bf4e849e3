// The REST calls the benchmarks make on a running server: enrol people from fixture photos, start and follow an import.
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES } from './frames.js';

async function json<T>(res: Response, what: string): Promise<T> {
  const body = await res.text();
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${body.slice(0, 500)}`);
  return JSON.parse(body) as T;
}

/** A JSON call to the server's REST API: the parsed answer (null when empty); throws with the status and body on an error. */
export async function callJson(url: string, method: string, route: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** Creates `name` and adds the photos as their faces; returns how many the enrolment gates accepted. */
export async function enrolFromPhotos(url: string, name: string, photos: string[]): Promise<number> {
  const person = await json<{ id: string }>(
    await fetch(`${url}/api/v1/people`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }) }),
    `create ${name}`,
  );
  const form = new FormData();
  for (const rel of photos) form.append('images', new Blob([fs.readFileSync(path.join(FIXTURES, rel))], { type: 'image/jpeg' }), path.basename(rel));
  const res = await json<{ results: { status: string }[] }>(
    await fetch(`${url}/api/v1/people/${person.id}/faces`, { method: 'POST', body: form }),
    `faces of ${name}`,
  );
  const accepted = res.results.filter((r) => r.status === 'accepted').length;
  if (accepted === 0) throw new Error(`no photo of ${name} was accepted: ${JSON.stringify(res)}`);
  return accepted;
}

export interface ImportJob {
  state: string;
  error?: string | null;
  total: number;
  processed: number;
  accepted: number;
  rejected: number;
  skipped?: number;
  results: { code?: string }[];
}

export async function startFolderImport(url: string, dir: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/imports/folder`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ path: dir, exclude: ['video'] }),
  });
  const job = await json<{ url?: string; id?: string }>(res, 'folder import');
  return job.url ?? `/api/v1/jobs/${job.id}`;
}

export async function readJob(url: string, jobUrl: string): Promise<ImportJob> {
  return json<ImportJob>(await fetch(`${url}${jobUrl}`), 'import job');
}

/** Starts a gallery file import job (the file itself as the body); returns the job's URL path. */
export async function startGalleryFileImport(url: string, file: Uint8Array<ArrayBuffer>): Promise<string> {
  const res = await fetch(`${url}/api/v1/imports/gallery`, { method: 'POST', body: file, headers: { 'Content-Type': 'application/gzip' } });
  const job = await json<{ url?: string; id?: string }>(res, 'gallery file import');
  return job.url ?? `/api/v1/jobs/${job.id}`;
}

/** Polls a job every 100 ms until it is neither queued nor running; `onPoll` sees every answer. */
export async function waitJob(url: string, jobUrl: string, onPoll: (job: ImportJob) => void = () => {}): Promise<ImportJob> {
  for (;;) {
    const job = await readJob(url, jobUrl);
    onPoll(job);
    if (job.state !== 'queued' && job.state !== 'running') return job;
    await new Promise((res) => setTimeout(res, 100));
  }
}
