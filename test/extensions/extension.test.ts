/** RFC 9420 §13.4, §13.5, §17.3: the Extension codec, the known extension bodies and GREASE. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode, encode } from '../../src/codec/codec.js';
import { CredentialType } from '../../src/credentials/credential.js';
import {
  applicationIdCodec,
  extensionCodec,
  extensionsCodec,
  ExtensionType,
  externalPubCodec,
  externalSendersCodec,
  findExtension,
  GREASE_VALUES,
  isGrease,
  requiredCapabilitiesCodec,
} from '../../src/extensions/extension.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { checkCodec, decodeError, extensionArb } from '../messages/arbitraries.js';

describe('Extension (§13.4)', () => {
  test('hand-built encoding', () => {
    const ext = { extensionType: ExtensionType.externalPub, extensionData: fromHex('0201ff') };
    assert.equal(toHex(encode(extensionCodec, ext)), '0004' + '03' + '0201ff');
  });

  test('unknown and GREASE types decode opaquely and re-encode byte-identically', () => {
    for (const t of [0x0006, 0x0a0a, 0xfafa, 0xffff, 0x0000]) {
      const bytes = fromHex(t.toString(16).padStart(4, '0') + '04deadbeef');
      const ext = decode(extensionCodec, bytes);
      assert.equal(ext.extensionType, t);
      assert.equal(toHex(ext.extensionData), 'deadbeef');
      assert.deepEqual(encode(extensionCodec, ext), bytes);
    }
  });

  test('decoded extension_data is a view into the input', () => {
    const bytes = fromHex('000103616263');
    const ext = decode(extensionCodec, bytes);
    assert.equal(ext.extensionData.buffer, bytes.buffer);
  });

  test('property: round trip and truncation of extension lists', () => {
    fc.assert(fc.property(fc.array(extensionArb, { maxLength: 4 }), (list) => checkCodec(extensionsCodec, list)), { numRuns: 100 });
  });

  test('findExtension', () => {
    const list = [
      { extensionType: 7, extensionData: fromHex('01') },
      { extensionType: 2, extensionData: fromHex('02') },
    ];
    assert.equal(findExtension(list, 2)?.extensionData[0], 2);
    assert.equal(findExtension(list, 3), undefined);
  });

  test('R-2.1.2-01: a non-minimal extension_data length is rejected', () => {
    decodeError(() => decode(extensionCodec, fromHex('00014000')), 'ERR_DECODE_VARINT_NON_MINIMAL', 'R-2.1.2-01');
  });

  test('R-2.1.2-02: a length with the 11 prefix is rejected', () => {
    decodeError(() => decode(extensionsCodec, fromHex('c0')), 'ERR_DECODE_VARINT_PREFIX', 'R-2.1.2-02');
  });

  test('trailing bytes are rejected', () => {
    decodeError(() => decode(extensionCodec, fromHex('00010000')), 'ERR_DECODE_TRAILING_BYTES');
  });

  test('a vector body that ends inside an item is rejected', () => {
    // extensions<V> of 3 bytes: one Extension needs at least 3 (type + empty data), this one claims 1 data byte.
    decodeError(() => decode(extensionsCodec, fromHex('03000101')), 'ERR_DECODE_TRUNCATED');
  });
});

describe('known extension bodies', () => {
  test('application_id: opaque application_id<V>', () => {
    const v = { applicationId: fromHex('6170') };
    assert.equal(toHex(encode(applicationIdCodec, v)), '026170');
    checkCodec(applicationIdCodec, v);
  });

  test('required_capabilities (§11.1)', () => {
    const v = { extensionTypes: [0x0a0a, 6], proposalTypes: [8], credentialTypes: [1, 2] };
    assert.equal(toHex(encode(requiredCapabilitiesCodec, v)), '040a0a0006' + '020008' + '0400010002');
    checkCodec(requiredCapabilitiesCodec, v);
    checkCodec(requiredCapabilitiesCodec, { extensionTypes: [], proposalTypes: [], credentialTypes: [] });
  });

  test('required_capabilities: a uint16 list of odd length is rejected', () => {
    decodeError(() => decode(requiredCapabilitiesCodec, fromHex('03000100' + '00' + '00')), 'ERR_DECODE_TRUNCATED');
  });

  test('external_pub (§12.4.3.2)', () => {
    const v = { externalPub: fromHex('aabbcc') };
    assert.equal(toHex(encode(externalPubCodec, v)), '03aabbcc');
    checkCodec(externalPubCodec, v);
  });

  test('external_senders (§12.1.8.1)', () => {
    const v = [
      { signatureKey: fromHex('01'), credential: { credentialType: CredentialType.basic, identity: fromHex('41') } },
      { signatureKey: fromHex('0203'), credential: { credentialType: CredentialType.x509, certificates: [{ certData: fromHex('30') }] } },
    ];
    assert.equal(toHex(encode(externalSendersCodec, v)), '0e' + '01010001' + '0141' + '020203' + '0002' + '020130');
    checkCodec(externalSendersCodec, v);
  });

  test('external_senders: an unknown credential type is rejected', () => {
    decodeError(() => decode(externalSendersCodec, fromHex('04' + '0101' + '0003' + '00')), 'ERR_DECODE_UNKNOWN_VALUE');
  });
});

describe('GREASE (§13.5)', () => {
  test('the fifteen reserved values', () => {
    assert.deepEqual(
      GREASE_VALUES,
      [0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a, 0x8a8a, 0x9a9a, 0xaaaa, 0xbaba, 0xcaca, 0xdada, 0xeaea],
    );
    assert.ok(Object.isFrozen(GREASE_VALUES));
    for (const g of GREASE_VALUES) assert.ok(isGrease(g));
  });

  test('everything else is not GREASE (0xFAFA is private use)', () => {
    for (const n of [0, 1, 5, 0x0a0b, 0x0b0b, 0x1a0a, 0xfafa, 0x10a0a, -0x0a0a, 0x0a0a + 0.5]) assert.equal(isGrease(n), false, String(n));
    let count = 0;
    for (let n = 0; n <= 0xffff; n++) if (isGrease(n)) count++;
    assert.equal(count, 15);
  });
});
