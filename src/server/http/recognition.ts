// Recognition on still images: identify (every face -> person or unknown) and compare (two images -> same person or not).
import { z } from '@hono/zod-openapi';
import type { FaceDetection } from '../vision/detector.js';
import type { FaceEmbedding } from '../vision/embedder.js';
import type { App, HttpDeps } from './context.js';
import { ApiError, errorDocs } from './errors.js';
import { Box, FileUpload, formRequest, json, secured } from './schemas.js';

const IdentifiedFace = z
  .object({
    box: Box,
    detectionScore: z.number(),
    person: z.object({ id: z.string(), name: z.string() }).nullable().openapi({ description: 'null when unknown' }),
    score: z.number().nullable().openapi({ description: 'Cosine similarity to the closest enrolled person (null with an empty gallery).' }),
  })
  .openapi('IdentifiedFace');
const IdentifyResult = z
  .object({ width: z.number().int(), height: z.number().int(), threshold: z.number(), faces: z.array(IdentifiedFace) })
  .openapi('IdentifyResult');
const CompareResult = z
  .object({
    distance: z.number().openapi({ description: 'Euclidean distance between the L2-normalised embeddings (0..2).' }),
    similarity: z.number().openapi({ description: 'Cosine similarity (-1..1).' }),
    threshold: z.number(),
    same: z.boolean().openapi({ description: 'similarity >= MATCH_THRESHOLD' }),
    a: Box,
    b: Box,
  })
  .openapi('CompareResult');

type Face = FaceDetection & FaceEmbedding;

export function mountRecognition(app: App, deps: HttpDeps): void {
  const maxBytes = () => deps.config.MAX_UPLOAD_BYTES;

  async function facesOf(file: File, label: string): Promise<Face[]> {
    const result = await deps.scheduler.embedAll(new Uint8Array(await file.arrayBuffer()), deps.config.MAX_IMAGE_PIXELS, 'interactive');
    if (!result.ok) throw new ApiError(result.code === 'frame_too_large' ? 'image_too_large' : 'not_an_image', `${label}: ${result.message}`);
    return result.faces;
  }

  app.openapi(
    secured(
      'viewer',
      {
        method: 'post',
        path: '/api/v1/identify',
        tags: ['recognition'],
        summary: 'Identify every face in an image',
        request: formRequest(z.object({ image: FileUpload })),
        responses: { 200: json(IdentifyResult, 'Every detected face'), ...errorDocs('not_an_image', 'image_too_large') },
      },
      { body: 'multipart', maxBytes },
    ),
    async (c) => {
      const file = c.req.valid('form').image;
      const { policy } = deps;
      const result = await deps.scheduler.embedAll(new Uint8Array(await file.arrayBuffer()), deps.config.MAX_IMAGE_PIXELS, 'interactive');
      if (!result.ok) throw new ApiError(result.code === 'frame_too_large' ? 'image_too_large' : 'not_an_image', result.message);
      const faces = await Promise.all(
        result.faces.map(async (f) => {
          // The live cameras' rule, liveness requirement included (RECOGNITION_REQUIRE_LIVE).
          const { match, best } = policy.decide(await deps.gallery.searchAsync(f.embedding, 1), f);
          return { box: f.box, detectionScore: f.score, person: match ? { id: match.personId, name: match.name } : null, score: best?.score ?? null };
        }),
      );
      return c.json({ width: result.width, height: result.height, threshold: policy.threshold, faces }, 200);
    },
  );

  app.openapi(
    secured(
      'viewer',
      {
        method: 'post',
        path: '/api/v1/compare',
        tags: ['recognition'],
        summary: 'Compare the main faces of two images',
        description: 'The largest face of each image (form fields `a` and `b`) is compared at the configured MATCH_THRESHOLD.',
        request: formRequest(z.object({ a: FileUpload, b: FileUpload })),
        responses: { 200: json(CompareResult, 'Distance, similarity and verdict'), ...errorDocs('not_an_image', 'image_too_large', 'no_face') },
      },
      { body: 'multipart', maxBytes },
    ),
    async (c) => {
      const form = c.req.valid('form');
      const a = largest(await facesOf(form.a, 'a'), 'a');
      const b = largest(await facesOf(form.b, 'b'), 'b');
      let dot = 0;
      for (let i = 0; i < a.embedding.length; i++) dot += a.embedding[i]! * b.embedding[i]!;
      const similarity = Math.max(-1, Math.min(1, dot));
      const { policy } = deps;
      return c.json(
        { distance: Math.sqrt(Math.max(0, 2 - 2 * similarity)), similarity, threshold: policy.threshold, same: policy.same(similarity), a: a.box, b: b.box },
        200,
      );
    },
  );
}

function largest(faces: Face[], label: string): Face {
  if (faces.length === 0) throw new ApiError('no_face', `image ${label}: no face found`);
  return faces.reduce((best, f) => (f.box.width * f.box.height > best.box.width * best.box.height ? f : best));
}
