// Camera scenes for the cameras suite, made from the committed fixture photos: people who walk into view, stay and
// leave, with empty frames between them, one at a time ("entering") or two different enrolled people at once
// ("two-face"). Each person is a head-and-shoulders tile cut from a held-out photo (never an enrolment photo), moved over
// a plain background; each frame records where everyone is, and when each face is first fully in view, so an answer
// can be scored and the time from a face's entry to its name measured. The timeline is pure (unit-tested); rendering
// the JPEGs is the only part that touches sharp.
import path from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';
import { FIXTURES, HEIGHT, WIDTH } from './frames.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A held-out photo of an enrolled person and where the live detector finds the face in it (fractions of the photo). */
export interface ScenePerson {
  name: string;
  photo: string;
  face: { x: number; y: number; w: number; h: number };
}

// Face boxes from `npx tsx bench/camera-scene-faces.ts` (BlazeFace, as the server runs it, on the whole photo). Photos
// with one face only: Barack_Obama/4.jpg shows people behind him, Amy/2.jpg is cropped inside her face.
export const SCENE_PEOPLE = {
  obama3: { name: 'Barack Obama', photo: 'Barack_Obama/3.jpg', face: { x: 0.448, y: 0.136, w: 0.18, h: 0.131 } },
  obama5: { name: 'Barack Obama', photo: 'Barack_Obama/5.jpg', face: { x: 0.313, y: 0.222, w: 0.363, h: 0.573 } },
  biden2: { name: 'Joe Biden', photo: 'Joe_Biden/2.jpg', face: { x: 0.348, y: 0.184, w: 0.387, h: 0.459 } },
  guido3: { name: 'Guido van Rossum', photo: 'Guido_van_Rossum/3.jpg', face: { x: 0.301, y: 0.241, w: 0.389, h: 0.554 } },
  guido5: { name: 'Guido van Rossum', photo: 'Guido_van_Rossum/5.jpg', face: { x: 0.272, y: 0.21, w: 0.277, h: 0.219 } },
  paul3: { name: 'Paul Allen', photo: 'Paul_Allen/3.jpg', face: { x: 0.384, y: 0.138, w: 0.239, h: 0.273 } },
  paul4: { name: 'Paul Allen', photo: 'Paul_Allen/4.jpg', face: { x: 0.372, y: 0.186, w: 0.274, h: 0.451 } },
  paul5: { name: 'Paul Allen', photo: 'Paul_Allen/5.jpg', face: { x: 0.414, y: 0.166, w: 0.234, h: 0.222 } },
} satisfies Record<string, ScenePerson>;

/** A tile is this many pixels square in the 640x480 frame; the face is about 100-125 px wide in it. */
export const TILE = 260;
/** The tile is cut from the photo as a square this many face widths across (less where the photo is smaller). */
const TILE_FACE_WIDTHS = 2.5;
const TILE_TOP = Math.round((HEIGHT - TILE) / 2);

/** Scene clock (frames at 15 fps): empty frames before each arrival, the walk in or out, the stay in view. */
export const SCENE_FPS = 15;
export const TIMING = { gap: 12, walk: 8, stay: 30, aloneBeforeSecond: 8 };

/** Where a person's tile sits in one frame (frame pixels, unclipped) and their face box in it. */
export interface Placement {
  name: string;
  person: ScenePerson;
  tile: Rect;
  face: Rect;
}

/** A face entering: on the frame where it is first fully in view; how many frames until it has left the view again. */
export interface Entry {
  name: string;
  /** Frames from this one back to the first where any of the tile was in view. */
  framesSinceVisible: number;
  /** Frames from this one to the last where any of the tile is in view. */
  framesUntilGone: number;
}

export interface SceneStep {
  /** People at least partly in view. */
  placements: Placement[];
  /** Faces first fully in view on this frame. */
  entries: Entry[];
}

export type SceneKind = 'steady' | 'entering' | 'two-face';

export interface CameraScene {
  kind: SceneKind;
  description: string;
  steps: SceneStep[];
  jpegs: Uint8Array[];
}

/** The tile's crop of its photo (photo pixels) and the face box inside the tile (tile pixels). */
export function tileOf(p: ScenePerson, photoWidth: number, photoHeight: number): { crop: Rect; face: Rect } {
  const fw = p.face.w * photoWidth,
    fh = p.face.h * photoHeight;
  const side = Math.floor(Math.min(TILE_FACE_WIDTHS * fw, photoWidth, photoHeight));
  const cx = (p.face.x + p.face.w / 2) * photoWidth,
    cy = (p.face.y + p.face.h / 2) * photoHeight;
  const left = Math.round(Math.min(Math.max(0, cx - side / 2), photoWidth - side));
  const top = Math.round(Math.min(Math.max(0, cy - side / 2), photoHeight - side));
  const k = TILE / side;
  return {
    crop: { x: left, y: top, width: side, height: side },
    face: { x: (p.face.x * photoWidth - left) * k, y: (p.face.y * photoHeight - top) * k, width: fw * k, height: fh * k },
  };
}

