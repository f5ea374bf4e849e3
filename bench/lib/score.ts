// Scores one frame's answer against who is in it: the right name per labelled face, and names given to faces nobody
// labelled (a bystander named as someone is as wrong as a missed face). Pure, the same for the project and the baseline.
import type { Frame } from './frames.js';

export interface Reported {
  box: [number, number, number, number];
  name: string | null;
}
export interface Score {
  faces: number;
  right: number;
  missed: number;
  wrongName: number;
  falseNames: number;
}

export const emptyScore = (): Score => ({ faces: 0, right: 0, missed: 0, wrongName: 0, falseNames: 0 });

export function addScore(a: Score, b: Score): Score {
  return {
    faces: a.faces + b.faces,
    right: a.right + b.right,
    missed: a.missed + b.missed,
    wrongName: a.wrongName + b.wrongName,
    falseNames: a.falseNames + b.falseNames,
  };
}

const centre = (b: Reported['box']) => ({ x: b[0] + b[2] / 2, y: b[1] + b[3] / 2 });
const area = (b: Reported['box']) => b[2] * b[3];

export function scoreFrame(frame: Pick<Frame, 'faces'>, reported: Reported[]): Score {
  const s = emptyScore();
  const used = new Set<number>();
  for (const want of frame.faces) {
    s.faces++;
    let pick = -1;
    if (want.x === undefined || want.y === undefined) {
      // A one-person photo: that person is the largest face.
      reported.forEach((r, i) => {
        if (!used.has(i) && (pick < 0 || area(r.box) > area(reported[pick]!.box))) pick = i;
      });
    } else {
      let best = Infinity;
      reported.forEach((r, i) => {
        const c = centre(r.box);
        const d = Math.hypot(c.x - want.x!, c.y - want.y!);
        // Within the face's own size of where it should be.
        if (!used.has(i) && d < Math.max(30, r.box[2]) && d < best) ((best = d), (pick = i));
      });
    }
    if (pick < 0) {
      s.missed++;
      continue;
    }
    used.add(pick);
    if (reported[pick]!.name === want.name) s.right++;
    else s.wrongName++;
  }
  reported.forEach((r, i) => {
    if (!used.has(i) && r.name !== null) s.falseNames++;
  });
  return s;
}
