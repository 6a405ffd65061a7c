/**
 * RFC 9420 §2.1.2: the variable-length integer that prefixes every `<V>` vector.
 *
 * The top two bits of the first byte give the encoding length (00 → 1, 01 → 2, 10 → 4 bytes);
 * `11` is invalid. The encoding must be minimal (rules R-2.1.2-01, R-2.1.2-02).
 */
import { DecodeError } from '../errors.js';

/** The largest value a varint can carry: 2^30 − 1. */
export const MAX_VARINT = 0x3fffffff;

/** Number of bytes the minimal encoding of `value` takes. */
export function varintSize(value: number): 1 | 2 | 4 {
  if (value < 0x40) return 1;
  if (value < 0x4000) return 2;
  if (value <= MAX_VARINT) return 4;
  throw new DecodeError('ERR_DECODE_TOO_LARGE', `varint value ${value} exceeds 2^30-1`);
}

/** Writes the minimal encoding of `value` at `offset`; returns the number of bytes written. */
export function writeVarint(buf: Uint8Array, offset: number, value: number): number {
  const size = varintSize(value);
  if (size === 1) {
    buf[offset] = value;
  } else if (size === 2) {
    buf[offset] = 0x40 | (value >>> 8);
    buf[offset + 1] = value & 0xff;
  } else {
    buf[offset] = 0x80 | (value >>> 24);
    buf[offset + 1] = (value >>> 16) & 0xff;
    buf[offset + 2] = (value >>> 8) & 0xff;
    buf[offset + 3] = value & 0xff;
  }
  return size;
}

/**
 * Reads a varint at `offset`. Returns the value and the number of bytes read.
 * @throws DecodeError for the `11` prefix (R-2.1.2-02), a non-minimal form (R-2.1.2-01), or truncation.
 */
export function readVarint(buf: Uint8Array, offset: number, end: number, field: string): [value: number, size: number] {
  if (offset >= end) {
    throw new DecodeError('ERR_DECODE_TRUNCATED', `${field}: missing length header`, { field, rule: 'D-03' });
  }
  const first = buf[offset]!;
  const prefix = first >>> 6;
  if (prefix === 3) {
    throw new DecodeError('ERR_DECODE_VARINT_PREFIX', `${field}: length header has the invalid prefix 11`, {
      field,
      rule: 'R-2.1.2-02',
    });
  }
  const size = 1 << prefix;
  if (offset + size > end) {
    throw new DecodeError('ERR_DECODE_TRUNCATED', `${field}: truncated length header`, { field, rule: 'D-03' });
  }
  let value = first & 0x3f;
  for (let i = 1; i < size; i++) value = value * 256 + buf[offset + i]!;
  if (size !== varintSize(value)) {
    throw new DecodeError('ERR_DECODE_VARINT_NON_MINIMAL', `${field}: length header is not minimally encoded`, {
      field,
      rule: 'R-2.1.2-01',
    });
  }
  return [value, size];
}
