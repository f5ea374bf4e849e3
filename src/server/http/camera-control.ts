// The cameras resource's status schema and the port REST uses to reach the running cameras (cameras/manager.ts
// implements it; the composition root hands it in). Apart from cameras.ts so that context.ts can name the port.
import { z } from '@hono/zod-openapi';
import type { CameraRow } from '../store/cameras-repo.js';

export const CameraStatus = z
  .object({
    state: z.enum(['connecting', 'connected', 'retrying', 'failed', 'stopped', 'disabled', 'not_pulled']).openapi({
      description: 'not_pulled: this server runs no cameras (CAMERA_SOURCES=false); failed: the URL cannot work until it is changed.',
    }),
    connected: z.boolean(),
    fpsIn: z.number().openapi({ description: 'Frames a second read from the stream (last 5 s).' }),
    fpsProcessed: z.number().openapi({ description: 'Frames a second recognition finished (last 5 s).' }),
    framesIn: z.number().int(),
    framesProcessed: z.number().int(),
    framesDropped: z.number().int().openapi({ description: 'Replaced by a newer frame while the previous one was processed.' }),
    framesOversized: z.number().int().openapi({ description: 'Over CAMERA_MAX_FRAME_BYTES, dropped whole.' }),
    lastFrameAt: z.string().nullable(),
    connectedSince: z.string().nullable(),
    lastError: z.string().nullable(),
    lastErrorAt: z.string().nullable(),
    reconnects: z.number().int(),
    nextRetryAt: z.string().nullable(),
    ffmpegLog: z.array(z.string()).openapi({ description: "ffmpeg's last lines on stderr, credentials removed." }),
    recentNames: z
      .array(z.object({ name: z.string(), personId: z.string(), at: z.string() }))
      .openapi({ description: 'People recognized on this camera, most recent first.' }),
  })
  .openapi('CameraStatus');

/** What the REST API needs of the running cameras (cameras/manager.ts implements it; the root hands it in). */
export interface CameraControl {
  apply(row: CameraRow): Promise<void>;
  remove(id: string): Promise<void>;
  status(row: CameraRow): z.infer<typeof CameraStatus>;
  /** The latest processed frame with its overlay drawn, or null before the first one. */
  snapshot(id: string): Promise<{ jpeg: Buffer; at: number } | null>;
}
