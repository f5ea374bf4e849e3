// Conversions between Float32Array embeddings and the little-endian bytes stored in the `faces.embedding` bytea column.

/** Float32 values as little-endian bytes (explicit, so the stored format does not depend on the host's endianness). */
export function embeddingToBytes(embedding: Float32Array): Buffer {
  if (!(embedding instanceof Float32Array)) throw new TypeError('embedding must be a Float32Array');
  const out = Buffer.allocUnsafe(embedding.length * 4);
  for (let i = 0; i < embedding.length; i++) out.writeFloatLE(embedding[i]!, i * 4);
  return out;
}

/**
 * Bytes from the database back to a Float32Array. Drivers hand back views into larger pooled buffers
 * at arbitrary offsets, so the values are read into a fresh, aligned array rather than aliased.
 */
export function bytesToEmbedding(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new RangeError(`embedding byte length ${bytes.byteLength} is not a multiple of 4`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
