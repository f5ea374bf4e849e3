// Enrolment page entry: the live view plus a form that runs enrol.start / enrol.cancel and shows progress and the result.
import { byId, startLiveView } from './live.js';

function startEnrolPage(): void {
  const view = startLiveView();
  const { connection } = view;
  const form = byId<HTMLFormElement>('enrol-form');
  const nameInput = byId<HTMLInputElement>('name');
  const startBtn = byId<HTMLButtonElement>('enrol-start');
  const cancelBtn = byId<HTMLButtonElement>('enrol-cancel');
  const progressEl = byId('enrol-progress');
  const reasonEl = byId('enrol-reason');
  const resultEl = byId('enrol-result');
  const bar = document.getElementById('enrol-bar') as HTMLProgressElement | null;

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
  const finish = (result: string, ok: boolean): void => {
    resultEl.textContent = result;
    resultEl.dataset.outcome = ok ? 'done' : 'cancelled';
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
    view.showError('');
    resultEl.textContent = '';
    delete resultEl.dataset.outcome;
    reasonEl.textContent = '';
    if (connection.send({ type: 'enrol.start', name: name.slice(0, 100) })) setEnrolling(true);
    else view.showError('Not connected to the server.');
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
  });
  connection.on('enrol.progress', (m) => {
    setProgress(m.collected, m.required);
    if (!m.accepted && m.reason) reasonEl.textContent = m.reason;
  });
  connection.on('enrol.done', (m) => {
    reasonEl.textContent = '';
    finish(`Enrolled ${m.name}`, true);
  });
  connection.on('enrol.cancelled', (m) => finish(`Cancelled: ${m.reason}`, false));
  connection.on('error', (e) => {
    // The live view already shows the message in #error; an enrolment-level failure ends the attempt.
    if (enrolling && (e.code === 'enrol_failed' || e.code === 'out_of_order')) {
      finish(`Cancelled: ${e.message}`, false);
    }
  });
  setEnrolling(false);
}

startEnrolPage();
