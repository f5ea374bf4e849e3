// The records the store hands out and takes in: plain data, no database types, so any layer may name them.

export interface FaceTemplate {
  faceId: string;
  personId: string;
  personName: string;
  /** L2-normalised embedding; its length is the model's dimension. */
  embedding: Float32Array;
}

export interface NewFace {
  embedding: Float32Array;
  /** Aligned face crop as JPEG, kept so a gallery can be re-embedded with a new model. */
  crop?: Uint8Array;
  /** Quality score of the view in 0..1 (higher is better), for operators. */
  quality?: number;
  /** SHA-256 (hex) of the image file it came from, so importing the same file again skips it. */
  sourceHash?: string;
  /** What the enrolment gates measured on the view (brightness, sharpness, face size, angles, ...). */
  measures?: Record<string, number>;
  /** Soft gates the operator overruled ("use anyway"), each with the refusal it would have been. */
  overridden?: { code: string; reason: string }[];
}

export interface EnrolmentCommit {
  name: string;
  modelId: string;
  faces: NewFace[];
}

export interface EnrolmentResult {
  personId: string;
  name: string;
  /** False when the name already existed and the faces were added to that person. */
  created: boolean;
  faceIds: string[];
}

export interface Person {
  id: string;
  name: string;
  createdAt: Date;
  faces: number;
}
