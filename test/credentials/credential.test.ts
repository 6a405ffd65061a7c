/** RFC 9420 §5.3: the Credential codec. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode, encode } from '../../src/codec/codec.js';
import { certificateCodec, credentialCodec, CredentialType, type Credential } from '../../src/credentials/credential.js';
import { UsageError } from '../../src/errors.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { checkCodec, credentialArb, decodeError } from '../messages/arbitraries.js';

describe('Credential (§5.3)', () => {
  test('basic: credential_type then identity<V>', () => {
    const c: Credential = { credentialType: CredentialType.basic, identity: fromHex('616c696365') };
    assert.equal(toHex(encode(credentialCodec, c)), '0001' + '05616c696365');
    checkCodec(credentialCodec, c);
  });

  test('x509: credential_type then Certificate certificates<V>', () => {
    const c: Credential = {
      credentialType: CredentialType.x509,
      certificates: [{ certData: fromHex('3082') }, { certData: fromHex('') }],
    };
    assert.equal(toHex(encode(credentialCodec, c)), '0002' + '04' + '023082' + '00');
    checkCodec(credentialCodec, c);
  });

  test('x509 with no certificates decodes (emptiness is R-5.3-01, a validation rule)', () => {
    const c = decode(credentialCodec, fromHex('000200'));
    assert.deepEqual(c, { credentialType: CredentialType.x509, certificates: [] });
  });

  test('Certificate', () => {
    checkCodec(certificateCodec, { certData: fromHex('0102') });
  });

  test('decoded identity is a view into the input', () => {
    const bytes = fromHex('000103616263');
    const c = decode(credentialCodec, bytes);
    assert.ok(c.credentialType === CredentialType.basic);
    assert.equal(c.identity.buffer, bytes.buffer);
  });

  test('unknown credential types (reserved 0, unassigned, GREASE) cannot be delimited and are rejected', () => {
    for (const t of ['0000', '0003', '0a0a', 'ffff']) {
      decodeError(() => decode(credentialCodec, fromHex(t + '00')), 'ERR_DECODE_UNKNOWN_VALUE');
    }
  });

  test('encoding an unknown credential type is a usage error', () => {
    assert.throws(() => encode(credentialCodec, { credentialType: 9, identity: new Uint8Array() } as unknown as Credential), UsageError);
  });

  test('truncated and trailing input', () => {
    decodeError(() => decode(credentialCodec, fromHex('00')), 'ERR_DECODE_TRUNCATED');
    decodeError(() => decode(credentialCodec, fromHex('0001')), 'ERR_DECODE_TRUNCATED');
    decodeError(() => decode(credentialCodec, fromHex('000100ff')), 'ERR_DECODE_TRAILING_BYTES');
    decodeError(() => decode(credentialCodec, fromHex('00014000')), 'ERR_DECODE_VARINT_NON_MINIMAL', 'R-2.1.2-01');
  });

  test('property: round trip and every strict prefix rejected', () => {
    fc.assert(fc.property(credentialArb, (c) => checkCodec(credentialCodec, c)), { numRuns: 100 });
  });
});
