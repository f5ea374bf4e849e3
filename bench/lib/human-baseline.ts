// "Human the straightforward way": @vladmandic/human with its default configuration, `human.detect()` on each decoded
// frame and `human.match.find()` of each face against the enrolled people's embeddings, named at Human's documented
// similarity of 0.5. Runs in the benchmark's own process, on the same backend the server uses.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { loadRuntime } from '../../src/server/vision/runtime.js';
import { FIXTURES } from './frames.js';
import type { Reported } from './score.js';

/** Human's match.ts: "similarity above 0.5 can be considered a match". */
export const HUMAN_MATCH_SIMILARITY = 0.5;

export interface HumanBaseline {
  backend: string;
  version: string;
  /** Detects and names every face of one JPEG; decode included, as the project's round trip includes it. */
  recognise(jpeg: Uint8Array): Promise<Reported[]>;
  /** CPU seconds this process has used (Human runs here). */
  cpuSeconds(): number;
}

export async function createHumanBaseline(opts: {
  cache: boolean;
  enrolled: { name: string; photos: string[] }[];
}): Promise<HumanBaseline & { enrolledFaces: number }> {
  const rt = await loadRuntime('auto', () => {});
  const make = async (extra: Record<string, unknown>) => {
    // Only where the models are and which backend: everything else is Human's default.
    const h = new rt.Human({ backend: rt.backend, modelBasePath: `file://${rt.modelDirs.human}/`, debug: false, ...extra });
    await h.load();
    return h;
  };
  const human = await make(opts.cache ? {} : { cacheSensitivity: 0 });
  const toTensor = async (jpeg: Uint8Array) => {
    const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return rt.tf.tensor(new Int32Array(data), [1, info.height, info.width, 3], 'int32');
  };
  const detect = async (h: any, jpeg: Uint8Array) => {
    const t = await toTensor(jpeg);
    try {
      const res = await h.detect(t);
      if (res.error) throw new Error(`human.detect: ${res.error}`);
      return res.face as any[];
    } finally {
      t.dispose();
    }
  };
  // Enrolment photos embedded by Human's own description model (a separate instance, so no cache carries over).
  const enroller = await make({ cacheSensitivity: 0 });
  const names: string[] = [];
  const db: number[][] = [];
  for (const p of opts.enrolled) {
    for (const rel of p.photos) {
      const faces = await detect(enroller, new Uint8Array(fs.readFileSync(path.join(FIXTURES, rel))));
      const main = faces.sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3])[0];
      if (main?.embedding?.length) (names.push(p.name), db.push(Array.from(main.embedding as number[])));
    }
  }
  return {
    backend: rt.backend,
    version: human.version,
    enrolledFaces: db.length,
    cpuSeconds: () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    },
    async recognise(jpeg) {
      const faces = await detect(human, jpeg);
      return faces.map((f) => {
        const m = human.match.find(Array.from(f.embedding ?? []), db);
        return { box: f.box as Reported['box'], name: m.index >= 0 && m.similarity >= HUMAN_MATCH_SIMILARITY ? names[m.index]! : null };
      });
    },
  };
}
