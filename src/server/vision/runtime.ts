// Loads TensorFlow.js (tfjs-node when it is installed and loads, else the WASM backend), Human and face-api,
// all reading models from local files only. Nothing here touches the network.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

export type BackendName = 'tensorflow' | 'wasm';

/* eslint-disable @typescript-eslint/no-explicit-any -- the libraries' bundles ship loose types */
export interface Runtime {
  tf: any;
  Human: any;
  faceapi: any;
  backend: BackendName;
  tfVersion: string;
  /** Where models are read from, for /health. */
  modelDirs: { human: string; faceapi: string };
}

export function resolvePackageFile(pkg: string, file: string): string {
  // Human's and face-api's `exports` maps do not expose these subpaths reliably, so resolve by file path.
  for (const dir of require.resolve.paths(pkg) ?? []) {
    const candidate = path.join(dir, pkg);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return path.join(candidate, file);
  }
  throw new Error(`package ${pkg} is not installed (run npm install)`);
}

/** tfjs has no file:// loader outside tfjs-node: this one reads model.json and its weight shards from disk. */
function fileModelLoader(url: string) {
  return {
    load: async () => {
      const file = fileURLToPath(url);
      const json = JSON.parse(await fs.promises.readFile(file, 'utf8'));
      const dir = path.dirname(file);
      const groups: { paths: string[]; weights: unknown[] }[] = json.weightsManifest ?? [];
      const shards = await Promise.all(groups.flatMap((g) => g.paths.map((p) => fs.promises.readFile(path.join(dir, p)))));
      const weights = Buffer.concat(shards);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
        userDefinedMetadata: json.userDefinedMetadata,
        weightSpecs: groups.flatMap((g) => g.weights),
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      };
    },
  };
}

function tryLoadTfjsNode(): any | null {
  try {
    return require('@tensorflow/tfjs-node');
  } catch {
    return null;
  }
}

export async function loadRuntime(preference: 'auto' | 'tensorflow' | 'wasm', log: (msg: string) => void): Promise<Runtime> {
  let tf: any = preference === 'wasm' ? null : tryLoadTfjsNode();
  if (!tf && preference === 'tensorflow') throw new Error('TF_BACKEND=tensorflow but @tensorflow/tfjs-node is not installed or does not load');
  let backend: BackendName;
  let humanDist: string;
  let faceapiDist: string;
  if (tf) {
    backend = 'tensorflow';
    humanDist = 'dist/human.node.js';
    faceapiDist = 'dist/face-api.node.js';
  } else {
    if (preference === 'auto') log('tfjs-node is not available; using the tfjs WASM backend');
    tf = require('@tensorflow/tfjs');
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(resolvePackageFile('@tensorflow/tfjs-backend-wasm', 'dist') + path.sep);
    tf.io.registerLoadRouter((url: unknown) => (typeof url === 'string' && url.startsWith('file://') ? fileModelLoader(url) : null));
    backend = 'wasm';
    humanDist = 'dist/human.node-wasm.js';
    faceapiDist = 'dist/face-api.node-wasm.js';
  }
  await tf.setBackend(backend);
  await tf.ready();
  const humanModule = require(resolvePackageFile('@vladmandic/human', humanDist));
  const faceapi = require(resolvePackageFile('@vladmandic/face-api', faceapiDist));
  return {
    tf,
    Human: humanModule.Human ?? humanModule.default,
    faceapi,
    backend,
    tfVersion: tf.version?.tfjs ?? tf.version_core ?? 'unknown',
    modelDirs: {
      human: resolvePackageFile('@vladmandic/human', 'models'),
      faceapi: resolvePackageFile('@vladmandic/face-api', 'model'),
    },
  };
}
