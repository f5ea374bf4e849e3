// The trainable projection head over frozen 128-d embeddings: y = normalise(W x + b), W initialised to the identity,
// so step 0 is exactly the base model. Trained with tfjs; inference and export use models.ts's pure-JS applyHead.
import type { HeadWeights } from '../../src/server/vision/models.js';

export interface TrainableHead {
  variables: any[];
  /** [n, d] tensor → [n, d] unit rows. */
  forward(x: any): any;
  /**
   * Triplet loss over anchor, positive and negative rows [t, d] + a pull towards the identity that keeps a head trained
   * on few people close to the base. The rows are gathered by the caller: tfjs-wasm has no gradient for gather.
   */
  loss(xa: any, xp: any, xn: any, margin: number, reg: number): any;
  toWeights(): HeadWeights;
  setWeights(w: HeadWeights): void;
}

export function createHead(tf: any, dims: number): TrainableHead {
  const eye = tf.eye(dims);
  const W = tf.variable(tf.eye(dims), true, 'head_w');
  const b = tf.variable(tf.zeros([dims]), true, 'head_b');
  const forward = (x: any) =>
    tf.tidy(() => {
      const y = tf.add(tf.matMul(x, W, false, true), b);
      return tf.div(y, tf.maximum(tf.norm(y, 2, 1, true), 1e-9));
    });
  return {
    variables: [W, b],
    forward,
    loss(xa, xp, xn, margin, reg) {
      return tf.tidy(() => {
        const ya = forward(xa),
          yp = forward(xp),
          yn = forward(xn);
        const dap = tf.sum(tf.square(tf.sub(ya, yp)), 1),
          dan = tf.sum(tf.square(tf.sub(ya, yn)), 1);
        const triplet = tf.mean(tf.relu(tf.add(tf.sub(dap, dan), margin)));
        return tf.add(triplet, tf.mul(reg, tf.sum(tf.square(tf.sub(W, eye)))));
      });
    },
    toWeights() {
      const w = W.arraySync() as number[][];
      const bias = b.arraySync() as number[];
      return { kind: 'mlp', layers: [{ w, b: bias, activation: 'linear' }] };
    },
    setWeights(hw) {
      const layer = hw.layers[0]!;
      W.assign(tf.tensor2d(layer.w));
      b.assign(tf.tensor1d(layer.b));
    },
  };
}
