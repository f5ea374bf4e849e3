// Faces of a person: list (no embedding bytes), the crop as image/jpeg, add from uploaded images (per-image verdicts), delete one.
import { z } from '@hono/zod-openapi';
import type { Config } from '../config.js';
import type { ImageInput, ImageVerdict } from '../enrolment/from-images.js';
import type { GalleryService } from '../gallery/service.js';
import type { FacesRepo } from '../store/faces-repo.js';
import type { PeopleRepo } from '../store/people-repo.js';
import type { EnrolmentResult } from '../store/types.js';
import { reenrolReason, type ModelManifest } from '../vision/models.js';
import { resource, type App } from './context.js';
import { ApiError, errorDocs } from './errors.js';
import { Box, Files, IdParam, formRequest, iso, json, secured } from './schemas.js';

const GateRefusal = z.object({ code: z.string(), reason: z.string() }).openapi('GateRefusal');

const FoundFace = z
  .object({
    index: z.number().int().openapi({ description: 'Send it back as `face` to enrol this one.' }),
    box: Box,
    score: z.number(),
    crop: z.string().openapi({ description: 'The face as a JPEG data URL.' }),
  })
  .openapi('FoundFace');

const Face = z
  .object({
    id: z.string(),
    personId: z.string(),
    modelId: z.string(),
    dims: z.number().int(),
    quality: z.number().nullable(),
    measures: z.record(z.string(), z.number()).nullable().openapi({ description: 'What the enrolment gates measured on the view (null for older faces).' }),
    overridden: z
      .array(GateRefusal)
      .nullable()
      .openapi({ description: 'Soft gates an operator overruled to store this face ("use anyway"); null when it passed every gate.' }),
    createdAt: z.string().datetime(),
    cropUrl: z.string().nullable().openapi({ description: 'The aligned face crop as image/jpeg, when stored.' }),
    embeddedFromCropPx: z.number().int().nullable().openapi({
      description:
        "null: the embedding was made from the enrolment's own picture. A number: the server re-embedded it from the stored crop when the embedding model changed, reading the crop as a chip this many px a side (150 for faces stored before 2026-12-06, 220 since).",
    }),
    reenrol: z.string().nullable().openapi({
      description:
        'Why this face should be enrolled again, or null. Set when the running model reads a face crop that the stored crop it was re-embedded from cuts off: the face still matches, less reliably. Add a new photo or enrol the person at a camera again, then remove this face.',
    }),
  })
  .openapi('Face');

export const ImageResult = z
  .object({
    file: z.string(),
    status: z.enum(['accepted', 'rejected', 'skipped']).openapi({ description: 'skipped only in imports (a file the person already has a face from)' }),
    code: z.string().optional().openapi({
      description:
        'not_an_image, image_too_large, payload_too_large, bad_layout, commit_failed, or an enrolment gate code (no_face, multiple_faces, too_small, low_confidence, not_frontal, too_dark, too_bright, blurry, same_view, duplicate_person)',
    }),
    reason: z.string().optional(),
    faceId: z.string().optional(),
    faces: z.array(FoundFace).optional().openapi({ description: 'multiple_faces: the faces found, left to right; upload again with `face` to enrol one.' }),
    duplicate: z
      .object({
        personId: z.string(),
        name: z.string(),
        score: z.number(),
        faceId: z.string().nullable().optional(),
        cropUrl: z.string().nullable().optional().openapi({ description: "The other person's face (their best stored crop), to compare." }),
      })
      .optional()
      .openapi({ description: 'duplicate_person: who the face is already enrolled as. Upload again with `allowDuplicate=true` when it is someone else.' }),
    crop: z.string().optional().openapi({ description: "duplicate_person: this upload's aligned face as a JPEG data URL." }),
    measures: z.record(z.string(), z.number()).optional(),
    overridden: z.array(GateRefusal).optional().openapi({ description: 'Accepted with "use anyway": the refusals overruled.' }),
  })
  .openapi('ImageResult');

const flag = z
  .enum(['true', 'false', '1', '0'])
  .optional()
  .transform((v) => v === 'true' || v === '1');

const AddFacesForm = z.object({
  images: Files,
  face: z.coerce
    .number()
    .int()
    .min(0)
    .max(99)
    .optional()
    .openapi({ description: 'An image with several faces: enrol this one (index from the first answer, left to right).' }),
  useAnyway: flag.openapi({
    type: 'string',
    enum: ['true', 'false'],
    description: 'Store a view refused only by soft gates (size, confidence, angle, exposure, blur, same view); the face records what was overruled.',
  }),
  allowDuplicate: flag.openapi({ type: 'string', enum: ['true', 'false'], description: 'Confirmed: the face is not the person it resembles.' }),
});

const AddFacesResult = z
  .object({ personId: z.string(), accepted: z.number().int(), rejected: z.number().int(), faces: z.number().int(), results: z.array(ImageResult) })
  .openapi('AddFacesResult');

const FaceIdParam = z.object({
  faceId: z
    .string()
    .uuid()
    .openapi({ param: { name: 'faceId', in: 'path' } }),
});

export interface UploadChoices {
  face?: number;
  useAnyway: boolean;
  allowDuplicate: boolean;
}

