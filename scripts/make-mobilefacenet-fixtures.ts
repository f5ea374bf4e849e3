// Writes the MobileFaceNet parity fixtures: ArcFace-aligned 112x112 crops (PNG, lossless) of a few fixture faces, made
// with the server's own detector, landmarks and align-arcface.ts. Run once: `npx tsx scripts/make-mobilefacenet-fixtures.ts`;
// then scripts/mobilefacenet-reference.cjs computes the tflite runtime's outputs on them.
import fs from 'node:fs';
import sharp from 'sharp';
import { parseConfig } from '../src/server/load-config.js';
import { warpToChip } from '../src/server/vision/align.js';
import { ARCFACE_SIZE, arcfaceToImageTransform } from '../src/server/vision/align-arcface.js';
import { createFaceAnalyzer } from '../src/server/vision/analyzer.js';
import { decodeImage } from '../src/server/vision/decode.js';

const FACES = ['Barack_Obama/1.jpg', 'Barack_Obama/2.jpg', 'Joe_Biden/1.jpg', 'Guido_van_Rossum/2.jpg', 'Amy/1.jpg'];
const OUT = 'tests/fixtures/mobilefacenet';
const parsed = parseConfig({ TF_BACKEND: 'wasm' });
if (!parsed.ok) throw new Error(parsed.errors.join('; '));
const analyzer = await createFaceAnalyzer(parsed.config, () => {});
fs.mkdirSync(OUT, { recursive: true });
for (const rel of FACES) {
  const bytes = fs.readFileSync(`tests/fixtures/faces/${rel}`);
  const r = await analyzer.embedAll(bytes, 4096 * 4096);
  if (!r.ok || r.faces.length === 0) throw new Error(`${rel}: no face`);
  const decoded = await decodeImage(bytes, 4096 * 4096);
  if (!decoded.ok) throw new Error(rel);
  const crop = warpToChip(decoded.image, arcfaceToImageTransform(r.faces[0]!.landmarks), ARCFACE_SIZE);
  const name = rel.replace('/', '_').replace('.jpg', '.png');
  await sharp(Buffer.from(crop), { raw: { width: ARCFACE_SIZE, height: ARCFACE_SIZE, channels: 3 } })
    .png()
    .toFile(`${OUT}/${name}`);
  console.log(name);
}
