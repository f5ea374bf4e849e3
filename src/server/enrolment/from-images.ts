// Enrolment from still images (REST uploads and bulk imports): the same gates as live enrolment (EnrolmentCapture's
// checkFrame and offer: detection, chip, duplicate-person and near-duplicate gates), committed per person by commitViews.
import { createHash } from 'node:crypto';
import { EnrolmentCapture, type Overridden, type ViewMeasures } from './capture.js';
import { chipDataUrl, faceCrops, type FoundFace } from './face-crops.js';
import type { Gallery } from '../gallery/gallery.js';
import { commitViews, type EnrolmentDeps } from './commit.js';
import { enrolmentRules } from './rules.js';
import type { MatchPolicy } from '../recognition/match-policy.js';
import type { Config } from '../config.js';
import type { EnrolmentResult } from '../store/types.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { InferenceBusyError, type AnalyzerScheduler, type Priority } from '../vision/scheduler.js';

export interface ImageVerdict {
  file: string;
  /** skipped: the person already has a face from this very file (imports only: `already_stored`). */
  status: 'accepted' | 'rejected' | 'skipped';
  /** Why it was rejected: not_an_image, image_too_large, payload_too_large, unreadable, bad_layout, bad_path, duplicate_path, compression_ratio, bad_archive, commit_failed, or a gate code (no_face, too_small, blurry, ...); or skipped: already_stored, duplicate_file, ignored, excluded. */
  code?: string;
  reason?: string;
  faceId?: string;
  /** multiple_faces (REST uploads): every face found, left to right, so the operator can pick one (`face`). */
  faces?: FoundFace[];
  /** duplicate_person: who the face is already enrolled as. */
  duplicate?: { personId: string; name: string; score: number; faceId?: string | null; cropUrl?: string | null };
  /** The view's aligned crop as a JPEG data URL (duplicate_person: to show beside the other person's face). */
  crop?: string;
  /** Accepted views: what the gates measured, and the soft gates the operator overruled. */
  measures?: ViewMeasures;
  overridden?: Overridden[];
}

export interface ImageInput {
  file: string;
  read(): Promise<Uint8Array>;
  /** Known size, checked against the upload limit before reading. */
  size?: number;
}

export interface EnrolImagesDeps {
  config: Config;
  /** Whose face a view already is (the duplicate-person gate). */
  policy: Pick<MatchPolicy, 'duplicateThreshold'>;
  scheduler: AnalyzerScheduler;
  enrolment: EnrolmentDeps & { gallery: Gallery };
}

export interface EnrolImagesOptions {
  /**
   * SHA-256s of the files this person's faces already came from: such a file is `skipped` without inference, so an
   * import run twice (or resumed after a restart) adds nothing twice.
   */
  knownHashes?: Set<string>;
  /** Several faces in an image: enrol face `face` (left to right, from 0); unset: refuse it, listing the faces found. */
  face?: number;
  /** The operator's "use anyway": soft gates are recorded, not refusals. */
  useAnyway?: boolean;
  /** The operator confirmed the face is not the look-alike already enrolled. */
  allowDuplicate?: boolean;
  /** List the faces of a multi-face image with their crops (REST uploads; imports only need the refusal). */
  describeFaces?: boolean;
}

/** Checks every image, then commits the accepted views under `name` (found or created). Nothing is written when none passes. */
export async function enrolImages(
  deps: EnrolImagesDeps,
  name: string,
  images: ImageInput[],
  priority: Priority,
  onImage: (v: ImageVerdict) => void = () => {},
  opts: EnrolImagesOptions = {},
): Promise<{ result: EnrolmentResult | null; verdicts: ImageVerdict[] }> {
  const { config } = deps;
  const source = { kind: 'photo', useAnyway: opts.useAnyway, allowDuplicate: opts.allowDuplicate } as const;
  const capture = new EnrolmentCapture(name, enrolmentRules(config, deps.policy, images.length, source));
  const verdicts: ImageVerdict[] = [];
  const accepted: ImageVerdict[] = [];
  const hashes: string[] = [];
  const seen = opts.knownHashes ? { known: opts.knownHashes, here: new Set<string>() } : undefined;
  for (const img of images) {
    const { verdict: v, hash } = await checkImage(deps, capture, img, priority, opts, seen);
    verdicts.push(v);
    if (v.status === 'accepted') {
      accepted.push(v);
      hashes.push(hash!);
    } else onImage(v);
  }
  if (capture.views.length === 0) return { result: null, verdicts };
  try {
    const result = await commitViews(deps.enrolment, name, capture.views, hashes);
    accepted.forEach((v, i) => (v.faceId = result.faceIds[i]));
    accepted.forEach((v) => onImage(v));
    return { result, verdicts };
  } catch (err) {
    for (const v of accepted)
      Object.assign(v, { status: 'rejected', code: 'commit_failed', reason: `not stored: ${err instanceof Error ? err.message : String(err)}` });
    accepted.forEach((v) => onImage(v));
    return { result: null, verdicts };
  }
}

