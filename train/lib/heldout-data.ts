// Loads every network once and embeds a dataset under every degradation (cached), for the held-out and open-set evaluations.
import { parseConfig } from '../../src/server/load-config.js';
import { embedRuntimeEnv } from './runtime-env.js';
import { createFaceAnalyzer } from '../../src/server/vision/analyzer.js';
import { CONDITIONS, type Condition, type FaceBox } from './degrade.js';
import { walkDataset, type Person } from './dataset.js';
import { embedParts, evalModel, type PartsResult } from './parts.js';

export interface HeldoutData {
  people: Person[];
  byCondition: Map<Condition, Map<string, PartsResult>>;
}

export async function loadHeldoutData(opts: { root: string; conditions?: readonly Condition[]; cacheDir?: string; padRetry?: number }): Promise<HeldoutData> {
  const parsed = parseConfig({ TF_BACKEND: 'wasm', DETECT_MIN_CONFIDENCE: '0.5', MAX_FACES: '10', ...embedRuntimeEnv() });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const analyzer = await createFaceAnalyzer(parsed.config, () => {}, { model: evalModel(), padRetry: opts.padRetry });
  const people = walkDataset(opts.root).people;
  const rels = people.flatMap((p) => p.images);
  const byCondition = new Map<Condition, Map<string, PartsResult>>();
  const clean = await embedParts({ analyzer, root: opts.root, rels, condition: 'clean', cleanBoxes: new Map(), cacheDir: opts.cacheDir });
  byCondition.set('clean', clean);
  const boxes = new Map<string, FaceBox>([...clean].flatMap(([rel, r]) => (r.ok ? [[rel, r.parts.box] as const] : [])));
  for (const c of opts.conditions ?? CONDITIONS) {
    if (c === 'clean') continue;
    byCondition.set(c, await embedParts({ analyzer, root: opts.root, rels, condition: c, cleanBoxes: boxes, cacheDir: opts.cacheDir }));
  }
  return { people, byCondition };
}
