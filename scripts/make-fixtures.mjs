// Copies a small subset of the shared face set into tests/fixtures/faces, resized to webcam-like sizes (max side 640),
// with the source lines of every file. Run once by a maintainer: node scripts/make-fixtures.mjs ../shared/faces
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const src = process.argv[2] ?? '../shared/faces';
const out = 'tests/fixtures/faces';
const pick = {
  Barack_Obama: [1, 2, 3, 4, 5],
  Joe_Biden: [1, 2],
  Guido_van_Rossum: [1, 2, 3, 4, 5],
  Paul_Allen: [1, 2, 3, 4, 5],
  Amy: [1, 2],
  'Lin-Manuel_Miranda': [1],
  _group: ['obama_and_biden', 'two_people'],
};
const sources = fs.readFileSync(path.join(src, 'SOURCES.md'), 'utf8').split('\n');
const lines = [];
for (const [dir, files] of Object.entries(pick)) {
  fs.mkdirSync(path.join(out, dir), { recursive: true });
  for (const f of files) {
    const rel = `${dir}/${f}.jpg`;
    await sharp(path.join(src, rel)).rotate().resize(640, 640, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 85 }).toFile(path.join(out, rel));
    const line = sources.find((l) => l.startsWith(`| \`${rel}\``));
    lines.push(line ? `${line} resized to max side 640, JPEG q85 |` : `| \`${rel}\` | (no source line found) |`);
  }
}
// The short video, unchanged: a real face moving across consecutive frames, for tracking and voting tests.
fs.mkdirSync(path.join('tests/fixtures/video'), { recursive: true });
fs.copyFileSync(path.join(src, 'video/short_hamilton_clip.mp4'), 'tests/fixtures/video/short_hamilton_clip.mp4');
lines.push(sources.find((l) => l.startsWith('| `video/short_hamilton_clip.mp4`')).replace('`video/', '`../video/') + ' copied unchanged |');
const header = [
  '# Test fixtures: sources',
  '',
  `A subset of the team's face set (its SOURCES.md), resized by \`scripts/make-fixtures.mjs\` to at most 640 px a side.`,
  "Real photographs of public figures from MIT-licensed repositories; the photos' own copyright is not stated there:",
  "test data for this project's tests only, not for redistribution.",
  '',
  '| file | source repository | commit | path in source | licence | transformation in the shared set | transformation here |',
  '|---|---|---|---|---|---|---|',
];
fs.writeFileSync(path.join(out, 'SOURCES.md'), [...header, ...lines, ''].join('\n'));
console.log(`wrote ${lines.length} fixtures to ${out}`);
