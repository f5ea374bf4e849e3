// Every page's frame: finds out who the page acts as (sign-in form for an API key in keys mode), then draws the top bar
// with the pages this role may use, the role, and "sign out"; elements marked data-needs="<role>" are hidden below it.
import { h, zoneText } from './dom.js';
import { stackTables } from './stack-tables.js';
import { apiClient, can, signIn, signOut, takeLegacyKey, whoami, type Api, type Role, type Session } from './session.js';

export type PageName = 'live' | 'enrol' | 'people' | 'unknown' | 'attendance' | 'kiosk' | 'integrations' | 'cameras' | 'wall' | 'status' | 'security';

const NAV: { page: PageName; href: string; text: string; needs: Role }[] = [
  { page: 'live', href: '/', text: 'Live', needs: 'viewer' },
  { page: 'enrol', href: '/enrol.html', text: 'Enrol', needs: 'operator' },
  { page: 'people', href: '/people.html', text: 'People', needs: 'viewer' },
  { page: 'unknown', href: '/unknown.html', text: 'Unknown faces', needs: 'viewer' },
  { page: 'attendance', href: '/attendance.html', text: 'Attendance', needs: 'viewer' },
  { page: 'kiosk', href: '/kiosk.html', text: 'Kiosk', needs: 'viewer' },
  { page: 'cameras', href: '/cameras.html', text: 'Cameras', needs: 'viewer' },
  { page: 'wall', href: '/wall.html', text: 'Wall', needs: 'viewer' },
  { page: 'status', href: '/status.html', text: 'Status', needs: 'viewer' },
  { page: 'integrations', href: '/integrations.html', text: 'Integrations', needs: 'operator' },
  { page: 'security', href: '/security.html', text: 'Security', needs: 'operator' },
];

export interface Booted {
  session: Session;
  api: Api;
}

/**
 * Takes a `#key=` off the address bar (it is kept only once the server accepts it) and returns it. A fragment is never
 * sent to the server, so no request, log or Referer carries the key; the server turns an old `?key=` link into this.
 */
function takeUrlKey(): string | null {
  const url = new URL(location.href);
  const fragment = new URLSearchParams(url.hash.slice(1));
  const key = fragment.get('key');
  if (key === null) return null;
  fragment.delete('key');
  const rest = fragment.toString();
  history.replaceState(null, '', url.pathname + url.search + (rest ? `#${rest}` : ''));
  return key.trim() || null;
}

/** Shows the sign-in form and resolves with the key typed into it. */
function askForKey(message: string): Promise<string> {
  document.body.dataset.auth = 'signin';
  document.getElementById('signin')?.remove();
  return new Promise((resolve) => {
    const input = h('input', {
      id: 'signin-key',
      name: 'key',
      type: 'password',
      autocomplete: 'off',
      spellcheck: 'false',
      placeholder: 'fsk_…',
      required: true,
    });
    const form = h(
      'form',
      { id: 'signin-form', class: 'signin-card' },
      h('h1', {}, 'Facestream'),
      h('p', {}, 'This server needs an API key. Ask an admin for one (', h('code', {}, 'npm run keys -- create --name NAME --role viewer'), ').'),
      h('label', { for: 'signin-key' }, 'API key'),
      input,
      h('p', { id: 'signin-error', class: 'error', role: 'alert', hidden: !message }, message),
      h('button', { type: 'submit' }, 'Sign in'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const key = input.value.trim();
      if (key) resolve(key);
    });
    document.body.append(h('main', { id: 'signin', class: 'signin' }, form));
    input.focus();
  });
}

function drawTopbar(page: PageName, session: Session): void {
  const bar = document.querySelector<HTMLElement>('header.topbar');
  if (!bar) return;
  const who =
    session.mode === 'open'
      ? h('span', { id: 'whoami', class: 'whoami', 'data-role': session.role, title: 'AUTH_MODE=open: no keys, everyone is admin' }, 'open mode · admin')
      : h('span', { id: 'whoami', class: 'whoami', 'data-role': session.role, title: `key "${session.name}"` }, `${session.role} · ${session.name}`);
  const signOut =
    session.mode === 'keys' ? h('button', { id: 'signout', type: 'button', class: 'secondary small', onclick: () => signOutNow() }, 'Sign out') : null;
  bar.replaceChildren(
    h('a', { class: 'brand', href: '/' }, 'Facestream'),
    h(
      'nav',
      {},
      NAV.filter((n) => can(session, n.needs)).map((n) => h('a', { href: n.href, 'aria-current': n.page === page ? 'page' : null }, n.text)),
    ),
    h('span', { class: 'spacer' }),
    who,
    ...(signOut ? [signOut] : []),
  );
}

/** Signs this browser out (the server clears its key cookie) and starts over: the sign-in form, in keys mode. */
export function signOutNow(): void {
  void signOut().then(() => location.reload());
}

/**
 * Resolves once the page knows who it acts as. A key from `#key=` (or one an older version of the page left in
 * localStorage) is signed in with first; else the browser's sign-in cookie is asked about. A refused key is kept
 * nowhere, and the sign-in form asks for another.
 */
export async function boot(page: PageName): Promise<Booted> {
  let key = takeUrlKey() ?? takeLegacyKey();
  let refusedBefore = false;
  for (;;) {
    const r = key ? await signIn(key) : await whoami();
    if (r.ok) {
      document.getElementById('signin')?.remove();
      delete document.body.dataset.auth;
      document.body.dataset.role = r.session.role;
      drawTopbar(page, r.session);
      // Every page shows times in the browser's zone; say which, once, at the foot (the kiosk's screen is its own).
      if (page !== 'kiosk' && !document.getElementById('zone-note')) {
        document.body.append(h('footer', { id: 'zone-note', class: 'zone-note' }, `Times are local: ${zoneText()}.`));
      }
      stackTables();
      for (const el of document.querySelectorAll<HTMLElement>('[data-needs]')) {
        if (!can(r.session, el.dataset.needs as Role)) el.hidden = true;
      }
      return { session: r.session, api: apiClient(() => signOutNow()) };
    }
    if (r.status >= 400 && r.status < 500) {
      const msg = r.status === 429 ? `${r.message}.` : key ? `That key was refused: ${r.message}.` : refusedBefore ? 'Enter a key.' : '';
      refusedBefore = true;
      key = await askForKey(msg);
      continue;
    }
    // The server is down or restarting: say so and try again with the same key.
    document.getElementById('signin')?.remove();
    document.body.dataset.auth = 'signin';
    document.body.append(
      h(
        'main',
        { id: 'signin', class: 'signin' },
        h('div', { class: 'signin-card' }, h('h1', {}, 'Facestream'), h('p', { class: 'error' }, `Cannot reach the server (${r.message}). Retrying…`)),
      ),
    );
    await new Promise((res) => setTimeout(res, 3000));
  }
}
