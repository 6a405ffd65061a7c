/**
 * RFC 9420 §2.1 / RFC 8446 §3: a writer for the TLS presentation language. Vectors are written
 * in place with a provisional 4-byte header that is shrunk to the minimal varint afterwards.
 */
import { UsageError } from '../errors.js';
import { MAX_VARINT, varintSize, writeVarint } from './varint.js';

export class Writer {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
  }

  get length(): number {
    return this.pos;
  }

  private reserve(n: number): number {
    const at = this.pos;
    const need = at + n;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, at));
      this.buf = next;
    }
    this.pos = need;
    return at;
  }

  u8(v: number): this {
    const at = this.reserve(1); // reserve() may replace this.buf: take the index first
    this.buf[at] = v;
    return this;
  }

  u16(v: number): this {
    const at = this.reserve(2);
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v;
    return this;
  }

  u32(v: number): this {
    const at = this.reserve(4);
    this.buf[at] = v >>> 24;
    this.buf[at + 1] = v >>> 16;
    this.buf[at + 2] = v >>> 8;
    this.buf[at + 3] = v;
    return this;
  }

  u64(v: bigint | number): this {
    const big = BigInt(v);
    if (big < 0n || big > 0xffffffffffffffffn) {
      throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `uint64 out of range: ${big}`);
    }
    this.u32(Number(big >> 32n));
    this.u32(Number(big & 0xffffffffn));
    return this;
  }

  /** Raw bytes, no length header (`opaque x[n]`, or an already-encoded struct). */
  bytes(b: Uint8Array): this {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
    return this;
  }

  /** `opaque x<V>`. */
  opaque(b: Uint8Array): this {
    const h = varintSize(b.length);
    const at = this.reserve(h + b.length);
    writeVarint(this.buf, at, b.length);
    this.buf.set(b, at + h);
    return this;
  }

  /** A `<V>` vector whose body is whatever `body` writes. */
  vector(body: (w: this) => void): this {
    const start = this.reserve(4);
    body(this);
    const len = this.pos - start - 4;
    if (len > MAX_VARINT) {
      throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `vector of ${len} bytes exceeds 2^30-1`);
    }
    const h = varintSize(len);
    if (h < 4) {
      this.buf.copyWithin(start + h, start + 4, this.pos);
      this.pos -= 4 - h;
    }
    writeVarint(this.buf, start, len);
    return this;
  }

  /** `T items<V>`. */
  vectorOf<T>(items: readonly T[], item: (w: this, v: T) => void): this {
    return this.vector((w) => {
      for (const v of items) item(w, v);
    });
  }

  /** `optional<T>`. */
  optional<T>(v: T | undefined, item: (w: this, v: T) => void): this {
    if (v === undefined) return this.u8(0);
    this.u8(1);
    item(this, v);
    return this;
  }

  /** The bytes written so far, as a fresh array. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