type Checked = { verdict: ImageVerdict; hash?: string };

type Seen = { known: Set<string>; here: Set<string> };

/**
 * The image's faces and embeddings. A REST call (interactive) whose queue is full fails with InferenceBusyError (503
 * busy); an import step (bulk) waits as long as it is told and tries again: a background job loses no image to a queue.
 */
async function embedAll(scheduler: AnalyzerScheduler, bytes: Uint8Array, maxPixels: number, priority: Priority) {
  for (;;) {
    try {
      return await scheduler.embedAll(bytes, maxPixels, priority);
    } catch (err) {
      if (priority !== 'bulk' || !(err instanceof InferenceBusyError)) throw err;
      await sleep(err.retryAfterS * 1000);
    }
  }
}

async function checkImage(
  deps: EnrolImagesDeps,
  capture: EnrolmentCapture,
  img: ImageInput,
  priority: Priority,
  opts: EnrolImagesOptions,
  seen?: Seen,
): Promise<Checked> {
  const { config, scheduler } = deps;
  const reject = (code: string, reason: string): Checked => ({ verdict: { file: img.file, status: 'rejected', code, reason } });
  if (img.size !== undefined && img.size > config.MAX_UPLOAD_BYTES)
    return reject('payload_too_large', `${img.size} bytes, over the limit of ${config.MAX_UPLOAD_BYTES}`);
  let bytes: Uint8Array;
  try {
    bytes = await img.read();
  } catch (err) {
    // A file that vanished or cannot be opened (folder imports): this file's error, not the import's.
    return reject('unreadable', `could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (bytes.byteLength > config.MAX_UPLOAD_BYTES) return reject('payload_too_large', `${bytes.byteLength} bytes, over the limit of ${config.MAX_UPLOAD_BYTES}`);
  const hash = createHash('sha256').update(bytes).digest('hex');
  const skip = (code: string, reason: string): Checked => ({ verdict: { file: img.file, status: 'skipped', code, reason } });
  if (seen?.known.has(hash)) return skip('already_stored', 'this person already has a face from this file');
  if (seen?.here.has(hash)) return skip('duplicate_file', 'the same file as an earlier one of this person in this import');
  seen?.here.add(hash);
  const analyzed = await embedAll(scheduler, bytes, config.MAX_IMAGE_PIXELS, priority);
  if (!analyzed.ok) return reject(analyzed.code === 'frame_too_large' ? 'image_too_large' : 'not_an_image', analyzed.message);
  // Left to right, so `face` means the same face on every call with the same image.
  const found = [...analyzed.faces].sort((a, b) => a.box.x - b.box.x);
  if (found.length > 1 && opts.face === undefined) {
    const listed = opts.describeFaces ? { faces: await faceCrops(bytes, found) } : {};
    return {
      verdict: {
        file: img.file,
        status: 'rejected',
        code: 'multiple_faces',
        reason: `${found.length} faces in this image: choose the one to enrol (face 0 to ${found.length - 1}, left to right)`,
        ...listed,
      },
    };
  }
  if (opts.face !== undefined && found.length > 0 && opts.face >= found.length)
    return reject('bad_face_index', `face ${opts.face} asked for, but this image has ${found.length} face(s) (0 to ${found.length - 1})`);
  const faces = found.length > 1 ? [found[opts.face!]!] : found;
  const view = capture.checkFrame(faces);
  if (!view.ok) return reject(view.code, view.reason);
  const face = faces[0]!;
  const offered = capture.offer(face, face, deps.enrolment.gallery.search(face.embedding, 3), view.overridden);
  if (!offered.ok) {
    const r = reject(offered.code, offered.reason);
    if (offered.duplicate) {
      const { personId, name, score } = offered.duplicate;
      Object.assign(r.verdict, { duplicate: { personId, name, score }, crop: await chipDataUrl(face.chip) });
    }
    return r;
  }
  const taken = capture.views[capture.views.length - 1]!;
  return {
    verdict: { file: img.file, status: 'accepted', measures: taken.measures, ...(taken.overridden?.length ? { overridden: taken.overridden } : {}) },
    hash,
  };
}
