/**
 * The codec contract every wire type follows (STYLE.md §4): a symmetric pair of functions over a
 * Writer and a Reader, plus whole-buffer helpers that reject trailing bytes.
 */
import { Reader } from './reader.js';
import { Writer } from './writer.js';

export interface Codec<T> {
  readonly name: string;
  encode(w: Writer, value: T): void;
  decode(r: Reader): T;
}

export function codec<T>(name: string, encode: (w: Writer, value: T) => void, decode: (r: Reader) => T): Codec<T> {
  return Object.freeze({ name, encode, decode });
}

/** Serializes one value. */
export function encode<T>(c: Codec<T>, value: T): Uint8Array {
  const w = new Writer();
  c.encode(w, value);
  return w.finish();
}

/** Decodes exactly one value from `bytes`; trailing bytes are an error. Results may view `bytes`. */
export function decode<T>(c: Codec<T>, bytes: Uint8Array): T {
  const r = new Reader(bytes);
  const value = c.decode(r);
  r.done(c.name);
  return value;
}

/** `opaque x<V>` as a codec. */
export function opaqueCodec(name: string, max?: number): Codec<Uint8Array> {
  return codec(
    name,
    (w, v) => w.opaque(v),
    (r) => r.opaque(name, max),
  );
}

/** `T items<V>` as a codec. */
export function vectorCodec<T>(item: Codec<T>, maxItems?: number): Codec<T[]> {
  const name = `${item.name}<V>`;
  return codec(
    name,
    (w, items) => w.vectorOf(items, (w2, v) => item.encode(w2, v)),
    (r) => r.vector(name, (r2) => item.decode(r2), maxItems),
  );
}

/** `optional<T>` as a codec. */
export function optionalCodec<T>(item: Codec<T>): Codec<T | undefined> {
  const name = `optional<${item.name}>`;
  return codec(
    name,
    (w, v) => w.optional(v, (w2, x) => item.encode(w2, x)),
    (r) => r.optional(name, (r2) => item.decode(r2)),
  );
}
