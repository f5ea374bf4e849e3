// A gallery moves between models at start: faces of a compatible model are re-embedded from their stored crops,
// faces of an unknown model are refused with a log line, and the moved embeddings match fresh ones.
import fs from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { reembedGallery } from '../../src/server/gallery/reembed.js';
import { silentLogger } from '../../src/server/log.js';
import { openStore, MEMORY } from '../../src/server/store/db.js';
import type { ModelAnalyzer } from '../../src/server/vision/analyzer.js';
import { testConfig } from '../helpers/server.js';
import { createFaceAnalyzer } from '../../src/server/vision/analyzer.js';
import { EMBEDDING_MODEL_ID } from '../../src/server/vision/embedder.js';

describe('gallery re-embedding between models', () => {
  it('re-embeds compatible faces from crops and refuses the others', { timeout: 120_000 }, async () => {
    // The ResNet alone: this test re-embeds old ResNet-family faces into it (the fused default has tests of its own).
    const analyzer = (await createFaceAnalyzer(testConfig({ EMBEDDING_MODEL: EMBEDDING_MODEL_ID }), () => {})) as ModelAnalyzer;
    const r = await analyzer.embedAll(fs.readFileSync('tests/fixtures/faces/Barack_Obama/1.jpg'), 4096 * 4096);
    if (!r.ok || !r.faces[0]) throw new Error('fixture face not found');
    const face = r.faces[0];
    const crop = new Uint8Array(
      await sharp(Buffer.from(face.chip), { raw: { width: 150, height: 150, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
    const store = await openStore({ dataDir: MEMORY });
    try {
      const wrong = Float32Array.from({ length: 128 }, (_, i) => (i === 0 ? 1 : 0));
      await store.commitEnrolment({ name: 'Old model', modelId: 'dlib-resnet128.chip150.v1', faces: [{ embedding: wrong, crop }] });
      await store.commitEnrolment({ name: 'Unknown model', modelId: 'mystery-model', faces: [{ embedding: Float32Array.from([1, 0]), crop }] });
      await store.commitEnrolment({ name: 'No crop', modelId: 'dlib-resnet128.chip150.v1', faces: [{ embedding: wrong }] });
      const warnings: string[] = [];
      const log = { ...silentLogger, warn: (m: string) => void warnings.push(m) };
      const res = await reembedGallery({ store, model: analyzer.manifest, embedChips: (c) => analyzer.embedChips(c), log });
      expect(res.reembedded).toBe(1);
      expect(res.refused).toHaveLength(2);
      expect(res.refused).toEqual(
        expect.arrayContaining([
          { modelId: 'mystery-model', faces: 1, reason: expect.stringMatching(/unknown here/) },
          { modelId: 'dlib-resnet128.chip150.v1', faces: 1, reason: expect.stringMatching(/no stored crop/) },
        ]),
      );
      expect(warnings.join('\n')).toMatch(
        /1 faces enrolled with model mystery-model cannot be re-embedded for dlib-resnet128\.chip150\.crop1\.25\.flip\.v1.*re-enrol/,
      );
      const templates = await store.listFaceTemplates(analyzer.modelId);
      expect(templates.map((t) => t.personName)).toEqual(['Old model']);
      let cos = 0;
      for (let i = 0; i < 128; i++) cos += templates[0]!.embedding[i]! * face.embedding[i]!;
      expect(cos).toBeGreaterThan(0.98); // the same chip, through a JPEG round trip
      expect(await store.countFacesNotFromModel(analyzer.modelId)).toBe(2);
    } finally {
      await store.close();
    }
  });
});
