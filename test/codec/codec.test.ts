/** Unit and property tests of the TLS presentation-language codec (RFC 9420 §2.1). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Reader, Writer, decode, encode, opaqueCodec, optionalCodec, vectorCodec, codec, readVarint, varintSize, writeVarint } from '../../src/codec/index.js';
import { DecodeError, MlsError } from '../../src/errors.js';
import { fromHex } from '../../src/util/bytes.js';

function decodeError(f: () => unknown, code: string, rule?: string): void {
  assert.throws(f, (err: unknown) => {
    assert.ok(err instanceof DecodeError, `expected DecodeError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (rule !== undefined) assert.equal(err.rule, rule);
    return true;
  });
}

describe('varint (§2.1.2)', () => {
  test('boundaries encode minimally', () => {
    for (const [v, size] of [[0, 1], [63, 1], [64, 2], [16383, 2], [16384, 4], [0x3fffffff, 4]] as const) {
      assert.equal(varintSize(v), size);
      const b = new Uint8Array(4);
      assert.equal(writeVarint(b, 0, v), size);
      assert.deepEqual(readVarint(b, 0, size, 'x'), [v, size]);
    }
  });
  test('R-2.1.2-02: the 11 prefix is rejected', () => {
    decodeError(() => readVarint(fromHex('c0000000'), 0, 4, 'x'), 'ERR_DECODE_VARINT_PREFIX', 'R-2.1.2-02');
  });
  test('R-2.1.2-01: non-minimal encodings are rejected', () => {
    decodeError(() => readVarint(fromHex('4005'), 0, 2, 'x'), 'ERR_DECODE_VARINT_NON_MINIMAL', 'R-2.1.2-01');
    decodeError(() => readVarint(fromHex('80003fff'), 0, 4, 'x'), 'ERR_DECODE_VARINT_NON_MINIMAL', 'R-2.1.2-01');
    decodeError(() => readVarint(fromHex('4000'), 0, 2, 'x'), 'ERR_DECODE_VARINT_NON_MINIMAL', 'R-2.1.2-01');
  });
  test('values above 2^30-1 cannot be encoded', () => {
    assert.throws(() => varintSize(0x40000000), MlsError);
  });
  test('truncated headers are rejected', () => {
    decodeError(() => readVarint(fromHex('40'), 0, 1, 'x'), 'ERR_DECODE_TRUNCATED');
    decodeError(() => readVarint(new Uint8Array(0), 0, 0, 'x'), 'ERR_DECODE_TRUNCATED');
  });
  test('property: every value round-trips with the minimal size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x3fffffff }), (v) => {
        const b = new Uint8Array(4);
        const n = writeVarint(b, 0, v);
        const [back, size] = readVarint(b, 0, n, 'x');
        return back === v && size === n;
      }),
    );
  });
});

interface Sample {
  a: number;
  b: number;
  c: number;
  d: bigint;
  blob: Uint8Array;
  list: Uint8Array[];
  maybe: Uint8Array | undefined;
}

const sampleCodec = codec<Sample>(
  'Sample',
  (w, s) => {
    w.u8(s.a).u16(s.b).u32(s.c).u64(s.d).opaque(s.blob);
    vectorCodec(opaqueCodec('item')).encode(w, s.list);
    optionalCodec(opaqueCodec('maybe')).encode(w, s.maybe);
  },
  (r) => ({
    a: r.u8('a'),
    b: r.u16('b'),
    c: r.u32('c'),
    d: r.u64('d'),
    blob: r.opaque('blob'),
    list: vectorCodec(opaqueCodec('item')).decode(r),
    maybe: optionalCodec(opaqueCodec('maybe')).decode(r),
  }),
);

const sampleArb = fc.record({
  a: fc.integer({ min: 0, max: 255 }),
  b: fc.integer({ min: 0, max: 0xffff }),
  c: fc.integer({ min: 0, max: 0xffffffff }),
  d: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
  blob: fc.uint8Array({ maxLength: 300 }),
  list: fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 8 }),
  maybe: fc.option(fc.uint8Array({ maxLength: 20 }), { nil: undefined }),
});

describe('structures', () => {
  test('property: encode then decode is the identity', () => {
    fc.assert(fc.property(sampleArb, (s) => {
      assert.deepEqual(decode(sampleCodec, encode(sampleCodec, s)), { ...s });
    }));
  });
  test('property: every strict prefix of an encoding is rejected with a DecodeError', () => {
    fc.assert(
      fc.property(sampleArb, (s) => {
        const bytes = encode(sampleCodec, s);
        for (let n = 0; n < bytes.length; n++) {
          assert.throws(() => decode(sampleCodec, bytes.subarray(0, n)), DecodeError);
        }
      }),
      { numRuns: 50 },
    );
  });
  test('trailing bytes are rejected', () => {
    const bytes = encode(opaqueCodec('x'), fromHex('0102'));
    const extended = new Uint8Array([...bytes, 0]);
    decodeError(() => decode(opaqueCodec('x'), extended), 'ERR_DECODE_TRAILING_BYTES');
  });
  test('R-2.1.1-01: an optional presence octet other than 0 or 1 is rejected', () => {
    decodeError(() => decode(optionalCodec(opaqueCodec('x')), fromHex('0200')), 'ERR_DECODE_OPTIONAL_FLAG', 'R-2.1.1-01');
  });
  test('a vector length past the end is rejected', () => {
    decodeError(() => decode(opaqueCodec('x'), fromHex('05010203')), 'ERR_DECODE_TRUNCATED');
  });
  test('an opaque value longer than its limit is rejected', () => {
    decodeError(() => decode(opaqueCodec('x', 2), fromHex('03010203')), 'ERR_DECODE_TOO_LARGE');
  });
  test('a vector with more items than allowed is rejected', () => {
    const c = vectorCodec(opaqueCodec('i'), 2);
    const bytes = encode(vectorCodec(opaqueCodec('i')), [fromHex('01'), fromHex('02'), fromHex('03')]);
    decodeError(() => decode(c, bytes), 'ERR_DECODE_TOO_LARGE');
  });
  test('an item overrunning its vector is rejected', () => {
    // vector of length 2 holding an opaque that claims 3 bytes
    decodeError(() => decode(vectorCodec(opaqueCodec('i')), fromHex('0203010203')), 'ERR_DECODE_TRUNCATED');
  });
  test('decode errors name the field', () => {
    try {
      decode(sampleCodec, fromHex('01'));
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof DecodeError);
      assert.equal(err.field, 'b');
    }
  });
  test('decoders return views, not copies', () => {
    const bytes = encode(opaqueCodec('x'), fromHex('aabb'));
    const view = new Reader(bytes).opaque('x');
    assert.equal(view.buffer, bytes.buffer);
  });
  test('writer grows past its initial capacity and shrinks vector headers', () => {
    const w = new Writer(1);
    w.vector((w2) => w2.bytes(new Uint8Array(100)));
    const out = w.finish();
    assert.equal(out.length, 102);
    assert.deepEqual(Array.from(out.subarray(0, 2)), [0x40, 100]);
  });
  test('u64 rejects out-of-range values on encode', () => {
    assert.throws(() => new Writer().u64(-1n), MlsError);
    assert.throws(() => new Writer().u64(1n << 64n), MlsError);
  });
  test('u64Number rejects values beyond 2^53', () => {
    decodeError(() => new Reader(fromHex('0020000000000000')).u64Number('epoch'), 'ERR_DECODE_TOO_LARGE');
    assert.equal(new Reader(fromHex('001fffffffffffff')).u64Number('epoch'), Number.MAX_SAFE_INTEGER);
  });
});
