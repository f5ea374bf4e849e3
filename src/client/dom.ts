// Tiny DOM helpers for the pages: build elements from tag, attributes and children; look up required elements.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** document.createElement with attributes (`on*` functions become listeners, `class`, `data-*`, booleans) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
  return el;
}

/** document.getElementById that throws when the page lacks the element. */
export function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page is missing element #${id}`);
  return el as T;
}

/** "08:59" in the browser's time zone. */
export function timeOfDay(ms: number | Date): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** "2030-01-02" in the browser's time zone. */
export function localDay(ms: number | Date): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** "3 min ago", "yesterday 14:02", "2030-01-02 14:02". */
export function whenText(ms: number | Date, now = Date.now()): string {
  const t = new Date(ms).getTime();
  const s = Math.round((now - t) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (localDay(t) === localDay(now)) return `today ${timeOfDay(t)}`;
  if (localDay(t) === localDay(now - 86_400_000)) return `yesterday ${timeOfDay(t)}`;
  return `${localDay(t)} ${timeOfDay(t)}`;
}

/** "+01:00" for the browser's offset from UTC at `ms` ("+00:00" for UTC). */
export function utcOffset(ms: number | Date): string {
  const minutes = -new Date(ms).getTimezoneOffset();
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** The browser's time zone as people read it: "Europe/Berlin, UTC+01:00" (the offset at `ms`). */
export function zoneText(ms: number | Date = Date.now()): string {
  const name = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return `${name ? `${name}, ` : ''}UTC${utcOffset(ms)}`;
}

/** ISO 8601 in the browser's time zone with its offset: "2030-01-02T08:59:00+01:00". */
export function localIso(ms: number | Date): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${localDay(d)}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}${utcOffset(d)}`;
}