export interface FacesDeps {
  faces: FacesRepo;
  people: Pick<PeopleRepo, 'exists' | 'get'>;
  galleryService: Pick<GalleryService, 'deleteFace'>;
  /** Checks uploaded images with the enrolment gates and commits the accepted ones to the person called `name`. */
  enrolImages: (name: string, images: ImageInput[], choices: UploadChoices) => Promise<{ result: EnrolmentResult | null; verdicts: ImageVerdict[] }>;
  config: Pick<Config, 'MAX_UPLOAD_BYTES'>;
  /** The running embedding model (null: the built-in fallback), to say which faces want enrolling again. */
  model: Pick<ModelManifest, 'id' | 'fusion' | 'nets'> | null;
}

export function facesRoutes(deps: FacesDeps): App {
  const app = resource();
  const { faces, people } = deps;

  app.openapi(
    secured('viewer', {
      method: 'get',
      path: '/api/v1/people/{id}/faces',
      tags: ['faces'],
      summary: "List a person's faces",
      request: { params: IdParam },
      responses: { 200: json(z.object({ items: z.array(Face) }), 'Faces, oldest first'), ...errorDocs('not_found') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      if (!(await people.exists(id))) throw new ApiError('not_found', `no person ${id}`);
      const items = (await faces.listForPerson(id)).map(({ hasCrop, createdAt, ...f }) => ({
        ...f,
        createdAt: iso(createdAt),
        cropUrl: hasCrop ? `/api/v1/faces/${f.id}/crop` : null,
        reenrol: reenrolReason(deps.model, f),
      }));
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    secured('viewer', {
      method: 'get',
      path: '/api/v1/faces/{faceId}/crop',
      tags: ['faces'],
      summary: "A face's aligned crop",
      request: { params: FaceIdParam },
      responses: { 200: { description: 'JPEG', content: { 'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) } } }, ...errorDocs('not_found') },
    }),
    async (c) => {
      const { faceId } = c.req.valid('param');
      const crop = await faces.crop(faceId);
      if (!crop) throw new ApiError('not_found', `no face ${faceId} with a stored crop`);
      // nosniff: a crop that came in through an import is served as the JPEG it was checked to be, never as HTML or script.
      return c.body(new Uint8Array(crop), 200, {
        'Content-Type': 'image/jpeg',
        'Cache-Control': 'private, max-age=3600',
        'X-Content-Type-Options': 'nosniff',
      }) as never;
    },
  );

  app.openapi(
    secured(
      'operator',
      {
        method: 'post',
        path: '/api/v1/people/{id}/faces',
        tags: ['faces'],
        summary: 'Add faces from images',
        description:
          'Each image (form field `images`, repeatable) passes the enrolment gates: a face, big enough, confident, frontal, ' +
          'exposed and sharp, not someone else already enrolled, not a near-duplicate of another view (no pose plan, no liveness ' +
          'gate for photos). The accepted ones are stored in one transaction. An image with several faces is answered with ' +
          'the faces found (`multiple_faces`, `faces`: boxes and crops); upload it again with `face` to enrol one. A view ' +
          'refused only by a soft gate is stored with `useAnyway=true` (recorded with the face); no face and a duplicate ' +
          'person without `allowDuplicate=true` stay refusals.',
        request: { params: IdParam, ...formRequest(AddFacesForm) },
        responses: { 200: json(AddFacesResult, 'Per-image results'), ...errorDocs('not_found') },
      },
      { body: 'multipart', maxBytes: () => deps.config.MAX_UPLOAD_BYTES, maxBytesSetting: 'MAX_UPLOAD_BYTES' },
    ),
    async (c) => {
      const { id } = c.req.valid('param');
      const person = await people.get(id);
      if (!person) throw new ApiError('not_found', `no person ${id}`);
      const form = c.req.valid('form');
      const images = form.images.map((f, i) => ({ file: f.name || `image ${i + 1}`, size: f.size, read: async () => new Uint8Array(await f.arrayBuffer()) }));
      const { result, verdicts } = await deps.enrolImages(person.name, images, {
        face: form.face,
        useAnyway: form.useAnyway,
        allowDuplicate: form.allowDuplicate,
      });
      for (const v of verdicts) if (v.duplicate) Object.assign(v, { duplicate: { ...v.duplicate, ...(await bestFace(faces, v.duplicate.personId)) } });
      const accepted = verdicts.filter((v) => v.status === 'accepted').length;
      return c.json(
        { personId: result?.personId ?? id, accepted, rejected: verdicts.length - accepted, faces: person.faces + accepted, results: verdicts },
        200,
      );
    },
  );

  app.openapi(
    secured('operator', {
      method: 'delete',
      path: '/api/v1/faces/{faceId}',
      tags: ['faces'],
      summary: 'Delete one face',
      request: { params: FaceIdParam },
      responses: { 204: { description: 'Deleted' }, ...errorDocs('not_found') },
    }),
    async (c) => {
      const { faceId } = c.req.valid('param');
      if (!(await deps.galleryService.deleteFace(faceId))) throw new ApiError('not_found', `no face ${faceId}`);
      return c.body(null, 204);
    },
  );
  return app;
}

/** The other person's face to show beside a duplicate: their best stored crop. */
async function bestFace(faces: FacesRepo, personId: string): Promise<{ faceId: string | null; cropUrl: string | null }> {
  const withCrop = (await faces.listForPerson(personId)).filter((f) => f.hasCrop).sort((a, b) => (b.quality ?? 0) - (a.quality ?? 0));
  const f = withCrop[0];
  return f ? { faceId: f.id, cropUrl: `/api/v1/faces/${f.id}/crop` } : { faceId: null, cropUrl: null };
}
