// Baseline only: Human's own face pipeline with its faceres descriptor (1024-d), as Human computes it.
import type { Config } from '../../src/server/config.js';
import { decodeImage } from '../../src/server/vision/decode.js';
import { loadRuntime } from '../../src/server/vision/runtime.js';
import type { Pipeline } from './pipeline-types.js';
import { readImageFile } from './dataset.js';

export const FACERES_ID = 'human-faceres1024';

/** The part of a Human face result this baseline reads (the runtime's Human is untyped here). */
interface HumanFace {
  embedding?: number[];
  box: [number, number, number, number];
}

export async function createFaceresPipeline(config: Config): Promise<Pipeline> {
  const rt = await loadRuntime(config.TF_BACKEND, () => {});
  const human = new rt.Human({
    backend: rt.backend,
    modelBasePath: `file://${rt.modelDirs.human}/`,
    debug: false,
    warmup: 'none',
    cacheSensitivity: 0,
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: { rotation: true, maxDetected: 10, minConfidence: config.DETECT_MIN_CONFIDENCE },
      mesh: { enabled: true },
      iris: { enabled: false },
      description: { enabled: true },
      emotion: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  });
  await human.load();
  return {
    id: FACERES_ID,
    dims: 1024,
    threshold: null,
    async embedFile(file) {
      const t0 = performance.now();
      const read = readImageFile(file);
      if (!read.ok) return { ...read, ms: 0 };
      const bytes = read.bytes;
      const d = await decodeImage(bytes, 8192 * 8192);
      if (!d.ok) return { ok: false, reason: `${d.code}: ${d.message}`, ms: performance.now() - t0 };
      const t = rt.tf.tensor3d(d.image.data, [d.image.height, d.image.width, 3], 'int32');
      try {
        const res = await human.detect(t);
        const faces = (res.face as HumanFace[]).filter((f) => f.embedding?.length);
        if (faces.length === 0) return { ok: false, reason: 'no face detected', ms: performance.now() - t0 };
        const f = faces.reduce((a, b) => (b.box[2] * b.box[3] > a.box[2] * a.box[3] ? b : a));
        const e = Float32Array.from(f.embedding as number[]);
        const n = Math.hypot(...e) || 1;
        return {
          ok: true,
          embedding: Array.from(e, (x) => x / n),
          faces: faces.length,
          box: { x: f.box[0], y: f.box[1], width: f.box[2], height: f.box[3] },
          ms: performance.now() - t0,
        };
      } finally {
        t.dispose();
      }
    },
  };
}
