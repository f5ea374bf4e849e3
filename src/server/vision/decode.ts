// JPEG decoding with sharp (libvips): bytes in, packed RGB out, with a named pixel limit.
import sharp from 'sharp';
import type { RgbImage } from './align.js';

export type DecodeResult = { ok: true; image: RgbImage } | { ok: false; code: 'bad_image' | 'frame_too_large'; message: string };

export async function decodeImage(bytes: Uint8Array, maxPixels: number): Promise<DecodeResult> {
  try {
    // limitInputPixels makes sharp refuse oversized images before allocating them; failOn 'truncated' refuses cut-off JPEGs.
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'truncated' })
      .rotate() // honour EXIF orientation (phone photos)
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) return { ok: false, code: 'bad_image', message: `decoded image has ${info.channels} channels, expected 3` };
    return { ok: true, image: { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height } };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/pixel limit/i.test(message)) return { ok: false, code: 'frame_too_large', message: `image is larger than ${maxPixels} pixels` };
    return { ok: false, code: 'bad_image', message: `image could not be decoded: ${message}` };
  }
}
