// Helpers for import tests: zips built by hand (duplicate paths, bombs without deflating 1.5 GB) and waiting for a job.
import { crc32, deflateRawSync } from 'node:zlib';

/** A zip of deflated entries, each distinct content deflated once (zipSync would deflate 1.5 GB for the bomb). */
export function deflatedZip(files: [string, Uint8Array][]): Uint8Array {
  const done = new Map<Uint8Array, { data: Buffer; crc: number }>();
  const local: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of files) {
    const c = done.get(content) ?? { data: deflateRawSync(content), crc: crc32(content) };
    done.set(content, c);
    const n = Buffer.from(name);
    const head = Buffer.alloc(30);
    (head.writeUInt32LE(0x04034b50, 0), head.writeUInt16LE(20, 4), head.writeUInt16LE(8, 8));
    (head.writeUInt32LE(c.crc, 14),
      head.writeUInt32LE(c.data.byteLength, 18),
      head.writeUInt32LE(content.byteLength, 22),
      head.writeUInt16LE(n.byteLength, 26));
    const dir = Buffer.alloc(46);
    (dir.writeUInt32LE(0x02014b50, 0), dir.writeUInt16LE(20, 4), dir.writeUInt16LE(20, 6), dir.writeUInt16LE(8, 10));
    (dir.writeUInt32LE(c.crc, 16),
      dir.writeUInt32LE(c.data.byteLength, 20),
      dir.writeUInt32LE(content.byteLength, 24),
      dir.writeUInt16LE(n.byteLength, 28),
      dir.writeUInt32LE(offset, 42));
    local.push(head, n, c.data);
    central.push(dir, n);
    offset += head.byteLength + n.byteLength + c.data.byteLength;
  }
  const size = central.reduce((t, b) => t + b.byteLength, 0);
  const end = Buffer.alloc(22);
  (end.writeUInt32LE(0x06054b50, 0),
    end.writeUInt16LE(files.length, 8),
    end.writeUInt16LE(files.length, 10),
    end.writeUInt32LE(size, 12),
    end.writeUInt32LE(offset, 16));
  return Buffer.concat([...local, ...central, end]);
}

export type Job = {
  id: string;
  state: string;
  attempts: number;
  startedAt?: string;
  finishedAt?: string;
  total: number;
  processed: number;
  accepted: number;
  rejected: number;
  skipped: number;
  peopleCreated: number;
  error: string | null;
  url: string;
  results: { file: string; status: string; code?: string; reason?: string; faceId?: string }[];
};

/** Polls the job until it is done or failed. */
export async function waitJob(get: (url: string) => Promise<Response>, url: string, timeoutMs = 120_000): Promise<Job> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const job = (await (await get(url)).json()) as Job;
    if (job.state === 'done' || job.state === 'failed') return job;
    if (Date.now() > end) throw new Error(`job still ${job.state}: ${JSON.stringify(job).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
