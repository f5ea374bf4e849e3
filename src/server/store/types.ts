// The storage port: what the rest of the server needs from the database. Implemented with drizzle over PGlite or PostgreSQL.
import type { StoreDb } from './queries.js';

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

export interface Store {
  readonly kind: 'pglite' | 'postgres';
  /**
   * The drizzle database, for feature repositories (check-ins, API keys, ...) that build their own queries on it.
   * Either driver; queries written against pg-core work on both.
   */
  readonly db: StoreDb;
  /** Every face embedding made by `modelId`, with its person; used to build the gallery index. */
  listFaceTemplates(modelId: string): Promise<FaceTemplate[]>;
  /** Count of faces stored under other model ids (a gallery that needs re-embedding). */
  countFacesNotFromModel(modelId: string): Promise<number>;
  /** Person (found by exact name, or created) and all faces in one transaction: all or nothing. */
  commitEnrolment(input: EnrolmentCommit): Promise<EnrolmentResult>;
  listPeople(): Promise<Person[]>;
  /** True when the person existed. Faces go with them. */
  deletePerson(personId: string): Promise<boolean>;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
