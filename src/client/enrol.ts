// Enrolment page entry: the live view plus a form that runs enrol.start / enrol.cancel and shows progress, the pose
// prompts (straight, left, right) with which are done, why a view was refused, and the duplicate-person confirmation.
// The preview is mirrored (people turn their head and see it turn the same way); a viewer key sees no enrolment form.
import type { Pose } from '../shared/protocol.js';
import { byId, startLiveView } from './live.js';
import { can, type Api, type Session } from './session.js';
import { boot } from './shell.js';

const POSE_TEXT: Record<Pose, string> = {
  straight: 'Look straight at the camera',
  left: 'Turn your head slightly to your left',
  right: 'Turn your head slightly to your right',
};

function startEnrolPage(session: Session, api: Api): void {
  const view = startLiveView({ session, api, mirror: true, attendance: false });
  const { connection } = view;
  if (!can(session, 'operator')) {
    // The server would refuse enrol.start from this key: say so instead of offering a Start button.
    byId('enrol-form').hidden = true;
    for (const el of document.querySelectorAll<HTMLElement>('.enrol-only')) el.hidden = true;
    byId('enrol-forbidden').hidden = false;
    return;
  }
  const form = byId<HTMLFormElement>('enrol-form');
  const nameInput = byId<HTMLInputElement>('name');
  const startBtn = byId<HTMLButtonElement>('enrol-start');
  const cancelBtn = byId<HTMLButtonElement>('enrol-cancel');
  const progressEl = byId('enrol-progress');
  const reasonEl = byId('enrol-reason');
  const resultEl = byId('enrol-result');
  const bar = document.getElementById('enrol-bar') as HTMLProgressElement | null;
  const posesEl = byId('enrol-poses');
  const promptEl = byId('enrol-prompt');
  const confirmBtn = byId<HTMLButtonElement>('enrol-confirm');
  let lastName = '';

  const timeEl = byId('enrol-time');
  const renderPoses = (plan: Pose[], done: Pose[], wanted: Pose | null, skipped: Pose[] = []): void => {
    posesEl.replaceChildren(
      ...plan.map((p) => {
        const li = document.createElement('li');
        li.dataset.pose = p;
        li.dataset.done = String(done.includes(p));
        if (skipped.includes(p)) li.dataset.skipped = 'true';
        if (p === wanted) li.dataset.wanted = 'true';
        li.textContent = `${done.includes(p) ? '✓' : skipped.includes(p) ? '–' : '○'} ${p}${skipped.includes(p) ? ' (skipped)' : ''}`;
        return li;
      }),
    );
    promptEl.textContent = wanted
      ? POSE_TEXT[wanted]
      : plan.length > 0 && done.length === plan.length
        ? 'All poses done: a few more views, move your head a little'
        : '';
  };
  let plan: Pose[] = [];
  const begin = (name: string, allowDuplicate: boolean): void => {
    view.showError('');
    resultEl.textContent = '';
    delete resultEl.dataset.outcome;
    reasonEl.textContent = '';
    confirmBtn.hidden = true;
    lastName = name;
    const msg = { type: 'enrol.start' as const, name: name.slice(0, 100), ...(allowDuplicate ? { allowDuplicate: true } : {}) };
    if (connection.send(msg)) setEnrolling(true);
    else view.showError('Not connected to the server.');
  };

  let enrolling = false;
  const setEnrolling = (on: boolean): void => {
    enrolling = on;
    startBtn.disabled = on || !connection.ready;
    cancelBtn.disabled = !on || !connection.ready;
    nameInput.readOnly = on;
    form.dataset.enrolling = String(on);
  };
  const setProgress = (collected: number, required: number): void => {
    progressEl.textContent = `${collected} / ${required}`;
    if (bar) {
      bar.max = Math.max(1, required);
      bar.value = collected;
    }
  };
  // The server's time limit (ENROL_TIMEOUT_MS), counted down here and corrected by each progress message.
  let endsAt: number | null = null;
  setInterval(() => {
    timeEl.textContent = endsAt === null ? '' : `${Math.max(0, Math.ceil((endsAt - performance.now()) / 1000))} s left`;
  }, 250);
  /** Back to the idle panel: no prompt, no poses, empty progress, no clock; the result line stays. */
  const resetPanel = (): void => {
    endsAt = null;
    timeEl.textContent = '';
    plan = [];
    posesEl.replaceChildren();
    promptEl.textContent = '';
    reasonEl.textContent = '';
    delete reasonEl.dataset.code;
    setProgress(0, 0);
  };
  const finish = (result: string, ok: boolean): void => {
    resultEl.textContent = result;
    resultEl.dataset.outcome = ok ? 'done' : 'cancelled';
    resetPanel();
    setEnrolling(false);
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = nameInput.value.trim();
    if (!name) {
      view.showError('Enter a name first.');
      nameInput.focus();
      return;
    }
    begin(name, false);
  });
  confirmBtn.addEventListener('click', () => {
    if (lastName) begin(lastName, true);
  });
  cancelBtn.addEventListener('click', () => {
    connection.send({ type: 'enrol.cancel' });
  });

  connection.on('welcome', () => setEnrolling(enrolling));
  connection.onState((state) => {
    if (state !== 'open' && enrolling) finish('Cancelled: connection lost', false);
    else setEnrolling(enrolling);
  });
  connection.on('enrol.started', (m) => {
    setEnrolling(true);
    setProgress(0, m.required);
    reasonEl.textContent = '';
    plan = m.poses ?? [];
    renderPoses(plan, [], plan[0] ?? null);
    const timeoutMs = (m as { timeoutMs?: number }).timeoutMs;
    endsAt = timeoutMs ? performance.now() + timeoutMs : null;
  });
  connection.on('enrol.progress', (msg) => {
    // hint (the refusal seen most over the last second), poses.skipped and remainingMs come from newer servers.
    const m = msg as typeof msg & {
      hint?: { code: string; reason: string } | null;
      remainingMs?: number;
      poses?: { done: Pose[]; wanted: Pose | null; skipped?: Pose[] };
    };
    setProgress(m.collected, m.required);
    if (m.poses) renderPoses(plan, m.poses.done, m.poses.wanted, m.poses.skipped ?? []);
    if (typeof m.remainingMs === 'number') endsAt = performance.now() + m.remainingMs;
    const hint = m.hint !== undefined ? m.hint : !m.accepted && m.reason ? { code: m.code ?? '', reason: m.reason } : null;
    reasonEl.textContent = hint?.reason ?? '';
    if (hint?.code) reasonEl.dataset.code = hint.code;
    else delete reasonEl.dataset.code;
  });
  connection.on('enrol.done', (m) => {
    const views = `${m.faces} ${m.faces === 1 ? 'view' : 'views'}`;
    finish(m.created ? `Enrolled ${m.name} (${views})` : `Added ${views} to ${m.name}`, true);
    nameInput.value = '';
  });
  connection.on('enrol.cancelled', (m) => {
    if (m.code === 'duplicate' && m.duplicate) {
      finish(`Stopped: this face is already enrolled as ${m.duplicate.name} (${m.duplicate.score.toFixed(2)})`, false);
      confirmBtn.textContent = `Enrol ${lastName} anyway`;
      confirmBtn.hidden = false;
      return;
    }
    finish((m.code as string) === 'timeout' ? `Time is up: ${m.reason}` : `Cancelled: ${m.reason}`, false);
  });
  connection.on('error', (e) => {
    // The live view already shows the message in #error; an enrolment-level failure ends the attempt.
    if ((e.code as string) === 'forbidden') finish(`Not allowed: ${e.message}`, false);
    else if (enrolling && (e.code === 'enrol_failed' || e.code === 'out_of_order')) finish(`Cancelled: ${e.message}`, false);
  });
  setEnrolling(false);
}

void boot('enrol').then(({ session, api }) => startEnrolPage(session, api));
