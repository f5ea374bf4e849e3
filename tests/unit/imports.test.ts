// Import sources without models: the `<person>/<image>` layout (every entry listed), the streaming zip reader under its
// limits (a zip bomb costs what the limits allow), the folder lister, and the gallery-file reader (a newline bomb, long
// lines, vectors of absurd norm and crops that are not JPEGs are refused with stable codes).
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Zip, ZipDeflate, zipSync } from 'fflate';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { listFolder } from '../../src/server/imports/folder-source.js';
import { checkEmbedding, GalleryFileError, readGalleryFile } from '../../src/server/imports/gallery-file.js';
import { personName, planImport, type SourceEntry } from '../../src/server/imports/layout.js';
import { ArchiveRefused, extractZip, type ZipLimits } from '../../src/server/imports/zip-extract.js';
import { embeddingToBytes } from '../../src/server/store/embedding-bytes.js';
import { deflatedZip } from '../helpers/imports.js';
import { tempDir } from '../helpers/server.js';

const entry = (p: string, refused?: SourceEntry['refused']): SourceEntry => ({ path: p, size: 5, read: async () => new Uint8Array(5), refused });
const codes = (plan: ReturnType<typeof planImport>) => plan.verdicts.map((v) => [v.file, v.status, v.code]);

describe('import layout', () => {
  it('groups <person>/<image>, strips one wrapping folder, lists hidden and _ entries as skipped, rejects bad layout', () => {
    const plan = planImport(
      ['faces/Barack_Obama/2.jpg', 'faces/Barack_Obama/10.jpg', 'faces/Barack_Obama/1.jpg', 'faces/Amy/1.jpg', 'faces/_group/x.jpg', 'faces/.DS_Store'].map(
        (p) => entry(p),
      ),
      { stripTop: true },
    );
    expect([...plan.people.keys()]).toEqual(['Amy', 'Barack Obama']);
    expect(plan.people.get('Barack Obama')!.map((i) => i.file)).toEqual(['faces/Barack_Obama/1.jpg', 'faces/Barack_Obama/2.jpg', 'faces/Barack_Obama/10.jpg']);
    expect(codes(plan)).toEqual([
      ['faces/_group/x.jpg', 'skipped', 'ignored'],
      ['faces/.DS_Store', 'skipped', 'ignored'],
    ]);
    const flat = planImport([entry('loose.jpg'), entry('Amy/1.jpg'), entry('Amy/big.jpg', { code: 'payload_too_large', reason: 'big' })], { stripTop: true });
    expect(codes(flat)).toEqual([
      ['loose.jpg', 'rejected', 'bad_layout'],
      ['Amy/big.jpg', 'rejected', 'payload_too_large'],
    ]);
    expect(flat.people.get('Amy')).toHaveLength(1);
  });

  it('takes ./Alice/1.jpg as Alice/1.jpg, and lists duplicate paths and paths that leave the import instead of dropping them', () => {
    // Before: `./Alice/1.jpg` counted as hidden (its "." segment) and vanished from the report; a second entry with the
    // same path overwrote the first without a word.
    const plan = planImport(
      ['./Alice/1.jpg', 'Alice/1.jpg', 'Alice\\2.jpg', '../etc/passwd', 'Bob//1.jpg', 'Bob/1.jpg'].map((p) => entry(p)),
      { stripTop: true },
    );
    expect(plan.people.get('Alice')!.map((i) => i.file)).toEqual(['./Alice/1.jpg', 'Alice\\2.jpg']);
    expect(plan.people.get('Bob')!.map((i) => i.file)).toEqual(['Bob//1.jpg']);
    expect(codes(plan)).toEqual([
      ['Alice/1.jpg', 'rejected', 'duplicate_path'],
      ['../etc/passwd', 'rejected', 'bad_path'],
      ['Bob/1.jpg', 'rejected', 'duplicate_path'],
    ]);
  });

  it('normalises folder names like person names, refuses control characters, lists excluded folders', () => {
    expect(personName('Guido_van_Rossum')).toBe('Guido van Rossum');
    expect(personName('Ada\u00a0 Lovelace ')).toBe('Ada Lovelace');
    const plan = planImport([entry('Bad\u0000Name/1.jpg'), entry('Skip_Me/1.jpg'), entry('Ok/1.jpg')], { stripTop: false, exclude: new Set(['Skip_Me']) });
    expect([...plan.people.keys()]).toEqual(['Ok']);
    expect(codes(plan)).toEqual([
      ['Bad\u0000Name/1.jpg', 'rejected', 'bad_layout'],
      ['Skip_Me/1.jpg', 'skipped', 'excluded'],
    ]);
  });
});

const ZEROS = new Uint8Array(10_000_000);

