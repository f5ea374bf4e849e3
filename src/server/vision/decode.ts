// Image decoding: bytes in, packed RGB out, with a named pixel limit. sharp (libvips) reads every header and decodes
// every format; a plain camera JPEG is decoded by libjpeg-turbo straight (below), which is most of a frame's decode.
import { createRequire } from 'node:module';
import sharp, { type Metadata } from 'sharp';
import type { RgbImage } from './align.js';

export type DecodeResult = { ok: true; image: RgbImage } | { ok: false; code: 'bad_image' | 'frame_too_large'; message: string };

type DecodeError = Extract<DecodeResult, { ok: false }>;
export type HeaderResult = { ok: true; width: number; height: number } | DecodeError;

/**
 * What was wrong with an image libvips could not decode, and what to do, in one sentence. libvips' own text is not
 * passed on: it repeats itself (one line per decoder retry, five for a JPEG cut off after its header) and names
 * library internals ("VipsJpeg: Invalid component ID 255 in SOS") that tell a person nothing.
 */
export function undecodableMessage(libvipsText: string): string {
  if (/unsupported image format/i.test(libvipsText))
    return 'not an image the server can read (JPEG, PNG or WebP): save or export it in one of those formats and upload it again';
  if (/premature end|truncated|unexpected end|end of (file|stream|input)/i.test(libvipsText) && !/corrupt|invalid|bad /i.test(libvipsText))
    return 'the image is incomplete (the file was cut off while it was copied or downloaded): copy or download it again, or choose another photo';
  return 'the image data is damaged and cannot be decoded: open it in an image viewer and save it again as JPEG, or choose another photo';
}

const undecodable = (err: unknown): DecodeError => ({
  ok: false,
  code: 'bad_image',
  message: undecodableMessage(err instanceof Error ? err.message : String(err)),
});

/**
 * The image's size from its header alone, refused when it is not an image or over `maxPixels`; no pixel is decoded.
 * sharp's own pixel limit is lifted for the header read, so a huge image is reported as too large, not as undecodable.
 * The size is the one decodeImage gives, after EXIF orientation: a frame answered from this header (a predicted one)
 * reports the same width and height as a decoded frame of the same camera, so the client's boxes scale the same way.
 */
export async function readImageHeader(bytes: Uint8Array, maxPixels: number): Promise<HeaderResult> {
  const read = await readHeader(bytes, maxPixels);
  return read.ok ? { ok: true, width: read.width, height: read.height } : read;
}

async function readHeader(bytes: Uint8Array, maxPixels: number): Promise<(HeaderResult & { ok: true; meta: Metadata }) | DecodeError> {
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height) return { ok: false, code: 'bad_image', message: undecodableMessage('no dimensions') };
    if (meta.width * meta.height > maxPixels) {
      return { ok: false, code: 'frame_too_large', message: `image is ${meta.width}x${meta.height}, over the limit of ${maxPixels} pixels` };
    }
    // EXIF orientations 5-8 turn the picture a quarter: decodeImage's rotate() swaps the sides.
    const quarterTurn = (meta.orientation ?? 1) >= 5;
    return { ok: true, meta, width: quarterTurn ? meta.height : meta.width, height: quarterTurn ? meta.width : meta.height };
  } catch (err) {
    return undecodable(err);
  }
}

/** What @julusian/jpeg-turbo (libjpeg-turbo's TurboJPEG API; an optional dependency) is used for here. */
interface TurboJpeg {
  FORMAT_RGB: number;
  decompressSync(image: Uint8Array, options: { format: number }): { data: Buffer; width: number; height: number };
}

function loadTurboJpeg(): { turbo: TurboJpeg; note: string } | { turbo: null; note: string } {
  try {
    const turbo = createRequire(import.meta.url)('@julusian/jpeg-turbo') as TurboJpeg;
    return { turbo, note: 'image decoder: libjpeg-turbo (@julusian/jpeg-turbo) for camera frames, sharp for stills and the rest' };
  } catch (err) {
    return {
      turbo: null,
      note: `image decoder: sharp (@julusian/jpeg-turbo did not load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
    };
  }
}
const turboJpeg = loadTurboJpeg();
/** For /health: which decoder reads frames. */
export const IMAGE_DECODER = turboJpeg.note;

/**
 * A camera frame's JPEG through libjpeg-turbo in one synchronous call: ~1 ms of CPU for 640x480, against ~5-6 ms
 * through sharp, whose per-image pipeline (~1.3 ms even for a 16x16 JPEG) and strip-wise decode cost more than the
 * decode itself; at 6 cameras that was a sixth of the server's CPU. Only JPEGs that need nothing else: no EXIF turn,
 * no ICC profile to convert, no CMYK. Anything else, and any JPEG libjpeg-turbo refuses or only warns about (a cut-off
 * file), goes to sharp, which decodes it or says what is wrong exactly as before. Pixels agree with sharp's to within
 * 1-3 levels (mean 0.5-1.1: libvips' and TurboJPEG's decoders round differently).
 */
export function decodePlainJpeg(bytes: Uint8Array, meta: Metadata): RgbImage | null {
  const { turbo } = turboJpeg;
  if (!turbo || meta.format !== 'jpeg' || (meta.orientation ?? 1) !== 1 || meta.hasProfile || (meta.space !== 'srgb' && meta.space !== 'b-w')) return null;
  try {
    const out = turbo.decompressSync(bytes, { format: turbo.FORMAT_RGB });
    if (out.width !== meta.width || out.height !== meta.height || out.data.byteLength !== out.width * out.height * 3) return null;
    return { data: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength), width: out.width, height: out.height };
  } catch {
    return null;
  }
}

export interface DecodeOptions {
  /**
   * A camera frame: a plain JPEG is decoded by libjpeg-turbo (decodePlainJpeg). Stills (enrolment photos, imports,
   * /identify, train/) keep sharp's pixels: every figure in docs/accuracy.md was measured on them, and a level of
   * rounding moves the detector's box on a tight crop enough to change which face it embeds (measured: 11 of 157
   * tight crops embedded elsewhere, tight112 pairs 96.6% -> 93.0%), so a still's decoder changes only with a re-run
   * of the evaluations. A camera's frames differ from one another by more than that anyway.
   */
  cameraFrame?: boolean;
}

export async function decodeImage(bytes: Uint8Array, maxPixels: number, opts: DecodeOptions = {}): Promise<DecodeResult> {
  // The header first, so an oversized image is refused before its pixels are allocated.
  const header = await readHeader(bytes, maxPixels);
  if (!header.ok) return header;
  const plain = opts.cameraFrame ? decodePlainJpeg(bytes, header.meta) : null;
  if (plain) return { ok: true, image: plain };
  try {
    // failOn 'truncated' refuses cut-off JPEGs instead of decoding them half grey.
    const { data, info } = await sharp(bytes, { failOn: 'truncated', limitInputPixels: maxPixels })
      .rotate() // honour EXIF orientation (phone photos)
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) return { ok: false, code: 'bad_image', message: undecodableMessage(`${info.channels} channels`) };
    return { ok: true, image: { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height } };
  } catch (err) {
    return undecodable(err);
  }
}