const ease = (t: number) => 1 - (1 - t) * (1 - t); // walking in slows down to stand; walking out speeds up (mirrored)
const OFF_LEFT = -TILE;
const OFF_RIGHT = WIDTH;

/** One person's path: x of the tile per frame, from off-screen at `from` to `stayX`, standing (a little sway), out to `to`. */
function walkPath(from: number, stayX: number, to: number, stay: number): number[] {
  const xs: number[] = [];
  for (let i = 1; i <= TIMING.walk; i++) xs.push(from + (stayX - from) * ease(i / TIMING.walk));
  for (let i = 0; i < stay; i++) xs.push(stayX + 6 * Math.sin((2 * Math.PI * i) / 20));
  for (let i = 1; i <= TIMING.walk; i++) xs.push(stayX + (to - stayX) * (1 - ease(1 - i / TIMING.walk)));
  return xs;
}

const visible = (tileX: number) => tileX + TILE > 0 && tileX < WIDTH;

/** The steps of a scene from who walks where: `walks[k]` starts at frame `start` with tile x per frame. */
function stepsFrom(frames: number, walks: { person: ScenePerson; start: number; xs: number[]; faceInTile: Rect }[]): SceneStep[] {
  const steps: SceneStep[] = Array.from({ length: frames }, () => ({ placements: [], entries: [] }));
  for (const w of walks) {
    const at = (i: number) => w.xs[i - w.start]!;
    const shown: number[] = [];
    for (let i = w.start; i < w.start + w.xs.length; i++) {
      if (!visible(at(i))) continue;
      shown.push(i);
      const tile = { x: Math.round(at(i)), y: TILE_TOP, width: TILE, height: TILE };
      const face = { x: tile.x + w.faceInTile.x, y: tile.y + w.faceInTile.y, width: w.faceInTile.width, height: w.faceInTile.height };
      steps[i]!.placements.push({ name: w.person.name, person: w.person, tile, face });
    }
    const full = shown.find((i) => {
      const f = steps[i]!.placements.find((p) => p.person === w.person)!.face;
      return f.x >= 0 && f.x + f.width <= WIDTH;
    });
    if (full === undefined) throw new Error(`${w.person.photo}: the face is never fully in view`);
    steps[full]!.entries.push({ name: w.person.name, framesSinceVisible: full - shown[0]!, framesUntilGone: shown[shown.length - 1]! - full });
  }
  return steps;
}

/** Face boxes inside each tile, from the photo sizes (read once by `renderScene`, fixed numbers in tests). */
export type TileFaces = Map<ScenePerson, Rect>;

/** One person at a time: a gap, then they walk in from alternate sides, stand, and walk on out of the other side. */
export function enteringTimeline(people: ScenePerson[], faces: TileFaces): SceneStep[] {
  const per = TIMING.gap + 2 * TIMING.walk + TIMING.stay;
  const stayX = (WIDTH - TILE) / 2 - 30;
  const walks = people.map((person, k) => {
    const [from, to] = k % 2 === 0 ? [OFF_LEFT, OFF_RIGHT] : [OFF_RIGHT, OFF_LEFT];
    return { person, start: k * per + TIMING.gap, xs: walkPath(from, stayX, to, TIMING.stay), faceInTile: faces.get(person)! };
  });
  return stepsFrom(people.length * per, walks);
}

/**
 * Two different people at once: after a gap one walks in from the left and stands on the left; a little later the
 * other walks in from the right and stands beside them; both stay, then leave by the side they came from.
 */
export function twoFaceTimeline(pairs: [ScenePerson, ScenePerson][], faces: TileFaces): SceneStep[] {
  const { gap, walk, stay, aloneBeforeSecond } = TIMING;
  const per = gap + walk + aloneBeforeSecond + walk + stay + walk;
  const leftX = 40,
    rightX = WIDTH - 40 - TILE;
  const walks = pairs.flatMap(([a, b], k) => {
    if (a.name === b.name) throw new Error(`two-face scene: ${a.photo} and ${b.photo} are the same person`);
    const start = k * per + gap;
    return [
      { person: a, start, xs: walkPath(OFF_LEFT, leftX, OFF_LEFT, aloneBeforeSecond + walk + stay), faceInTile: faces.get(a)! },
      { person: b, start: start + walk + aloneBeforeSecond, xs: walkPath(OFF_RIGHT, rightX, OFF_RIGHT, stay), faceInTile: faces.get(b)! },
    ];
  });
  return stepsFrom(pairs.length * per, walks);
}