describe('streaming zip reader', () => {
  const limits: ZipLimits = { maxEntries: 1000, maxInflatedBytes: 64 * 1024 * 1024, maxEntryBytes: 10 * 1024 * 1024, maxRatio: 100 };
  const photo = fs.readFileSync('tests/fixtures/faces/Amy/1.jpg');
  const extract = async (zip: Uint8Array, l = limits) => {
    const dir = tempDir('facestream-zip-');
    fs.writeFileSync(path.join(dir, 'in.zip'), zip);
    return extractZip(path.join(dir, 'in.zip'), path.join(dir, 'staging'), l);
  };

  it('refuses each entry of a zip bomb (150 x 10 MB of zeros) by its ratio without inflating it', async () => {
    // Before: unzipSync in the request inflated all of it: +1.5 GB, /health answered after 16 s.
    const zip = deflatedZip([['People/Amy/1.jpg', photo], ...Array.from({ length: 150 }, (_, i) => [`People/Bomb/${i}.jpg`, ZEROS] as [string, Uint8Array])]);
    expect(zip.byteLength).toBeLessThan(2_000_000);
    const rss = process.memoryUsage().rss;
    const t0 = performance.now();
    const entries = await extract(zip);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 1024 * 1024);
    expect(entries).toHaveLength(151);
    expect(entries[0]).toMatchObject({ path: 'People/Amy/1.jpg', size: photo.byteLength });
    expect(Buffer.from(await entries[0]!.read()).equals(photo)).toBe(true);
    expect(new Set(entries.slice(1).map((e) => e.refused?.code))).toEqual(new Set(['compression_ratio']));
  });

  it('refuses a bomb whose header lies about its size, and one streamed without sizes', async () => {
    const zip = deflatedZip([['A/1.jpg', ZEROS]]);
    // The local header's uncompressed size (offset 22) now claims 20000 bytes, a ratio a photo could have.
    Buffer.from(zip.buffer, zip.byteOffset).writeUInt32LE(20_000, 22);
    expect((await extract(zip))[0]!.refused?.code).toBe('bad_archive');

    const chunks: Uint8Array[] = [];
    const streamed = new Zip((_err, data) => chunks.push(data));
    for (const [name, data] of [
      ['S/1.jpg', photo],
      ['S/bomb.jpg', ZEROS],
      ['S/2.jpg', photo],
    ] as const) {
      const f = new ZipDeflate(name);
      streamed.add(f);
      f.push(data, true);
    }
    streamed.end();
    const entries = await extract(Buffer.concat(chunks));
    expect(entries.map((e) => [e.path, e.refused?.code ?? 'ok'])).toEqual([
      ['S/1.jpg', 'ok'],
      ['S/bomb.jpg', 'compression_ratio'],
      ['S/2.jpg', 'ok'],
    ]);
  });

  it('refuses the whole archive past the entry count or the total inflated size, naming the entry', async () => {
    const many = zipSync(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`a/${i}.jpg`, photo])));
    await expect(extract(many, { ...limits, maxEntries: 10 })).rejects.toMatchObject({ code: 'too_many_entries', entry: 'a/10.jpg' });
    const big = zipSync({ 'a/1.jpg': photo, 'a/2.jpg': photo, 'a/3.jpg': photo }, { level: 0 });
    const refused = await extract(big, { ...limits, maxInflatedBytes: photo.byteLength * 2 + 10 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ArchiveRefused);
    expect(refused).toMatchObject({ code: 'too_much_data', entry: 'a/3.jpg' });
    const truncated = zipSync({ 'a/1.jpg': photo, 'a/2.jpg': photo });
    await expect(extract(truncated.slice(0, truncated.byteLength - 200 - photo.byteLength / 2))).rejects.toMatchObject({ code: 'bad_archive' });
  });
});

describe('folder lister', () => {
  it('lists files, stray files and subfolders; a file that cannot be stat-ed is its own error', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'Amy', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'Amy', '1.jpg'), 'x');
    fs.writeFileSync(path.join(dir, 'stray.jpg'), 'x');
    fs.symlinkSync(path.join(dir, 'nowhere.jpg'), path.join(dir, 'Amy', 'gone.jpg'));
    const entries = await listFolder(dir);
    const by = Object.fromEntries(entries.map((e) => [e.path, e.refused?.code ?? 'ok']));
    expect(by).toEqual({ 'Amy/1.jpg': 'ok', 'Amy/sub/(folder)': 'ok', 'Amy/gone.jpg': 'unreadable', 'stray.jpg': 'ok' });
  });
});

