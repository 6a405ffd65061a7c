/** RFC 9420 §12.4.3.1: Welcome, EncryptedGroupSecrets, GroupSecrets, PathSecret. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode, encode } from '../../src/codec/codec.js';
import { encryptedGroupSecretsCodec, groupSecretsCodec, pathSecretCodec, welcomeCodec, type GroupSecrets, type Welcome } from '../../src/messages/welcome.js';
import { PskType } from '../../src/psk/psk-id.js';
import { concat, fromHex, toHex } from '../../src/util/bytes.js';
import { checkCodec, decodeError, groupSecretsArb, welcomeArb } from './arbitraries.js';

describe('GroupSecrets (§12.4.3.1)', () => {
  test('without path_secret', () => {
    const gs: GroupSecrets = { joinerSecret: fromHex('0102'), psks: [] };
    assert.equal(toHex(encode(groupSecretsCodec, gs)), '020102' + '00' + '00');
    const back = decode(groupSecretsCodec, fromHex('0201020000'));
    assert.deepEqual(back, gs);
    assert.equal('pathSecret' in back, false);
  });

  test('with path_secret and psks', () => {
    const gs: GroupSecrets = {
      joinerSecret: fromHex('01'),
      pathSecret: { pathSecret: fromHex('0a0b') },
      psks: [{ pskType: PskType.external, pskId: fromHex('ee'), pskNonce: fromHex('') }],
    };
    assert.equal(toHex(encode(groupSecretsCodec, gs)), '0101' + '01' + '020a0b' + '04' + '01' + '01ee' + '00');
    checkCodec(groupSecretsCodec, gs);
  });

  test('R-2.1.1-01: a path_secret presence octet other than 0 or 1 is rejected', () => {
    decodeError(() => decode(groupSecretsCodec, fromHex('0101' + '02' + '0100' + '00')), 'ERR_DECODE_OPTIONAL_FLAG', 'R-2.1.1-01');
  });

  test('PathSecret', () => {
    checkCodec(pathSecretCodec, { pathSecret: fromHex('00ff') });
  });

  test('property: round trip and every strict prefix rejected', () => {
    fc.assert(fc.property(groupSecretsArb, (gs) => checkCodec(groupSecretsCodec, gs)), { numRuns: 80 });
  });
});

describe('Welcome (§12.4.3.1)', () => {
  const welcome: Welcome = {
    cipherSuite: 1,
    secrets: [{ newMember: fromHex('abcd'), encryptedGroupSecrets: { kemOutput: fromHex('01'), ciphertext: fromHex('0203') } }],
    encryptedGroupInfo: fromHex('ffee'),
  };

  test('hand-built encoding', () => {
    assert.equal(toHex(encode(encryptedGroupSecretsCodec, welcome.secrets[0]!)), '02abcd' + '0101' + '020203');
    assert.equal(toHex(encode(welcomeCodec, welcome)), '0001' + '08' + '02abcd0101020203' + '02ffee');
    checkCodec(welcomeCodec, welcome);
  });

  test('trailing bytes and non-minimal lengths are rejected', () => {
    decodeError(() => decode(welcomeCodec, concat(encode(welcomeCodec, welcome), fromHex('00'))), 'ERR_DECODE_TRAILING_BYTES');
    decodeError(() => decode(welcomeCodec, fromHex('0001' + '4000' + '00')), 'ERR_DECODE_VARINT_NON_MINIMAL', 'R-2.1.2-01');
  });

  test('decoded fields are views into the input', () => {
    const bytes = encode(welcomeCodec, welcome);
    const w = decode(welcomeCodec, bytes);
    assert.equal(w.encryptedGroupInfo.buffer, bytes.buffer);
    assert.equal(w.secrets[0]!.newMember.buffer, bytes.buffer);
  });

  test('property: round trip and every strict prefix rejected', () => {
    fc.assert(fc.property(welcomeArb, (w) => checkCodec(welcomeCodec, w)), { numRuns: 80 });
  });
});
