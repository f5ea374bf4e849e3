// JPEG decoding with sharp (libvips): bytes in, packed RGB out, with a named pixel limit.
import sharp from 'sharp';
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
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height) return { ok: false, code: 'bad_image', message: undecodableMessage('no dimensions') };
    if (meta.width * meta.height > maxPixels) {
      return { ok: false, code: 'frame_too_large', message: `image is ${meta.width}x${meta.height}, over the limit of ${maxPixels} pixels` };
    }
    // EXIF orientations 5-8 turn the picture a quarter: decodeImage's rotate() swaps the sides.
    const quarterTurn = (meta.orientation ?? 1) >= 5;
    return { ok: true, width: quarterTurn ? meta.height : meta.width, height: quarterTurn ? meta.width : meta.height };
  } catch (err) {
    return undecodable(err);
  }
}

export async function decodeImage(bytes: Uint8Array, maxPixels: number): Promise<DecodeResult> {
  // The header first, so an oversized image is refused before its pixels are allocated.
  const header = await readImageHeader(bytes, maxPixels);
  if (!header.ok) return header;
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
