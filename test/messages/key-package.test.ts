/** RFC 9420 §10: KeyPackage and KeyPackageTBS. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode, encode } from '../../src/codec/codec.js';
import { keyPackageCodec, keyPackageTbs } from '../../src/messages/key-package.js';
import { leafNodeCodec } from '../../src/ratchet-tree/node.js';
import { concat, fromHex, toHex } from '../../src/util/bytes.js';
import { checkCodec, decodeError, keyPackageArb, sampleKeyPackage } from './arbitraries.js';

describe('KeyPackage (§10)', () => {
  test('hand-built encoding: version, cipher_suite, init_key, leaf_node, extensions, signature', () => {
    const kp = sampleKeyPackage();
    const leaf = toHex(encode(leafNodeCodec, kp.leafNode));
    assert.equal(toHex(encode(keyPackageCodec, kp)), '0001' + '0001' + '021011' + leaf + '00' + '01ab');
    checkCodec(keyPackageCodec, kp);
  });

  test('KeyPackageTBS is the KeyPackage without its signature', () => {
    const kp = sampleKeyPackage();
    const full = encode(keyPackageCodec, kp);
    assert.deepEqual(keyPackageTbs(kp), full.subarray(0, full.length - 2));
  });

  test('version and cipher_suite are not checked at decode (that is §10.1 validation)', () => {
    const kp = { ...sampleKeyPackage(), version: 0xffff, cipherSuite: 0x0a0a };
    checkCodec(keyPackageCodec, kp);
  });

  test('unknown and GREASE KeyPackage extensions round-trip', () => {
    const kp = { ...sampleKeyPackage(), extensions: [{ extensionType: 0xeaea, extensionData: fromHex('0102030405') }] };
    checkCodec(keyPackageCodec, kp);
  });

  test('trailing bytes, truncation and non-minimal lengths are rejected', () => {
    const bytes = encode(keyPackageCodec, sampleKeyPackage());
    decodeError(() => decode(keyPackageCodec, concat(bytes, fromHex('00'))), 'ERR_DECODE_TRAILING_BYTES');
    decodeError(() => decode(keyPackageCodec, bytes.subarray(0, bytes.length - 1)), 'ERR_DECODE_TRUNCATED');
    const nonMinimal = fromHex('00010001' + '40021011' + toHex(bytes).slice(14));
    decodeError(() => decode(keyPackageCodec, nonMinimal), 'ERR_DECODE_VARINT_NON_MINIMAL', 'R-2.1.2-01');
  });

  test('property: round trip and every strict prefix rejected', () => {
    fc.assert(fc.property(keyPackageArb, (kp) => checkCodec(keyPackageCodec, kp)), { numRuns: 50 });
  });
});
