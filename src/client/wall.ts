// The wall: every camera the server pulls on one page, each with its latest annotated snapshot (boxes and names drawn
// by the server), its state and the names it saw last, refreshed every second.
import { namesList, ratesText, statePill, type Camera } from './camera-list.js';
import { byId, h } from './dom.js';
import type { Api } from './session.js';
import { boot } from './shell.js';

/** How often statuses and snapshots are fetched again, ms. */
const REFRESH_MS = 1000;

interface Tile {
  root: HTMLElement;
  img: HTMLImageElement;
  placeholder: HTMLElement;
  state: HTMLElement;
  rates: HTMLElement;
  names: HTMLElement;
  objectUrl: string | null;
}

function startWall(api: Api): void {
  const grid = byId('wall');
  const tiles = new Map<string, Tile>();
  let busy = false;

  const tileFor = (c: Camera): Tile => {
    const existing = tiles.get(c.id);
    if (existing) return existing;
    const img = h('img', { alt: `latest frame of ${c.name}`, hidden: true });
    const placeholder = h('div', { class: 'wall-placeholder muted' }, 'No frame yet');
    const tile: Tile = {
      img,
      placeholder,
      state: h('span', {}),
      rates: h('span', { class: 'muted small-text' }),
      names: h('div', { class: 'wall-names' }),
      objectUrl: null,
      root: h('li', { class: 'wall-tile', 'data-camera-id': c.id, 'data-camera-name': c.name }),
    };
    tile.root.append(
      h('div', { class: 'wall-frame' }, img, placeholder),
      h('div', { class: 'wall-head' }, h('strong', {}, c.name), tile.state),
      tile.rates,
      tile.names,
    );
    tiles.set(c.id, tile);
    return tile;
  };

  const update = async (c: Camera, tile: Tile) => {
    tile.state.replaceChildren(statePill(c.status));
    tile.rates.textContent = ratesText(c.status);
    tile.names.replaceChildren(namesList(c.status));
    if (c.status.framesProcessed === 0) return;
    const url = await api.imageUrl(`/api/v1/cameras/${c.id}/snapshot.jpg`);
    if (!url) return;
    if (tile.objectUrl) URL.revokeObjectURL(tile.objectUrl);
    tile.objectUrl = url;
    tile.img.src = url;
    tile.img.hidden = false;
    tile.placeholder.hidden = true;
  };

  const refresh = async () => {
    if (busy) return; // a slow server: skip a beat rather than pile requests up
    busy = true;
    try {
      const { items } = await api.get<{ items: Camera[] }>('/api/v1/cameras');
      const shown = items.filter((c) => c.enabled);
      for (const id of [...tiles.keys()]) {
        if (!shown.some((c) => c.id === id)) {
          const gone = tiles.get(id)!;
          if (gone.objectUrl) URL.revokeObjectURL(gone.objectUrl);
          gone.root.remove();
          tiles.delete(id);
        }
      }
      grid.replaceChildren(...shown.map((c) => tileFor(c).root));
      byId('wall-empty').hidden = shown.length > 0;
      byId('wall-error').hidden = true;
      await Promise.all(shown.map((c) => update(c, tileFor(c))));
    } catch (err) {
      byId('wall-error').textContent = `Could not load the cameras: ${err instanceof Error ? err.message : String(err)}`;
      byId('wall-error').hidden = false;
    } finally {
      busy = false;
    }
  };
  void refresh();
  setInterval(() => void refresh(), REFRESH_MS);
}

void boot('wall').then(({ api }) => startWall(api));