describe('gallery file reader', () => {
  const expectModel = { modelId: 'm', dims: 4 };
  const limits = { maxInflatedBytes: 64 * 1024 * 1024, maxLineBytes: 1024 * 1024 };
  const header = JSON.stringify({ type: 'header', format: 'facestream-gallery', version: 1, modelId: 'm', dims: 4 });
  const vec = (...v: number[]) => embeddingToBytes(new Float32Array(v)).toString('base64');
  const person = (name: string, embedding: string, crop: string | null = null) =>
    JSON.stringify({ type: 'person', name, faces: [{ embedding, crop, quality: null }] });
  const file = (...lines: string[]) => gzipSync(lines.join('\n') + '\n');
  const refusal = async (bytes: Uint8Array, l = limits) => {
    const err = await readGalleryFile(bytes, expectModel, l).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GalleryFileError);
    return [(err as GalleryFileError).code, (err as GalleryFileError).message] as const;
  };

  it('survives a 149 KiB gzip of 150 MiB of newlines (before: a fatal V8 error in String.split killed the process)', async () => {
    const bomb = gzipSync(Buffer.alloc(150 * 1024 * 1024, 0x0a), { level: 9 });
    expect(bomb.byteLength).toBeLessThan(200 * 1024);
    const t0 = performance.now();
    const [code] = await refusal(bomb, { ...limits, maxInflatedBytes: 1024 * 1024 * 1024 });
    expect(code).toBe('bad_export');
    expect(performance.now() - t0).toBeLessThan(2000);
    expect((await refusal(gzipSync(Buffer.alloc(3 * 1024 * 1024, 0x41))))[0]).toBe('line_too_long');
    expect((await refusal(gzipSync(Buffer.alloc(80 * 1024 * 1024, 0x0a)), { ...limits, maxLineBytes: 1024 })).slice(0)).toEqual([
      'bad_export',
      expect.stringContaining('blank lines'),
    ]);
    expect((await refusal(file(header, 'x'.repeat(100)), { ...limits, maxInflatedBytes: 120 }))[0]).toBe('import_too_large');
  });

  it('refuses embeddings of the wrong size, non-finite or of absurd norm; re-normalises the nearly unit ones', async () => {
    // Before: a vector 3x the mean direction was stored as given and matched 5 of 5 probes at score 2.7.
    expect(await refusal(file(header, person('A', vec(3, 0, 0, 0))))).toEqual(['bad_export', expect.stringContaining('norm 3.000')]);
    expect((await refusal(file(header, person('A', vec(NaN, 0, 0, 0)))))[1]).toContain('non-finite');
    expect((await refusal(file(header, person('A', vec(1, 0, 0)))))[1]).toContain('expected 16');
    expect((await refusal(file(header, person('A', vec(0, 0, 0, 0)))))[1]).toContain('norm 0');
    const nearly = checkEmbedding(embeddingToBytes(new Float32Array([0.6, 0.8 * 1.004, 0, 0])), 4, 'x');
    expect(Math.hypot(...nearly)).toBeCloseTo(1, 6);
    const unit = embeddingToBytes(new Float32Array([0.6, 0.8, 0, 0]));
    expect(embeddingToBytes(checkEmbedding(unit, 4, 'x')).equals(unit)).toBe(true);
  });

  it('refuses crops that are not JPEGs, merges people by name ignoring case, and refuses another model', async () => {
    const html = Buffer.from('<html><script>alert(1)</script></html>').toString('base64');
    expect((await refusal(file(header, person('A', vec(1, 0, 0, 0), html))))[1]).toContain('crop is not a JPEG');
    const png = (
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } })
        .png()
        .toBuffer()
    ).toString('base64');
    expect((await refusal(file(header, person('A', vec(1, 0, 0, 0), png))))[1]).toContain('not JPEG');
    const jpeg = (
      await sharp({ create: { width: 150, height: 150, channels: 3, background: '#888' } })
        .jpeg()
        .toBuffer()
    ).toString('base64');
    const people = await readGalleryFile(
      file(header, person('Ada  Lovelace', vec(1, 0, 0, 0), jpeg), '', person('ada lovelace', vec(0, 1, 0, 0))),
      expectModel,
      limits,
    );
    expect(people.map((p) => [p.name, p.faces.length])).toEqual([['Ada Lovelace', 2]]);
    expect(await refusal(file(header.replace('"m"', '"other"')))).toEqual(['model_mismatch', expect.any(String)]);
    expect((await refusal(new Uint8Array([0x1f, 0x8b, 1, 2, 3])))[0]).toBe('bad_export');
  });

  it("takes a face's embeddedFromCropPx only where it matches the face's own crop", async () => {
    const crop = async (side: number) =>
      (
        await sharp({ create: { width: side, height: side, channels: 3, background: '#888' } })
          .jpeg()
          .toBuffer()
      ).toString('base64');
    const face = (c: string | null, embeddedFromCropPx?: number | null) =>
      JSON.stringify({ type: 'person', name: 'A', faces: [{ embedding: vec(1, 0, 0, 0), crop: c, quality: null, embeddedFromCropPx }] });
    const read = async (line: string) => (await readGalleryFile(file(header, line), expectModel, limits))[0]!.faces[0]!.embeddedFromCropPx;
    expect(await read(face(await crop(150), 150))).toBe(150);
    expect(await read(face(await crop(220), 220))).toBe(220);
    expect(await read(face(await crop(150)))).toBeNull(); // an older file: the field absent
    expect(await read(face(null, null))).toBeNull();
    // A file that would hide a face's re-enrolment mark (a 150 px crop said to be 220), or invent one, is refused.
    expect(await refusal(file(header, face(await crop(150), 220)))).toEqual(['bad_export', expect.stringContaining('does not match its 150 px crop')]);
    expect((await refusal(file(header, face(null, 150))))[1]).toContain('a face without a crop');
  });
});
