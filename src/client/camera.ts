// Webcam access for the browser client: opens getUserMedia into a <video> and grabs JPEG frames via a hidden canvas.

export interface CameraOptions {
  width?: number;
  height?: number;
  /** JPEG quality passed to canvas.toBlob, 0..1. */
  quality?: number;
}

export interface Camera {
  readonly video: HTMLVideoElement;
  /** Label of the video track as the browser reports it (may be empty). */
  readonly label: string;
  /** True once the video has decoded at least one frame with known dimensions. */
  ready(): boolean;
  /** Count of video frames presented so far, or null where requestVideoFrameCallback is unsupported. */
  frameCount(): number | null;
  /** Encodes the current video frame as JPEG; null when no frame is available yet. */
  grab(): Promise<Uint8Array | null>;
  stop(): void;
}

/** Asks for the webcam (640x480 ideal), plays it in `video` and resolves once it is playing. */
export async function openCamera(video: HTMLVideoElement, options: CameraOptions = {}): Promise<Camera> {
  const { width = 640, height = 480, quality = 0.8 } = options;
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error('this browser cannot open a camera here (getUserMedia needs https or localhost)');
  }
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { width: { ideal: width }, height: { ideal: height } },
  });
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  await video.play();

  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { alpha: false });
  if (!ctx) throw new Error('2D canvas is not available');
  const track = stream.getVideoTracks()[0];

  // Count presented frames so the streamer can skip sending the same camera frame twice.
  let frames: number | null = null;
  if (typeof video.requestVideoFrameCallback === 'function') {
    frames = 0;
    const onFrame = (): void => {
      frames = (frames ?? 0) + 1;
      if (video.srcObject === stream) video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }

  const ready = (): boolean => video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.videoWidth > 0 && video.videoHeight > 0;

  return {
    video,
    label: track?.label ?? '',
    ready,
    frameCount: () => frames,
    async grab(): Promise<Uint8Array | null> {
      if (!ready()) return null;
      const w = video.videoWidth;
      const h = video.videoHeight;
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w;
        canvas.height = h;
      }
      ctx.drawImage(video, 0, 0, w, h);
      const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
      if (!blob) return null;
      return new Uint8Array(await blob.arrayBuffer());
    },
    stop(): void {
      for (const t of stream.getTracks()) t.stop();
      video.srcObject = null;
    },
  };
}
