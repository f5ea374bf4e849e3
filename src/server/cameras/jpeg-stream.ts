// Splits ffmpeg's MJPEG output (`-f image2pipe -c:v mjpeg`: JPEGs back to back) into whole JPEGs by their SOI (FFD8)
// and EOI (FFD9) markers. Inside a JPEG's entropy-coded data an 0xFF byte is always followed by 0x00 or a restart
// marker, so FFD9 there is the end of the image. The buffer is bounded: a frame larger than maxFrameBytes (a broken
// stream, or a camera far above the frame size this server accepts) is dropped whole and counted, and the splitter
// resynchronises on the next SOI.

export interface JpegSplitterStats {
  frames: number;
  /** Frames dropped because they grew past maxFrameBytes before their EOI. */
  oversized: number;
  /** Bytes skipped while looking for a start of image. */
  skippedBytes: number;
}

export class JpegSplitter {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Inside a frame (an SOI was seen) and not dropping an oversized one. */
  private inFrame = false;
  /** Dropping the rest of an oversized frame: bytes are skipped until its EOI. */
  private discarding = false;
  /** The previous chunk ended in 0xFF: a marker may straddle two chunks. */
  private lastWasFF = false;
  readonly stats: JpegSplitterStats = { frames: 0, oversized: 0, skippedBytes: 0 };

  constructor(
    private readonly maxFrameBytes: number,
    private readonly onFrame: (jpeg: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    // The previous chunk's last byte (0xFF, outside a frame) is skipped unless this chunk starts an SOI with it.
    if (this.lastWasFF && !this.inFrame && !this.discarding && chunk[0] !== 0xd8) this.stats.skippedBytes += 1;
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const prevFF = i === 0 ? this.lastWasFF : chunk[i - 1] === 0xff;
      const b = chunk[i]!;
      if (!prevFF) continue;
      if (!this.inFrame && !this.discarding && b === 0xd8) {
        // SOI: the frame starts at the 0xFF before it (possibly the last byte of the previous chunk).
        this.stats.skippedBytes += Math.max(0, i - 1 - start);
        this.inFrame = true;
        this.chunks = i === 0 ? [Buffer.from([0xff])] : [];
        this.size = this.chunks.length;
        start = i === 0 ? 0 : i - 1;
      } else if ((this.inFrame || this.discarding) && b === 0xd9) {
        if (this.discarding) {
          this.discarding = false;
          start = i + 1;
          continue;
        }
        this.append(chunk.subarray(start, i + 1));
        // append() may have found the frame too large at its very last bytes: then nothing is left to discard.
        if (this.inFrame) this.emit();
        else this.discarding = false;
        start = i + 1;
      }
    }
    this.lastWasFF = chunk.length > 0 && chunk[chunk.length - 1] === 0xff;
    if (this.inFrame) this.append(chunk.subarray(start));
    else if (!this.discarding) this.stats.skippedBytes += chunk.length - start - (this.lastWasFF ? 1 : 0);
  }

  /** Bytes held for the frame being assembled. */
  get buffered(): number {
    return this.size;
  }

  reset(): void {
    this.chunks = [];
    this.size = 0;
    this.inFrame = false;
    this.discarding = false;
    this.lastWasFF = false;
  }

  private append(part: Buffer): void {
    if (!this.inFrame || part.length === 0) return;
    if (this.size + part.length > this.maxFrameBytes) {
      this.stats.oversized += 1;
      this.chunks = [];
      this.size = 0;
      this.inFrame = false;
      this.discarding = true;
      return;
    }
    this.chunks.push(part);
    this.size += part.length;
  }

  private emit(): void {
    const jpeg = this.chunks.length === 1 ? Buffer.from(this.chunks[0]!) : Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    this.inFrame = false;
    this.stats.frames += 1;
    this.onFrame(jpeg);
  }
}
