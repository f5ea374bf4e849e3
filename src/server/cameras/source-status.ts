// What a running camera source reports: its state, frame counts and rates, and its last error (REST shows it as is).

export type SourceState = 'connecting' | 'connected' | 'retrying' | 'failed' | 'stopped';

export interface SourceStatus {
  state: SourceState;
  connected: boolean;
  fpsIn: number;
  fpsProcessed: number;
  framesIn: number;
  framesProcessed: number;
  /** Frames replaced by a newer one while the previous frame was processed (newest wins). */
  framesDropped: number;
  /** Frames over CAMERA_MAX_FRAME_BYTES, dropped whole. */
  framesOversized: number;
  lastFrameAt: string | null;
  connectedSince: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  /** Times ffmpeg was started again after the stream ended or failed. */
  reconnects: number;
  nextRetryAt: string | null;
  /** ffmpeg's last lines on stderr, credentials removed. */
  ffmpegLog: string[];
}