export const ENTERING_PEOPLE: ScenePerson[] = [SCENE_PEOPLE.obama3, SCENE_PEOPLE.biden2, SCENE_PEOPLE.guido3, SCENE_PEOPLE.paul4];
export const TWO_FACE_PAIRS: [ScenePerson, ScenePerson][] = [
  [SCENE_PEOPLE.obama5, SCENE_PEOPLE.paul3],
  [SCENE_PEOPLE.guido5, SCENE_PEOPLE.biden2],
  [SCENE_PEOPLE.paul5, SCENE_PEOPLE.obama3],
];

/** A plain vertical grey gradient: a wall behind the people, the same in every frame. */
async function background(): Promise<Buffer> {
  const raw = Buffer.alloc(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++) raw.fill(90 + Math.round((60 * y) / HEIGHT), y * WIDTH * 3, (y + 1) * WIDTH * 3);
  return sharp(raw, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .png()
    .toBuffer();
}

/** Every tile's pixels and face box, cut from its photo. */
async function loadTiles(people: ScenePerson[]): Promise<{ pixels: Map<ScenePerson, Buffer>; faces: TileFaces }> {
  const pixels = new Map<ScenePerson, Buffer>();
  const faces: TileFaces = new Map();
  for (const p of new Set(people)) {
    const file = path.join(FIXTURES, p.photo);
    const meta = await sharp(file).metadata();
    const { crop, face } = tileOf(p, meta.width!, meta.height!);
    pixels.set(p, await sharp(file).extract({ left: crop.x, top: crop.y, width: crop.width, height: crop.height }).resize(TILE, TILE).png().toBuffer());
    faces.set(p, face);
  }
  return { pixels, faces };
}

/** The frames of a timeline as 640x480 JPEGs (q80, as the other suites send). */
async function render(steps: SceneStep[], pixels: Map<ScenePerson, Buffer>): Promise<Uint8Array[]> {
  const wall = await background();
  const out: Uint8Array[] = [];
  for (const step of steps) {
    const layers: OverlayOptions[] = [];
    for (const p of step.placements) {
      // Cut the part of the tile inside the frame: sharp refuses overlays that reach past the edge.
      const left = Math.max(0, -p.tile.x);
      const width = Math.min(TILE, WIDTH - p.tile.x) - left;
      if (width <= 0) continue;
      const input = await sharp(pixels.get(p.person)!).extract({ left, top: 0, width, height: TILE }).toBuffer();
      layers.push({ input, left: p.tile.x + left, top: p.tile.y });
    }
    out.push(new Uint8Array(await sharp(wall).composite(layers).jpeg({ quality: 80 }).toBuffer()));
  }
  return out;
}

/** The two scenes with entering faces, rendered. */
export async function buildEnteringScenes(): Promise<{ entering: CameraScene; twoFace: CameraScene }> {
  const { pixels, faces } = await loadTiles([...ENTERING_PEOPLE, ...TWO_FACE_PAIRS.flat()]);
  const entering = enteringTimeline(ENTERING_PEOPLE, faces);
  const twoFace = twoFaceTimeline(TWO_FACE_PAIRS, faces);
  const s = (n: number) => `${(n / SCENE_FPS).toFixed(1)} s`;
  return {
    entering: {
      kind: 'entering',
      description: `one person at a time walks in from the side, stands ${s(TIMING.stay)}, walks out; ${s(TIMING.gap)} of empty frames between them; ${ENTERING_PEOPLE.map((p) => p.photo).join(', ')}; a ${s(entering.length)} loop`,
      steps: entering,
      jpegs: await render(entering, pixels),
    },
    twoFace: {
      kind: 'two-face',
      description: `two different enrolled people: one walks in and stands on the left, ${s(TIMING.walk + TIMING.aloneBeforeSecond)} later the other on the right, both stay ${s(TIMING.stay)}, then leave; ${s(TIMING.gap)} of empty frames between pairs; ${TWO_FACE_PAIRS.map(([a, b]) => `${a.photo} + ${b.photo}`).join(', ')}; a ${s(twoFace.length)} loop`,
      steps: twoFace,
      jpegs: await render(twoFace, pixels),
    },
  };
}

/** The clip a camera plays, started `offset` frames in: cameras showing one scene are not in step with each other. */
export function rotate<T>(xs: T[], offset: number): T[] {
  const k = ((offset % xs.length) + xs.length) % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}
