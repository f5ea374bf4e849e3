// Browser-test helpers: turn a still photo into a fake-webcam .y4m with ffmpeg and launch the system Chromium on it.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';

const run = promisify(execFile);

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const FFMPEG_PATH = process.env.FFMPEG_PATH ?? '/usr/bin/ffmpeg';

export interface FakeWebcamOptions {
  seconds?: number;
  width?: number;
  height?: number;
  fps?: number;
}

/**
 * Writes a yuv420p y4m clip of `imagePath` (letterboxed to width x height) for
 * --use-file-for-fake-video-capture; Chromium loops it. Returns outPath.
 */
export async function makeFakeWebcamY4m(imagePath: string, outPath: string, opts: FakeWebcamOptions = {}): Promise<string> {
  const { seconds = 2, width = 640, height = 480, fps = 15 } = opts;
  if (!outPath.endsWith('.y4m')) throw new Error(`Chromium only reads fake video from a .y4m (or .mjpeg) file, not ${outPath}`);
  fs.mkdirSync(path.dirname(outPath), { recursive: true });
  const vf = `scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2,format=yuv420p`;
  // -pix_fmt keeps the y4m header at plain "C420" which Chromium's reader accepts.
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-loop', '1', '-i', imagePath, '-t', String(seconds), '-vf', vf, '-r', String(fps)];
  args.push('-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', outPath);
  await run(FFMPEG_PATH, args);
  return outPath;
}

/**
 * A slideshow clip: each photo held for `secondsEach`, so the fake camera shows several different views of a person
 * (enrolment needs views that differ; a single still gives identical frames).
 */
export async function makeSlideshowY4m(imagePaths: string[], outPath: string, opts: FakeWebcamOptions & { secondsEach?: number } = {}): Promise<string> {
  const { secondsEach = 1, width = 640, height = 480, fps = 15 } = opts;
  fs.mkdirSync(path.dirname(outPath), { recursive: true });
  const args = ['-hide_banner', '-loglevel', 'error', '-y'];
  for (const img of imagePaths) args.push('-loop', '1', '-t', String(secondsEach), '-i', img);
  const scale = `scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${fps},format=yuv420p`;
  const chains = imagePaths.map((_, i) => `[${i}:v]${scale}[v${i}]`).join(';');
  const inputs = imagePaths.map((_, i) => `[v${i}]`).join('');
  args.push('-filter_complex', `${chains};${inputs}concat=n=${imagePaths.length}:v=1:a=0[out]`, '-map', '[out]');
  args.push('-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', outPath);
  await run(FFMPEG_PATH, args);
  return outPath;
}

/** Launches headless system Chromium with a fake camera that plays `y4mPath`, camera permission granted. */
export async function launchChromium(y4mPath: string, extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${path.resolve(y4mPath)}`,
      ...extraArgs,
    ],
  });
}

/** Collects uncaught page errors and console errors so a test can assert there were none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  return errors;
}

/** Waits until #video (or `selector`) is playing camera frames; returns its intrinsic size. */
export async function waitForVideo(page: Page, selector = '#video', timeoutMs = 15_000): Promise<{ width: number; height: number }> {
  await page.waitForFunction(
    (sel) => {
      const v = document.querySelector(sel) as HTMLVideoElement | null;
      return !!v && v.videoWidth > 0 && v.readyState >= 2 && !v.paused;
    },
    selector,
    { timeout: timeoutMs },
  );
  return page.$eval(selector, (v) => ({ width: (v as HTMLVideoElement).videoWidth, height: (v as HTMLVideoElement).videoHeight }));
}

const DOCS_SHOTS = path.resolve(fileURLToPath(new URL('../../docs/screenshots/', import.meta.url)));
const RUN_SHOTS = path.resolve(fileURLToPath(new URL('../.tmp/screenshots/', import.meta.url)));

/**
 * Where a screenshot meant for docs/screenshots/ goes: there only with UPDATE_SCREENSHOTS=1, else to the gitignored
 * tests/.tmp/screenshots/, so that running the tests never leaves the checkout changed (the pages show the time of day,
 * so every run's pictures differ by a few pixels).
 */
export function screenshotPath(file: string): string {
  const resolved = path.resolve(file);
  if (process.env.UPDATE_SCREENSHOTS === '1' || !resolved.startsWith(DOCS_SHOTS + path.sep)) return resolved;
  return path.join(RUN_SHOTS, path.relative(DOCS_SHOTS, resolved));
}

/**
 * Saves a screenshot for the docs as a palette PNG: a third to a quarter of the bytes of Chromium's PNG, text still
 * sharp, so the README's pictures stay small in the repository. Returns where it went (see screenshotPath).
 */
export async function saveScreenshot(page: Page, file: string, opts: { fullPage?: boolean } = {}): Promise<string> {
  const png = await page.screenshot({ fullPage: opts.fullPage ?? false });
  const out = screenshotPath(file);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, await sharp(png).png({ palette: true, quality: 90, effort: 8, compressionLevel: 9 }).toBuffer());
  return out;
}
