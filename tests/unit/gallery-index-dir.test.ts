// The gallery index directory is absolute, whatever DATA_DIR or GALLERY_INDEX_DIR say: Node 20's recursive mkdir of a
// relative path never settles once the working directory is deleted (measured: `fs.promises.mkdir('data/x',
// { recursive: true })` still pending after 3 s, 0.93 s of CPU spent), and a running server whose checkout was removed
// spun a core on its index save and could not shut down. With an absolute path the same mkdir settles.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { galleryIndexDir } from '../../src/server/compose/gallery.js';
import { parseConfig } from '../../src/server/load-config.js';

const config = (env: Record<string, string>) => {
  const r = parseConfig(env);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.config;
};

/** Runs `code` in a node whose working directory is deleted first; 'settled' or 'pending' after 2 s. */
function inDeletedCwd(code: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-cwd-'));
  const script = `require('fs').rmSync(${JSON.stringify(dir)}, { recursive: true });
    ${code}.then(() => { console.log('settled'); process.exit(0); }, () => { console.log('settled'); process.exit(0); });
    setTimeout(() => { console.log('pending'); process.exit(0); }, 2000);`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8', timeout: 10_000 });
  fs.rmSync(dir, { recursive: true, force: true });
  return r.stdout.trim();
}

describe('gallery index directory', () => {
  it('an absolute index path settles in a deleted working directory', () => {
    const abs = path.join(os.tmpdir(), `facestream-abs-${process.pid}`, 'gallery-index');
    expect(inDeletedCwd(`require('fs').promises.mkdir(${JSON.stringify(abs)}, { recursive: true })`)).toBe('settled');
    fs.rmSync(path.dirname(abs), { recursive: true, force: true });
  });

  it('is absolute for the default DATA_DIR, a relative DATA_DIR and a relative GALLERY_INDEX_DIR', () => {
    expect(galleryIndexDir(config({}))).toBe(path.resolve('data', 'gallery-index'));
    expect(galleryIndexDir(config({ DATA_DIR: 'var/fs' }))).toBe(path.resolve('var/fs/gallery-index'));
    expect(galleryIndexDir(config({ GALLERY_INDEX_DIR: 'idx' }))).toBe(path.resolve('idx'));
    expect(galleryIndexDir(config({ GALLERY_INDEX_DIR: 'off' }))).toBeNull();
    expect(galleryIndexDir(config({ DATA_DIR: ':memory:' }))).toBeNull();
  });
});
