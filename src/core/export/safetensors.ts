/**
 * The safetensors file format (https://huggingface.co/docs/safetensors), both ways: an 8-byte little-endian
 * header length, a JSON header naming each tensor's dtype, shape and byte range (plus an optional
 * `__metadata__` of strings), then the raw little-endian tensor bytes. Only F32 is written or read: every
 * Fovea weight is float32. Small enough to write ourselves; no well-kept JS writer exists.
 */

export interface Float32Entry {
  shape: number[];
  data: Float32Array;
}

/** Tensor name -> tensor, in the order they are written. */
export type TensorMap = Map<string, Float32Entry>;

export interface SafetensorsContents {
  tensors: TensorMap;
  metadata: Record<string, string>;
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

const METADATA_KEY = '__metadata__';
/** Headers are padded with spaces to a multiple of 8 bytes so that tensor data is aligned (as the Rust writer). */
const ALIGN = 8;

const isLittleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function encodeSafetensors(tensors: TensorMap, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const [name, { shape, data }] of tensors) {
    if (name === METADATA_KEY) throw new SafetensorsError(`'${METADATA_KEY}' cannot name a tensor`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== data.length) {
      throw new SafetensorsError(`tensor ${name}: shape [${shape.join(',')}] holds ${count} values, got ${data.length}`);
    }
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / ALIGN) * ALIGN;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const { data } of tensors.values()) {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (isLittleEndian) out.set(bytes, at);
    else data.forEach((v, i) => view.setFloat32(at + i * 4, v, true));
    at += data.byteLength;
  }
  return out;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export function decodeSafetensors(bytes: Uint8Array): SafetensorsContents {
  if (bytes.byteLength < 8) throw new SafetensorsError(`a safetensors file has at least 8 bytes, got ${bytes.byteLength}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.byteLength) {
    throw new SafetensorsError(`the header claims ${headerLength} bytes but the file has ${bytes.byteLength}: not a safetensors file, or cut short`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    throw new SafetensorsError(`the header is not JSON (${(e as Error).message}): not a safetensors file`);
  }
  const dataStart = 8 + headerLength;
  const tensors: TensorMap = new Map();
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) continue;
    const { dtype, shape, data_offsets: [begin, end] } = value as HeaderEntry;
    if (dtype !== 'F32') throw new SafetensorsError(`tensor ${name} is ${dtype}; only F32 tensors can be read`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * 4 || dataStart + end > bytes.byteLength) {
      throw new SafetensorsError(`tensor ${name}: bytes ${begin}..${end} do not hold shape [${shape.join(',')}] in the file`);
    }
    const data = new Float32Array(count);
    const at = bytes.byteOffset + dataStart + begin;
    if (isLittleEndian) new Uint8Array(data.buffer).set(new Uint8Array(bytes.buffer, at, end - begin));
    else for (let i = 0; i < count; i++) data[i] = view.getFloat32(dataStart + begin + i * 4, true);
    tensors.set(name, { shape, data });
  }
  const metadata = (header[METADATA_KEY] ?? {}) as Record<string, string>;
  return { tensors, metadata };
}
