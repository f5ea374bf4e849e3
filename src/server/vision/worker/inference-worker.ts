// An inference worker thread: owns one analyzer (models, tensors) and answers requests from the server thread.
// Frames stay here between `analyze` and `embed`; the server holds only their ids.
import { parentPort, workerData } from 'node:worker_threads';
import { createFaceAnalyzer, type AnalyzedFrame } from '../analyzer.js';
import { resolveModel } from '../models.js';
import type { RemoteFrame, WorkerInit, WorkerReady, WorkerReply, WorkerRequest } from './messages.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const analyzer = await createFaceAnalyzer(init, () => {}, { model: resolveModel(init.modelId) });
const frames = new Map<number, AnalyzedFrame>();
let nextFrameId = 1;

async function handle(req: WorkerRequest): Promise<unknown> {
  switch (req.op) {
    case 'analyze': {
      const result = await analyzer.analyze(req.bytes, req.maxPixels, req.opts);
      if (!result.ok) return result;
      const frameId = nextFrameId++;
      frames.set(frameId, result.frame);
      const { width, height, faces, timings, motion, still } = result.frame;
      return { ok: true, frame: { frameId, width, height, faces, timings, motion, still } satisfies RemoteFrame };
    }
    case 'embed': {
      const frame = frames.get(req.frameId);
      if (!frame) throw new Error(`frame ${req.frameId} was released`);
      return frame.embed(req.indices, req.wideChips === undefined ? undefined : { wideChips: req.wideChips });
    }
    case 'spoof': {
      const frame = frames.get(req.frameId);
      if (!frame) throw new Error(`frame ${req.frameId} was released`);
      return frame.spoof(req.indices);
    }
    case 'release':
      frames.get(req.frameId)?.release();
      frames.delete(req.frameId);
      return null;
    case 'embedAll':
      return analyzer.embedAll(req.bytes, req.maxPixels);
    case 'embedChips':
      return analyzer.embedChips(req.chips);
  }
}

port.on('message', (msg: { id: number; req: WorkerRequest }) => {
  handle(msg.req).then(
    (value) => port.postMessage({ id: msg.id, ok: true, value, tensors: analyzer.tensorCount() } satisfies WorkerReply),
    (err: unknown) => port.postMessage({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies WorkerReply),
  );
});

port.postMessage({
  ready: true,
  backend: analyzer.backend,
  tfVersion: analyzer.tfVersion,
  modelId: analyzer.modelId,
  dims: analyzer.dims,
  models: analyzer.models,
  threshold: analyzer.threshold,
} satisfies WorkerReady);
