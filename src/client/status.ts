// Status page: what /health, /ready, /metrics, the index and the cameras already know, shown to a person: models and
// backend, inference workers and their queues, database, gallery size and index, the operating point (threshold and
// estimated stranger rate at this gallery size), the cameras,
// and errors (camera errors of the last hour; REST and protocol errors since the server started, from /metrics).
import { ratesText, statePill, type Camera } from './camera-list.js';
import { byId, h, whenText } from './dom.js';
import type { Api } from './session.js';
import { boot } from './shell.js';

/** How often the page reads everything again, ms. */
const REFRESH_MS = 5000;
const HOUR_MS = 3_600_000;

interface Health {
  version: string;
  uptimeSeconds: number;
  inference: {
    backend: string;
    tfjs?: string;
    models?: string[];
    embeddingModel: string;
    sessionsPerWorker?: number[];
    stepsPerWorker?: Record<string, number>[];
    threads?: { configured: number; ready: number; loading: number; failed: number } | null;
  };
  gallery: { people: number; faces: number; dims: number; modelId: string; backend: string };
  operatingPoint?: OperatingPoint;
  database: string;
  auth: string;
  sessions: number;
}

interface ConditionRate {
  condition: string;
  accepted: number;
  estimate: number;
  upper95: number;
}
/** /health's operatingPoint (src/server/recognition/operating-point.ts). */
interface OperatingPoint {
  threshold: number;
  thresholdFrom: 'model' | 'MATCH_THRESHOLD';
  fpirTarget: number | null;
  calibrationGalleryPeople: number | null;
  galleryPeople: number;
  strangerRate: { basis: string; clean: ConditionRate | null; worst: ConditionRate; conditions: ConditionRate[] } | null;
  note: string;
}

const pct = (x: number) => `${(100 * x).toFixed(x > 0 && x < 0.001 ? 2 : 1)}%`;

/** The operating point as rows: the threshold, where it comes from, the estimated stranger rate and its basis. */
export function operatingPointRows(op: OperatingPoint): [string, Node | string][] {
  const from =
    op.thresholdFrom === 'model'
      ? `the model's calibrated threshold${op.fpirTarget !== null && op.calibrationGalleryPeople ? `, chosen to name ${pct(op.fpirTarget)} of strangers with ${op.calibrationGalleryPeople} people enrolled` : ''}`
      : 'set by MATCH_THRESHOLD';
  const rows: [string, Node | string][] = [
    ['Match threshold', `${op.threshold} (cosine similarity; ${from})`],
    ['Enrolled people', String(op.galleryPeople)],
  ];
  if (!op.strangerRate) return [...rows, ['Estimated stranger rate', h('span', { id: 'stranger-rate' }, `not estimated: ${op.note}`)]];
  const { clean, worst } = op.strangerRate;
  return [
    ...rows,
    [
      'Estimated stranger rate',
      h(
        'span',
        { id: 'stranger-rate', 'data-clean': clean?.estimate ?? '', 'data-worst': worst.estimate },
        clean ? `${pct(clean.estimate)}${clean.accepted === 0 ? ` (at most ${pct(clean.upper95)})` : ''} on clean photos, ` : '',
        `up to ${pct(worst.estimate)} on ${worst.condition} faces`,
      ),
    ],
    ['By condition', op.strangerRate.conditions.map((c) => `${c.condition} ${pct(c.estimate)}`).join(' · ')],
    ['Based on', h('span', { class: 'muted small-text', id: 'stranger-rate-basis' }, op.strangerRate.basis)],
  ];
}

/** `name{label="value"} 3` lines of one counter in Prometheus text, as label value -> count. */
export function counterByLabel(text: string, name: string): [string, number][] {
  const out: [string, number][] = [];
  const re = new RegExp(`^${name}\\{[^}]*="([^"]*)"[^}]*\\} (\\d+(?:\\.\\d+)?)$`, 'gm');
  for (const m of text.matchAll(re)) out.push([m[1]!, Number(m[2])]);
  return out;
}

