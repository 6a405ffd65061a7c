/**
 * RFC 9420 §2.1 / RFC 8446 §3: a strict reader for the TLS presentation language.
 *
 * Reads return views into the input (zero copy); callers that keep a value in long-lived state
 * copy it. Every failure is a DecodeError naming the field.
 */
import { DecodeError } from '../errors.js';
import { readVarint } from './varint.js';

export class Reader {
  private pos: number;
  private readonly end: number;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, field: string): number {
    const at = this.pos;
    if (at + n > this.end) {
      throw new DecodeError('ERR_DECODE_TRUNCATED', `${field}: needs ${n} bytes, ${this.end - at} left`, { field, rule: 'D-03' });
    }
    this.pos = at + n;
    return at;
  }

  u8(field: string): number {
    return this.buf[this.need(1, field)]!;
  }

  u16(field: string): number {
    const at = this.need(2, field);
    return (this.buf[at]! << 8) | this.buf[at + 1]!;
  }

  u32(field: string): number {
    const at = this.need(4, field);
    const b = this.buf;
    return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  }

  u64(field: string): bigint {
    const hi = this.u32(field);
    const lo = this.u32(field);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** A uint64 that must fit a safe JavaScript integer (epochs, generations). */
  u64Number(field: string): number {
    const hi = this.u32(field);
    const lo = this.u32(field);
    if (hi > 0x1fffff) {
      throw new DecodeError('ERR_DECODE_TOO_LARGE', `${field}: ${hi} * 2^32 exceeds 2^53`, { field });
    }
    return hi * 0x100000000 + lo;
  }

  /** `opaque x[n]`: exactly n bytes, as a view. */
  fixed(n: number, field: string): Uint8Array {
    const at = this.need(n, field);
    return this.buf.subarray(at, at + n);
  }

  /** The varint length header of a `<V>` vector. */
  length(field: string): number {
    const [value, size] = readVarint(this.buf, this.pos, this.end, field);
    this.pos += size;
    return value;
  }

  /** `opaque x<V>`: a view of the bytes. `max` bounds the length (default: whatever is left). */
  opaque(field: string, max?: number): Uint8Array {
    const n = this.length(field);
    if (max !== undefined && n > max) {
      throw new DecodeError('ERR_DECODE_TOO_LARGE', `${field}: ${n} bytes exceeds the limit of ${max}`, { field });
    }
    return this.fixed(n, field);
  }

  /** A reader over the body of a `<V>` vector; this reader moves past it. */
  sub(field: string): Reader {
    const n = this.length(field);
    const at = this.need(n, field);
    return new Reader(this.buf, at, at + n);
  }

  /** `T items<V>`: reads items until the vector's body is consumed exactly. */
  vector<T>(field: string, item: (r: Reader) => T, maxItems = Number.MAX_SAFE_INTEGER): T[] {
    const body = this.sub(field);
    const out: T[] = [];
    while (body.remaining > 0) {
      if (out.length >= maxItems) {
        throw new DecodeError('ERR_DECODE_TOO_LARGE', `${field}: more than ${maxItems} items`, { field });
      }
      out.push(item(body));
    }
    // An array grown by push keeps spare capacity (~150 B for a one-item list); decoded lists live
    // long (a ratchet tree holds five capability lists per leaf): return an exact-size copy.
    return out.length === 0 ? out : out.slice();
  }

  /** `optional<T>` (§2.1.1): a presence octet that must be 0 or 1 (R-2.1.1-01). */
  optional<T>(field: string, item: (r: Reader) => T): T | undefined {
    const flag = this.u8(field);
    if (flag === 0) return undefined;
    if (flag !== 1) {
      throw new DecodeError('ERR_DECODE_OPTIONAL_FLAG', `${field}: presence octet is ${flag}, not 0 or 1`, {
        field,
        rule: 'R-2.1.1-01',
      });
    }
    return item(this);
  }

  /** Asserts the input is fully consumed. */
  done(field: string): void {
    if (this.pos !== this.end) {
      throw new DecodeError('ERR_DECODE_TRAILING_BYTES', `${field}: ${this.end - this.pos} trailing bytes`, { field, rule: 'D-03' });
    }
  }

  /** The bytes between two offsets of this reader's buffer (for hashing what was just read). */
  slice(from: number, to: number = this.pos): Uint8Array {
    return this.buf.subarray(from, to);
  }
}
