// Webcam-like 640x480 frames with one fixture photo shrunk into a small square on grey, and what the live path makes of
// them: for the tests of boxes the detector is unsure of, or the face mesh rejects.
import sharp from 'sharp';
import type { FaceDetection } from '../../src/server/vision/detector.js';
import { sharedAnalyzer } from './server.js';
import { fixture } from './ws-client.js';

/** `rel` resized to fit `side` px, at (120, 200) on a flat grey (124) 640x480 frame, JPEG q85. */
export async function shrunkOnGrey(rel: string, side: number): Promise<Uint8Array> {
  const tiny = await sharp(fixture(rel)).resize(side, side, { fit: 'inside' }).toBuffer();
  return new Uint8Array(
    await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 124, g: 124, b: 124 } } })
      .composite([{ input: tiny, left: 120, top: 200 }])
      .jpeg({ quality: 85 })
      .toBuffer(),
  );
}

/** The live path's faces on `jpeg` (`mesh: false`), and whether the face mesh confirms each when it is embedded. */
export async function liveVerdicts(jpeg: Uint8Array): Promise<{ faces: FaceDetection[]; confirmed: (boolean | undefined)[] }> {
  const analyzer = await sharedAnalyzer();
  const seen = await analyzer.analyze(jpeg, 640 * 480, { liveness: false, mesh: false });
  if (!seen.ok) throw new Error('not analysed');
  try {
    const embedded = await seen.frame.embed(seen.frame.faces.map((_, i) => i));
    return { faces: seen.frame.faces, confirmed: embedded.map((e) => e.mesh?.confirmed) };
  } finally {
    seen.frame.release();
  }
}
