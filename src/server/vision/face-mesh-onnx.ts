// Human's face mesh on onnxruntime-node: the same model (MediaPipe's face landmarks, converted op for op from Human's
// TF.js graph by train/export-facemesh-onnx.py), the same crop and the same geometry as face-mesh.ts, for the faces the
// live path embeds. On TF.js WASM the mesh cost ~5 ms a face, on onnxruntime ~1 ms (issue 20), and the crop is cut
// here from the decoded pixels, so a live frame needs no TF.js tensor at all when the landmark net runs on ORT too.
import path from 'node:path';
import type { RgbImage } from './align.js';
import type { Box } from './detector.js';
import { meshCrop, meshFace, type MeshedFace } from './face-mesh.js';
import { cropAndResize } from './landmarks.js';
import { loadOrt, ORT_SESSION_OPTIONS, readVerifiedModel } from './ort.js';

export const FACE_MESH_MODEL = 'facemesh/facemesh.onnx';
/** The committed file's sha256 (models/facemesh/SOURCE.md): a different file is refused, not run. */
export const FACE_MESH_SHA256 = '89fda9d33320728205a5faf127cad17388be78ed5ade92c72686336886f32ec2';
const INPUT = 192;
const PER_FACE = INPUT * INPUT * 3;

export interface OnnxFaceMesh {
  readonly description: string;
  /**
   * The mesh on each BlazeFace box of `image`, all faces in one batch: each face's mesh box, pose and the detector's
   * score, or null where the mesh's confidence is below `minConfidence` (no face there), as face-mesh.ts meshAt.
   */
  meshAt(image: RgbImage, boxes: Box[], scores: number[], minConfidence: number): Promise<(MeshedFace | null)[]>;
}

/**
 * The crop face-mesh.ts cuts with tf.image.cropAndResize, whose box is normalised by the image's size (not size - 1 as
 * landmarks.ts's crops are): the same sampling points, written as the pixel box landmarks.ts's cropAndResize takes.
 */
function sampleBox(c: ReturnType<typeof meshCrop>, image: RgbImage): Box {
  const fy = (image.height - 1) / image.height,
    fx = (image.width - 1) / image.width;
  return { x: c.sx * fx, y: c.sy * fy, width: (c.ex - c.sx) * fx, height: (c.ey - c.sy) * fy };
}

/** The mesh on onnxruntime when it loads and the file is the committed one; else null with the reason. */
export async function loadOnnxFaceMesh(modelsDir: string): Promise<{ mesh: OnnxFaceMesh | null; note: string }> {
  const loaded = loadOrt();
  if (!('ort' in loaded)) return { mesh: null, note: loaded.error };
  const { ort } = loaded;
  try {
    const bytes = readVerifiedModel(path.join(modelsDir, FACE_MESH_MODEL), FACE_MESH_SHA256, { label: FACE_MESH_MODEL, missing: 'models/facemesh/SOURCE.md' });
    const session = await ort.InferenceSession.create(bytes, ORT_SESSION_OPTIONS);
    const description = `onnx:facemesh (onnxruntime-node ${loaded.version}, 1 thread)`;
    return {
      note: description,
      mesh: {
        description,
        async meshAt(image, boxes, scores, minConfidence) {
          if (boxes.length === 0) return [];
          const crops = boxes.map(meshCrop);
          const batch = new Float32Array(boxes.length * PER_FACE);
          // Human's cutAndResize divides the crop by 255; done as each value is written, not in a second pass.
          crops.forEach((c, k) => cropAndResize(image, sampleBox(c, image), INPUT, batch, k * PER_FACE, 255));
          const out = await session.run({ input: new ort.Tensor('float32', batch, [boxes.length, INPUT, INPUT, 3]) });
          const confidence = out.confidence.data as Float32Array;
          const raw = out.mesh.data as Float32Array;
          return crops.map((c, k) => (confidence[k]! >= minConfidence ? meshFace(raw.subarray(k * 1404, (k + 1) * 1404), c, INPUT, scores[k]!) : null));
        },
      },
    };
  } catch (err) {
    return { mesh: null, note: `face mesh ONNX did not load: ${err instanceof Error ? err.message : String(err)}` };
  }
}
