// Runs a parsed TensorFlow Lite graph (tflite.ts) with TF.js ops on whatever backend is loaded, so the .tflite weights
// need no tflite runtime. Weights become TF.js tensors once; the batch size is free (the file's is fixed).
import type * as TF from '@tensorflow/tfjs';
import type { TfliteGraph, TfliteOperator } from './tflite.js';

type Tf = typeof TF;

export interface TfliteModel {
  /** [n, h, w, c] float32 in, the graph's single output out (batch n). The caller owns and disposes both. */
  predict(input: TF.Tensor4D): TF.Tensor;
  /** Frees the weight tensors. */
  dispose(): void;
}

/**
 * PReLU as the converter wrote it: relu(x) + c * (x - |x|), five ops over the whole activation. Found here so it runs
 * as one tf.prelu with alpha = 2c (x - |x| is 2x below zero, 0 above); same arithmetic, a fifth of the memory traffic.
 */
function findPrelus(ops: TfliteOperator[], isConst: (t: number) => boolean) {
  const found = new Map<number, { x: number; alpha: number; out: number }>();
  for (let i = 0; i + 4 < ops.length; i++) {
    const [relu, abs, sub, mul, add] = ops.slice(i, i + 5) as [TfliteOperator, TfliteOperator, TfliteOperator, TfliteOperator, TfliteOperator];
    const x = relu.inputs[0]!;
    if (relu.op !== 'RELU' || abs.op !== 'ABS' || sub.op !== 'SUB' || mul.op !== 'MUL' || add.op !== 'ADD') continue;
    if (abs.inputs[0] !== x || sub.inputs[0] !== x || sub.inputs[1] !== abs.outputs[0]) continue;
    const alpha = mul.inputs.find(isConst),
      other = mul.inputs.find((t) => !isConst(t));
    if (alpha === undefined || other !== sub.outputs[0] || sub.activation !== 'none' || mul.activation !== 'none' || add.activation !== 'none') continue;
    if (!add.inputs.includes(relu.outputs[0]!) || !add.inputs.includes(mul.outputs[0]!)) continue;
    found.set(i, { x, alpha, out: add.outputs[0]! });
  }
  return found;
}

export function createTfliteModel(tf: Tf, graph: TfliteGraph): TfliteModel & { readonly prelus: number } {
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) throw new Error('only graphs with one input and one output are supported');
  const inputBatch = graph.tensors[graph.inputs[0]!]!.shape[0];
  const consts = new Map<string, TF.Tensor>();
  const isConst = (t: number) => graph.tensors[t]?.data != null;
  const constant = (t: number, layout?: 'conv' | 'depthwise', scale = 1): TF.Tensor => {
    const key = `${t}:${layout ?? 'plain'}:${scale}`;
    let v = consts.get(key);
    if (!v) {
      const spec = graph.tensors[t]!;
      const data = scale === 1 ? spec.data! : (spec.data as Float32Array).map((a) => a * scale);
      v = tf.tidy(() => {
        const raw = tf.tensor(data, spec.shape, spec.dtype);
        // tflite filters are [out, h, w, in] and depthwise [1, h, w, in*mult]; TF.js wants [h, w, in, out] and [h, w, in, mult].
        if (layout === 'conv') return tf.transpose(raw, [1, 2, 3, 0]);
        if (layout === 'depthwise') return tf.reshape(raw, [spec.shape[1]!, spec.shape[2]!, -1, 1]);
        return raw;
      });
      // Kept: the first predict() creates them inside its tidy, and they must outlive it.
      consts.set(key, tf.keep(v));
    }
    return v;
  };
  const prelus = findPrelus(graph.operators, isConst);

  function predict(input: TF.Tensor4D): TF.Tensor {
    return tf.tidy(() => {
      const values = new Map<number, TF.Tensor>([[graph.inputs[0]!, input]]);
      const get = (t: number) => values.get(t) ?? constant(t);
      for (let i = 0; i < graph.operators.length; i++) {
        const prelu = prelus.get(i);
        if (prelu) {
          values.set(prelu.out, tf.prelu(get(prelu.x), constant(prelu.alpha, undefined, 2)));
          i += 4;
          continue;
        }
        const op = graph.operators[i]!;
        const [a, b, c] = op.inputs;
        const act = op.activation === 'none' ? 'linear' : op.activation;
        let y: TF.Tensor;
        switch (op.op) {
          case 'CONV_2D':
            y = tf.fused.conv2d({
              x: get(a!) as TF.Tensor4D,
              filter: constant(b!, 'conv') as TF.Tensor4D,
              bias: c !== undefined && c >= 0 ? constant(c) : undefined,
              strides: op.strides!,
              pad: op.padding!,
              dilations: op.dilations!,
              activation: act,
            });
            break;
          case 'DEPTHWISE_CONV_2D':
            if (op.depthMultiplier !== 1) throw new Error('depthwise convolutions with a depth multiplier other than 1 are not supported');
            y = tf.fused.depthwiseConv2d({
              x: get(a!) as TF.Tensor4D,
              filter: constant(b!, 'depthwise') as TF.Tensor4D,
              bias: c !== undefined && c >= 0 ? constant(c) : undefined,
              strides: op.strides!,
              pad: op.padding!,
              dilations: op.dilations!,
              activation: act,
            });
            break;
          case 'RELU':
            y = tf.relu(get(a!));
            break;
          case 'ABS':
            y = tf.abs(get(a!));
            break;
          case 'ADD':
          case 'SUB':
          case 'MUL': {
            const f = op.op === 'ADD' ? tf.add : op.op === 'SUB' ? tf.sub : tf.mul;
            y = f(get(a!), get(b!));
            if (op.activation === 'relu') y = tf.relu(y);
            else if (op.activation === 'relu6') y = tf.relu6(y);
            break;
          }
          case 'RESHAPE': {
            const shape = op.newShape ?? Array.from(graph.tensors[b!]!.data as Int32Array);
            // The file's batch is fixed; keep whatever batch came in.
            y = tf.reshape(
              get(a!),
              shape.map((d, k) => (k === 0 && d === inputBatch ? -1 : d)),
            );
            break;
          }
          default:
            throw new Error(`operator ${op.op} is not supported`);
        }
        values.set(op.outputs[0]!, y);
      }
      return get(graph.outputs[0]!);
    });
  }

  return {
    predict,
    /** PReLUs found and run as one op each (for tests: the pattern match must not silently stop matching). */
    prelus: prelus.size,
    dispose() {
      for (const t of consts.values()) t.dispose();
      consts.clear();
    },
  };
}
