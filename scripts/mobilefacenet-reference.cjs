// Reference outputs of MobileFaceNet.tflite from Google's own TFLite runtime (@tensorflow/tfjs-tflite 0.0.1-alpha.10,
// WASM, XNNPACK), the oracle for tests/unit/mobilefacenet.test.ts. The alpha runtime is not a project dependency: install
// it beside this script once, outside the project:
//   mkdir /tmp/oracle && cd /tmp/oracle && npm init -y && npm install @tensorflow/tfjs-tflite@0.0.1-alpha.10 @tensorflow/tfjs-core@4.9.0 @tensorflow/tfjs-backend-cpu@4.9.0
//   ORACLE=/tmp/oracle node scripts/mobilefacenet-reference.cjs
// It reads tests/fixtures/mobilefacenet/*.png (decoded with the project's sharp) and writes reference.json there: for
// each crop, the raw 192-d output for [crop, mirror] as one batch of 2 (the file's fixed batch).
const fs = require('fs'),
  path = require('path'),
  vm = require('vm');
const oracle = process.env.ORACLE ?? '/tmp/oracle';
const req = (m) => require(require.resolve(m, { paths: [oracle] }));
const WASM = path.join(oracle, 'node_modules/@tensorflow/tfjs-tflite/wasm/');
// Shims: the runtime loads its emscripten module like a web worker would. Node has no Worker for the threaded builds,
// so the single-threaded ones are loaded instead.
globalThis.self = globalThis;
globalThis.self.location = { origin: 'file://', href: 'file://' + WASM };
globalThis.require = require;
const local = (u) => WASM + path.basename(String(u)).replace('_threaded', '');
globalThis.importScripts = (url) => vm.runInThisContext(fs.readFileSync(local(url), 'utf8'), { filename: local(url) });
const realFetch = globalThis.fetch;
globalThis.fetch = async (u) =>
  fs.existsSync(local(u)) ? new Response(fs.readFileSync(local(u)), { headers: { 'content-type': 'application/wasm' } }) : realFetch(u);
const tf = req('@tensorflow/tfjs-core');
req('@tensorflow/tfjs-backend-cpu');
const tflite = req('@tensorflow/tfjs-tflite');
const sharp = require('sharp');

(async () => {
  await tf.setBackend('cpu');
  tflite.setWasmPath(WASM);
  const root = path.join(__dirname, '..');
  const buf = fs.readFileSync(path.join(root, 'models/mobilefacenet/MobileFaceNet.tflite'));
  const model = await tflite.loadTFLiteModel(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length), { numThreads: 1 });
  const dir = path.join(root, 'tests/fixtures/mobilefacenet');
  const out = {
    generatedBy: 'scripts/mobilefacenet-reference.cjs with @tensorflow/tfjs-tflite 0.0.1-alpha.10',
    input: '(px - 127.5) / 128, RGB, batch [crop, mirror]',
    crops: {},
  };
  for (const f of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.png'))
    .sort()) {
    const { data, info } = await sharp(path.join(dir, f)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.width !== 112 || info.height !== 112) throw new Error(`${f} is not 112x112`);
    const x = new Float32Array(2 * 112 * 112 * 3);
    for (let y = 0; y < 112; y++)
      for (let u = 0; u < 112; u++)
        for (let c = 0; c < 3; c++) {
          x[(y * 112 + u) * 3 + c] = (data[(y * 112 + u) * 3 + c] - 127.5) / 128;
          x[112 * 112 * 3 + (y * 112 + u) * 3 + c] = (data[(y * 112 + (111 - u)) * 3 + c] - 127.5) / 128;
        }
    const y = model.predict(tf.tensor4d(x, [2, 112, 112, 3]));
    const v = Array.from(y.dataSync());
    out.crops[f] = { crop: v.slice(0, 192), mirror: v.slice(192) };
    console.log(f, v.slice(0, 3));
  }
  fs.writeFileSync(path.join(dir, 'reference.json'), `${JSON.stringify(out)}\n`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