const dl = (rows: [string, Node | string][]) =>
  h(
    'dl',
    { class: 'status-list' },
    rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
const card = (title: string, id: string, ...body: Node[]) => h('section', { class: 'status-card', id }, h('h2', {}, title), ...body);
/** The threads still loading or that failed, after the ready ones: a server is ready with one and the rest join later. */
const threadsNote = (t: Health['inference']['threads']) =>
  !t ? '' : [t.loading ? ` · ${t.loading} more loading` : '', t.failed ? ` · ${t.failed} failed to load (see the log)` : ''].join('');
const uptime = (s: number) => (s < 3600 ? `${Math.round(s / 60)} min` : s < 86_400 ? `${(s / 3600).toFixed(1)} h` : `${(s / 86_400).toFixed(1)} days`);

function startStatus(api: Api): void {
  const root = byId('status-page');
  const refresh = async () => {
    const [health, ready, index, cameras, metrics] = await Promise.all([
      fetch('/health').then((r) => r.json() as Promise<Health>),
      fetch('/ready').then((r) => r.json() as Promise<{ ready: boolean; reason?: string }>),
      api
        .get<{ threshold: number; staleFaces: number; reenrolFaces: number; facesByModel: { modelId: string; faces: number }[] }>('/api/v1/index')
        .catch(() => null),
      api.get<{ items: Camera[] }>('/api/v1/cameras').catch(() => ({ items: [] as Camera[] })),
      api
        .blob('/metrics')
        .then((b) => b.text())
        .catch(() => ''),
    ]);
    const inf = health.inference;
    const now = Date.now();
    const cameraErrors = cameras.items.filter((c) => c.status.lastErrorAt && now - Date.parse(c.status.lastErrorAt) < HOUR_MS);
    const restErrors = counterByLabel(metrics, 'facestream_http_errors_total').filter(([code]) => code !== 'not_found');
    const protocolErrors = counterByLabel(metrics, 'facestream_protocol_errors_total');
    root.replaceChildren(
      card(
        'Server',
        'status-server',
        dl([
          ['Ready', h('span', { class: `pill ${ready.ready ? 'cam-connected' : 'cam-failed'}` }, ready.ready ? 'Ready' : `Not ready: ${ready.reason ?? ''}`)],
          ['Version', health.version],
          ['Up for', uptime(health.uptimeSeconds)],
          ['Database', health.database === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'],
          ['Auth', health.auth],
          ['Browser cameras connected', String(health.sessions)],
        ]),
      ),
      card(
        'Recognition',
        'status-models',
        dl([
          ['Embedding model', inf.embeddingModel],
          ['Backend', `${inf.backend}${inf.tfjs ? ` (tfjs ${inf.tfjs})` : ''}`],
          [
            'Models',
            h(
              'ul',
              { class: 'seen-names' },
              (inf.models ?? []).map((m) => h('li', {}, m)),
            ),
          ],
          [
            'Inference workers',
            inf.sessionsPerWorker
              ? inf.sessionsPerWorker
                  .map(
                    (n, i) => `#${i + 1}: ${n} camera${n === 1 ? '' : 's'}, ${Object.values(inf.stepsPerWorker?.[i] ?? {}).reduce((a, b) => a + b, 0)} steps`,
                  )
                  .join(' · ') + threadsNote(inf.threads)
              : '—',
          ],
        ]),
      ),
      card(
        'Operating point',
        'status-operating-point',
        health.operatingPoint
          ? dl(operatingPointRows(health.operatingPoint))
          : dl([['Match threshold', index ? `${index.threshold} (cosine similarity)` : '—']]),
        h(
          'p',
          { class: 'muted small-text' },
          'The share of strangers the threshold names grows with the number of people enrolled (docs/accuracy.md, "Gallery size").',
        ),
      ),
      card(
        'Gallery',
        'status-gallery',
        dl([
          ['People', String(health.gallery.people)],
          ['Faces', String(health.gallery.faces)],
          ['Index', `${health.gallery.backend}, ${health.gallery.dims} dimensions`],
          ['Faces of another model', index ? String(index.staleFaces) : '—'],
          [
            'Faces to enrol again',
            !index
              ? '—'
              : index.reenrolFaces + index.staleFaces > 0
                ? h('a', { href: '/people.html?enrolAgain=1', id: 'enrol-again-link' }, `${index.reenrolFaces + index.staleFaces} · see who`)
                : '0',
          ],
          ['Faces by model', index ? index.facesByModel.map((m) => `${m.modelId}: ${m.faces}`).join(', ') || 'none' : '—'],
        ]),
      ),
      card(
        'Cameras',
        'status-cameras',
        cameras.items.length === 0
          ? h('p', { class: 'muted' }, 'No server-pulled cameras.')
          : h(
              'ul',
              { class: 'seen-names' },
              cameras.items.map((c) =>
                h(
                  'li',
                  { 'data-camera-name': c.name },
                  h('strong', {}, c.name),
                  ' ',
                  statePill(c.status),
                  ' ',
                  h('span', { class: 'muted' }, ratesText(c.status)),
                ),
              ),
            ),
      ),
      card(
        'Errors',
        'status-errors',
        dl([
          [
            'Camera errors, last hour',
            cameraErrors.length === 0
              ? 'none'
              : h(
                  'ul',
                  { class: 'seen-names' },
                  cameraErrors.map((c) => h('li', {}, h('strong', {}, c.name), ` ${whenText(Date.parse(c.status.lastErrorAt!))}: ${c.status.lastError}`)),
                ),
          ],
          ['REST errors since start', restErrors.length ? restErrors.map(([k, n]) => `${k} ${n}`).join(', ') : 'none'],
          ['Camera protocol errors since start', protocolErrors.length ? protocolErrors.map(([k, n]) => `${k} ${n}`).join(', ') : 'none'],
        ]),
      ),
    );
    byId('status-error').hidden = true;
  };
  const tick = () =>
    refresh().catch((err: unknown) => {
      byId('status-error').textContent = `Could not read the server's status: ${err instanceof Error ? err.message : String(err)}`;
      byId('status-error').hidden = false;
    });
  void tick();
  setInterval(() => void tick(), REFRESH_MS);
}

void boot('status').then(({ api }) => startStatus(api));
