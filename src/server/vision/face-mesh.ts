// Human's face mesh run on given face boxes, without Human's own detector. Live frames find faces with BlazeFace on
// onnxruntime (live-detector.ts); the faces they embed still need the mesh's box and head pose, which enrolment and the
// mesh path use. Running Human's whole detect for that cost ~25 ms a frame in its TF.js BlazeFace (the mesh itself
// ~5 ms a face), the largest part of embedding a face on a live frame (issue 20). This follows Human 3.3's facemesh.ts,
// facemeshutil.ts and angles.ts step for step, with the rotation correction off as detector.ts configures it: the
// same crop of the same detector box, the same model, the same coordinate transform and the same Euler angles.

// Structural copies of detector.ts's Box and FaceDetection: detector.ts imports this module, so this one does not
// import it back (the import rules allow no cycle).
interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface MeshedFace {
  box: Box;
  score: number;
  pose: { yaw: number; pitch: number; roll: number };
}

/** Human's face.detector.scale: the detector box is enlarged this much (then squared) for the mesh's crop. */
const HUMAN_BOX_SCALE = 1.4;

/** What this module reads of TF.js and of Human's loaded face mesh model (both loosely typed libraries). */
/* eslint-disable @typescript-eslint/no-explicit-any -- tfjs and Human ship loose types */
export interface MeshRuntime {
  tf: any;
  /** Human's facemesh GraphModel (human.models.models.facemesh). */
  model: any;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

type Vec3 = [number, number, number];

const normalize = (v: Vec3): Vec3 => {
  const l = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / l, v[1] / l, v[2] / l];
};
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/**
 * Human's calculateFaceAngle (angles.ts): head pose from the forehead, chin and both cheek points of the mesh.
 * `mesh` in image pixels with z as the model gives it; `side` is the mesh crop's side in pixels.
 */
export function meshPose(mesh: Vec3[], side: number, inputSize: number): MeshedFace['pose'] {
  const size = side / 1.5;
  const [top, chin, right, left] = [10, 152, 234, 454].map((i): Vec3 => [mesh[i]![0] / size, mesh[i]![1] / size, mesh[i]![2] / inputSize]);
  const yAxis = normalize(sub(chin!, top!));
  let xAxis = normalize(sub(left!, right!));
  const zAxis = normalize(cross(xAxis, yAxis));
  xAxis = cross(yAxis, zAxis);
  const [r00, , , r10, r11, r12, r20] = [...xAxis, ...yAxis, ...zAxis];
  let x: number, y: number, z: number;
  if (r10! < 1) {
    if (r10! > -1) {
      z = Math.atan2(r10!, Math.sqrt(r00! * r00! + r20! * r20!));
      y = Math.atan2(-r20!, r00!);
      x = Math.atan2(-r12!, r11!);
    } else [z, y, x] = [-Math.PI / 2, -Math.atan2(zAxis[1], zAxis[2]), 0];
  } else [z, y, x] = [Math.PI / 2, Math.atan2(zAxis[1], zAxis[2]), 0];
  const clean = (v: number) => (Number.isNaN(v) ? 0 : -v);
  return { pitch: clean(x), yaw: clean(y), roll: clean(z) };
}

/** The mesh's extent: the face's box on the mesh path (detector.ts) and on the live path alike. */
export function meshExtent(mesh: readonly (readonly [number, number, ...number[]])[]): Box {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of mesh) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** The mesh's square crop of a BlazeFace box, in whole pixels: blazeface.ts enlargeBox(1.4), then squarifyBox, rounded. */
export function meshCrop(b: Box): { sx: number; sy: number; ex: number; ey: number } {
  const [cx, cy] = [b.x + b.width / 2, b.y + b.height / 2];
  const half = (Math.max(b.width, b.height) * HUMAN_BOX_SCALE) / 2;
  return { sx: Math.round(cx - half), sy: Math.round(cy - half), ex: Math.round(cx + half), ey: Math.round(cy + half) };
}

/**
 * The mesh model's raw output on one crop (468 x, y, z in the model's input pixels) as the face's box and pose:
 * facemeshutil.ts transformRawCoords with no rotation, scaled about the crop's centre and truncated like Human's.
 */
export function meshFace(raw: ArrayLike<number>, crop: ReturnType<typeof meshCrop>, inputSize: number, score: number): MeshedFace {
  const { sx, sy, ex, ey } = crop;
  const [bw, bh, bx, by] = [ex - sx, ey - sy, sx + (ex - sx) / 2, sy + (ey - sy) / 2];
  const mesh: Vec3[] = [];
  for (let i = 0; i + 2 < raw.length; i += 3) {
    mesh.push([
      Math.trunc((bw / inputSize) * (raw[i]! - inputSize / 2) + bx),
      Math.trunc((bh / inputSize) * (raw[i + 1]! - inputSize / 2) + by),
      Math.trunc(raw[i + 2]!),
    ]);
  }
  return { box: meshExtent(mesh), score, pose: meshPose(mesh, Math.max(bw, bh), inputSize) };
}

/**
 * The mesh on each BlazeFace box (image pixels, MediaPipe's box as the detector gives it) of `image`, a float32 or int32
 * [height, width, 3] tensor (not disposed), on TF.js. Each face gets the mesh path's box and pose and the detector's
 * score, or null where the mesh's own confidence is below `minConfidence` (Human drops such a face: no face there).
 * face-mesh-onnx.ts runs the same model on onnxruntime; this is the path where that did not load.
 */
export async function meshAt(
  rt: MeshRuntime,
  image: { shape: number[] },
  boxes: Box[],
  scores: number[],
  minConfidence: number,
): Promise<(MeshedFace | null)[]> {
  const { tf, model } = rt;
  const inputSize: number = model.inputs?.[0]?.shape?.[2] ?? 192;
  const [height, width] = image.shape as [number, number];
  const out: (MeshedFace | null)[] = [];
  // The frame as a float batch of one, made once for all its faces (Human's input is float too).
  const frame = tf.tidy(() => tf.cast(tf.expandDims(image, 0), 'float32'));
  try {
    for (let k = 0; k < boxes.length; k++) {
      const c = meshCrop(boxes[k]!);
      // facemeshutil.ts cutAndResize: crop, resize, /255.
      const crop = tf.tidy(() =>
        tf.div(tf.image.cropAndResize(frame, [[c.sy / height, c.sx / width, c.ey / height, c.ex / width]], [0], [inputSize, inputSize]), 255),
      );
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tfjs tensors
      const results = model.execute(crop) as any[];
      try {
        const confidence = (await results.find((t) => t.shape.at(-1) === 1).data())[0] as number;
        if (!(confidence >= minConfidence)) {
          out.push(null);
          continue;
        }
        const raw = (await results.find((t) => t.shape.at(-1) === 1404).data()) as Float32Array;
        out.push(meshFace(raw, c, inputSize, scores[k]!));
      } finally {
        tf.dispose([crop, ...results]);
      }
    }
  } finally {
    frame.dispose();
  }
  return out;
}
