// Development time only: writes a parsed .tflite graph (src/server/vision/tflite.ts, the reader the server uses) as a
// JSON description plus one binary of its constants, for train/export-embedding-onnx.py, which has no flatbuffer reader.
// Usage: npx tsx train/dump-tflite.ts models/mobilefacenet/MobileFaceNet.tflite /tmp/mobilefacenet
//   -> /tmp/mobilefacenet.json (tensors, operators) and /tmp/mobilefacenet.bin (constants, little-endian, 4-byte aligned)
import fs from 'node:fs';
import { parseTflite } from '../src/server/vision/tflite.js';

const [src, outBase] = process.argv.slice(2);
if (!src || !outBase) {
  process.stderr.write('usage: npx tsx train/dump-tflite.ts FILE.tflite OUT_BASE\n');
  process.exit(2);
}
const graph = parseTflite(new Uint8Array(fs.readFileSync(src)));
const chunks: Buffer[] = [];
let offset = 0;
const tensors = graph.tensors.map((t) => {
  if (!t.data) return { name: t.name, shape: t.shape, dtype: t.dtype, offset: null };
  const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  chunks.push(bytes);
  const at = offset;
  offset += bytes.length;
  return { name: t.name, shape: t.shape, dtype: t.dtype, offset: at, length: t.data.length };
});
fs.writeFileSync(`${outBase}.bin`, Buffer.concat(chunks));
fs.writeFileSync(`${outBase}.json`, JSON.stringify({ tensors, inputs: graph.inputs, outputs: graph.outputs, operators: graph.operators }));
process.stdout.write(`${graph.operators.length} operators, ${tensors.length} tensors -> ${outBase}.json, ${outBase}.bin\n`);
