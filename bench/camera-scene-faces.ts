// Prints where the live detector (BlazeFace, as the server runs it) finds the face in each photo the camera scenes
// cut people from, as fractions of the photo: the boxes in bench/lib/camera-scenes.ts's PEOPLE come from this.
// Usage: npx tsx bench/camera-scene-faces.ts
import fs from 'node:fs';
import path from 'node:path';
import { decodeImage } from '../src/server/vision/decode.js';
import { loadLiveDetector } from '../src/server/vision/live-detector.js';
import { MODELS_DIR } from '../src/server/vision/models.js';
import { FIXTURES } from './lib/frames.js';

const photos = process.argv.slice(2).length
  ? process.argv.slice(2)
  : [
      'Barack_Obama/3.jpg',
      'Barack_Obama/4.jpg',
      'Barack_Obama/5.jpg',
      'Joe_Biden/2.jpg',
      'Guido_van_Rossum/3.jpg',
      'Guido_van_Rossum/5.jpg',
      'Paul_Allen/3.jpg',
      'Paul_Allen/4.jpg',
      'Paul_Allen/5.jpg',
      'Amy/2.jpg',
      'Lin-Manuel_Miranda/1.jpg',
    ];
const { detector, note } = await loadLiveDetector('onnx', { minConfidence: 0.5, maxFaces: 10, modelsDir: MODELS_DIR });
process.stderr.write(`${note}\n`);
for (const rel of photos) {
  const decoded = await decodeImage(new Uint8Array(fs.readFileSync(path.join(FIXTURES, rel))), 1e8);
  if (!decoded.ok) throw new Error(`${rel}: ${decoded.message}`);
  const { width, height } = decoded.image;
  const faces = await detector!.detect(decoded.image);
  const r = (x: number) => +x.toFixed(3);
  const boxes = faces.map((f) => ({
    x: r(f.box.x / width),
    y: r(f.box.y / height),
    w: r(f.box.width / width),
    h: r(f.box.height / height),
    score: r(f.score),
  }));
  console.log(JSON.stringify({ photo: rel, size: [width, height], faces: boxes }));
}
