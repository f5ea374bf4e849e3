// What the Cameras page and the wall share: the camera as the REST API returns it, and its state in words.
import { h, whenText } from './dom.js';

export interface CameraStatus {
  state: 'connecting' | 'connected' | 'retrying' | 'failed' | 'stopped' | 'disabled' | 'not_pulled';
  connected: boolean;
  fpsIn: number;
  fpsProcessed: number;
  framesIn: number;
  framesProcessed: number;
  lastFrameAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  reconnects: number;
  nextRetryAt: string | null;
  ffmpegLog: string[];
  recentNames: { name: string; personId: string; at: string }[];
}

export interface Camera {
  id: string;
  name: string;
  url: string;
  hasCredentials: boolean;
  enabled: boolean;
  maxFps: number;
  status: CameraStatus;
}

const STATE_TEXT: Record<CameraStatus['state'], string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  retrying: 'Reconnecting',
  failed: 'Failed',
  stopped: 'Stopped',
  disabled: 'Disabled',
  not_pulled: 'Pulled by another server',
};

/** A coloured pill with the camera's state; a retry shows when it comes. */
export function statePill(s: CameraStatus): HTMLElement {
  const retry = s.state === 'retrying' && s.nextRetryAt ? ` in ${Math.max(0, Math.ceil((Date.parse(s.nextRetryAt) - Date.now()) / 1000))} s` : '';
  return h('span', { class: `pill cam-${s.state}`, 'data-state': s.state }, STATE_TEXT[s.state] + retry);
}

export function ratesText(s: CameraStatus): string {
  return s.connected ? `${s.fpsIn} fps in · ${s.fpsProcessed} processed` : s.lastFrameAt ? `last frame ${whenText(Date.parse(s.lastFrameAt))}` : 'no frame yet';
}

/** "Ada Lovelace (just now), Guido (3 min ago)". */
export function namesList(s: CameraStatus, max = 5): HTMLElement {
  if (s.recentNames.length === 0) return h('span', { class: 'muted' }, 'nobody recognized yet');
  return h(
    'ul',
    { class: 'seen-names' },
    s.recentNames
      .slice(0, max)
      .map((n) => h('li', { 'data-person-id': n.personId }, h('strong', {}, n.name), ' ', h('span', { class: 'muted' }, whenText(Date.parse(n.at))))),
  );
}
