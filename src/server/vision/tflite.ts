// Reads a float32 TensorFlow Lite model (the .tflite flatbuffer) into a plain graph: tensors with their constant data,
// and operators in execution order with their options. Only what a small CNN needs; anything else is refused by name.
import { ByteBuffer } from 'flatbuffers';

/** BuiltinOperator codes from tensorflow/lite/schema/schema.fbs, for the op types this reader knows. */
const OP_NAMES: Record<number, string> = { 0: 'ADD', 3: 'CONV_2D', 4: 'DEPTHWISE_CONV_2D', 18: 'MUL', 19: 'RELU', 22: 'RESHAPE', 41: 'SUB', 101: 'ABS' };
const ACTIVATIONS: Record<number, TfliteActivation> = { 0: 'none', 1: 'relu', 3: 'relu6' };
const FLOAT32 = 0;
const INT32 = 2;

export type TfliteActivation = 'none' | 'relu' | 'relu6';

export interface TfliteTensor {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  /** Constant data (weights), or null for activations and the graph input. */
  data: Float32Array | Int32Array | null;
}

export interface TfliteOperator {
  op: string;
  inputs: number[];
  outputs: number[];
  /** CONV_2D / DEPTHWISE_CONV_2D: padding and strides; every fused op: its activation; RESHAPE: new_shape. */
  padding?: 'same' | 'valid';
  strides?: [number, number];
  dilations?: [number, number];
  depthMultiplier?: number;
  activation?: TfliteActivation;
  newShape?: number[];
}

export interface TfliteGraph {
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
}

export class TfliteFormatError extends Error {
  readonly code = 'tflite_unsupported';
}

/** One flatbuffer table: field(i) is the byte position of field i (schema order), or 0 when it is absent. */
function table(bb: ByteBuffer, pos: number) {
  const field = (i: number) => {
    const o = bb.__offset(pos, 4 + 2 * i);
    return o ? pos + o : 0;
  };
  const vector = (i: number): { start: number; length: number } => {
    const f = field(i);
    return f ? { start: bb.__vector(f), length: bb.__vector_len(f) } : { start: 0, length: 0 };
  };
  return {
    int: (i: number, def = 0) => (field(i) ? bb.readInt32(field(i)) : def),
    uint: (i: number, def = 0) => (field(i) ? bb.readUint32(field(i)) : def),
    byte: (i: number, def = 0) => (field(i) ? bb.readInt8(field(i)) : def),
    ubyte: (i: number, def = 0) => (field(i) ? bb.readUint8(field(i)) : def),
    string: (i: number) => (field(i) ? (bb.__string(field(i)) as string) : ''),
    child: (i: number) => (field(i) ? table(bb, bb.__indirect(field(i))) : null),
    ints: (i: number) => {
      const v = vector(i);
      return Array.from({ length: v.length }, (_, k) => bb.readInt32(v.start + 4 * k));
    },
    tables: (i: number) => {
      const v = vector(i);
      return Array.from({ length: v.length }, (_, k) => table(bb, bb.__indirect(v.start + 4 * k)));
    },
    bytes: (i: number) => {
      const v = vector(i);
      return bb.bytes().subarray(v.start, v.start + v.length);
    },
  };
}

/** Copies a little-endian byte range into a typed array (flatbuffer data is not always 4-byte aligned). */
function typed(bytes: Uint8Array, dtype: 'float32' | 'int32'): Float32Array | Int32Array {
  const copy = bytes.slice().buffer;
  return dtype === 'float32' ? new Float32Array(copy) : new Int32Array(copy);
}

export function parseTflite(file: Uint8Array): TfliteGraph {
  if (file.length < 8 || String.fromCharCode(...file.subarray(4, 8)) !== 'TFL3') throw new TfliteFormatError('not a TensorFlow Lite file (no TFL3 identifier)');
  const bb = new ByteBuffer(file);
  // Model: 1 operator_codes, 2 subgraphs, 4 buffers. OperatorCode: 0 deprecated_builtin_code, 3 builtin_code.
  const model = table(bb, bb.readInt32(bb.position()) + bb.position());
  const opCodes = model.tables(1).map((c) => Math.max(c.byte(0), c.int(3)));
  const buffers = model.tables(4).map((b) => b.bytes(0));
  const subgraphs = model.tables(2);
  if (subgraphs.length !== 1) throw new TfliteFormatError(`expected one subgraph, found ${subgraphs.length}`);
  const g = subgraphs[0]!;
  // SubGraph: 0 tensors, 1 inputs, 2 outputs, 3 operators. Tensor: 0 shape, 1 type, 2 buffer, 3 name.
  const tensors = g.tables(0).map((t): TfliteTensor => {
    const type = t.byte(1);
    if (type !== FLOAT32 && type !== INT32) throw new TfliteFormatError(`tensor ${t.string(3)} has type ${type}; only float32 and int32 models are read`);
    const dtype = type === FLOAT32 ? 'float32' : 'int32';
    const raw = buffers[t.uint(2)];
    return { name: t.string(3), shape: t.ints(0), dtype, data: raw && raw.length > 0 ? typed(raw, dtype) : null };
  });
  const operators = g.tables(3).map((o): TfliteOperator => {
    const code = opCodes[o.uint(0)]!;
    const op = OP_NAMES[code];
    if (!op) throw new TfliteFormatError(`operator code ${code} is not supported`);
    const opts = o.child(4);
    const out: TfliteOperator = { op, inputs: o.ints(1), outputs: o.ints(2) };
    const activation = (i: number) => {
      const a = ACTIVATIONS[opts?.byte(i) ?? 0];
      if (!a) throw new TfliteFormatError(`${op}: fused activation ${opts?.byte(i)} is not supported`);
      return a;
    };
    if (op === 'CONV_2D' || op === 'DEPTHWISE_CONV_2D') {
      // Conv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 activation, 4/5 dilation w/h.
      // DepthwiseConv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 depth_multiplier, 4 activation, 5/6 dilation w/h.
      const dw = op === 'DEPTHWISE_CONV_2D' ? 1 : 0;
      out.padding = opts?.byte(0) === 1 ? 'valid' : 'same';
      out.strides = [opts?.int(2, 1) ?? 1, opts?.int(1, 1) ?? 1];
      out.activation = activation(3 + dw);
      out.dilations = [opts?.int(5 + dw, 1) ?? 1, opts?.int(4 + dw, 1) ?? 1];
      if (dw) out.depthMultiplier = opts?.int(3, 1) ?? 1;
    } else if (op === 'ADD' || op === 'SUB' || op === 'MUL') {
      out.activation = activation(0);
    } else if (op === 'RESHAPE') {
      out.newShape = opts ? opts.ints(0) : undefined;
    }
    return out;
  });
  return { tensors, inputs: g.ints(1), outputs: g.ints(2), operators };
}
