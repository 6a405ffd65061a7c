/** RFC 9420 §8.4: psk_secret, and the PreSharedKeyID helpers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import { expandWithLabel } from '../../src/crypto/labels.js';
import { encode } from '../../src/codec/codec.js';
import { UsageError } from '../../src/errors.js';
import { PskType, ResumptionPskUsage, preSharedKeyIdCodec, type PreSharedKeyId } from '../../src/psk/psk-id.js';
import { computePskSecret, hasValidPskNonce, newExternalPskId, newResumptionPskId, type PskInput } from '../../src/psk/psk-secret.js';
import { bytesEqual, concat, fromHex, utf8 } from '../../src/util/bytes.js';

const cs = nodeCipherSuite(1);

function ext(name: string, nonceByte: number): PreSharedKeyId {
  return { pskType: PskType.external, pskId: utf8(name), pskNonce: new Uint8Array(32).fill(nonceByte) };
}

test('no PSKs: psk_secret is Nh zero bytes', () => {
  assert.ok(bytesEqual(computePskSecret(cs, []), new Uint8Array(32)));
  assert.equal(computePskSecret(nodeCipherSuite(5), []).length, 64);
});

test('the chain of Figure 24, computed by hand for two PSKs', () => {
  const psks: PskInput[] = [
    { id: ext('a', 1), psk: fromHex('aa'.repeat(16)) },
    { id: ext('b', 2), psk: fromHex('bb'.repeat(40)) },
  ];
  const zero = new Uint8Array(32);
  let secret: Uint8Array = zero;
  psks.forEach(({ id, psk }, i) => {
    const label = concat(encode(preSharedKeyIdCodec, id), new Uint8Array([0, i, 0, 2]));
    const input = expandWithLabel(cs, cs.extract(zero, psk), 'derived psk', label, 32);
    secret = cs.extract(input, secret);
  });
  assert.ok(bytesEqual(computePskSecret(cs, psks), secret));
});

test('order and count matter', () => {
  const a = { id: ext('a', 1), psk: fromHex('01') };
  const b = { id: ext('b', 2), psk: fromHex('02') };
  assert.ok(!bytesEqual(computePskSecret(cs, [a, b]), computePskSecret(cs, [b, a])));
  assert.ok(!bytesEqual(computePskSecret(cs, [a]), computePskSecret(cs, [a, b])));
  // The nonce is part of the label: the same PSK injected twice gives different inputs.
  assert.ok(!bytesEqual(computePskSecret(cs, [a]), computePskSecret(cs, [{ ...a, id: ext('a', 3) }])));
});

test('the caller’s PSKs are not wiped', () => {
  const psk = fromHex('0102030405');
  computePskSecret(cs, [{ id: ext('a', 1), psk }]);
  assert.ok(bytesEqual(psk, fromHex('0102030405')));
});

test('more than 65535 PSKs cannot be labelled', () => {
  const one = { id: ext('a', 1), psk: fromHex('01') };
  assert.throws(() => computePskSecret(cs, new Array<PskInput>(0x10000).fill(one)), UsageError);
});

test('resumption and external ids carry a fresh Nh-byte nonce (R-8.4-02)', () => {
  const fixed = nodeCipherSuite(1, { random: (n) => new Uint8Array(n).fill(0x5a) });
  const id = newResumptionPskId(fixed, ResumptionPskUsage.reinit, utf8('g'), 42n);
  assert.equal(id.pskType, PskType.resumption);
  assert.ok(id.pskType === PskType.resumption && id.usage === 2 && id.pskEpoch === 42n);
  assert.ok(bytesEqual(id.pskNonce, new Uint8Array(32).fill(0x5a)));
  assert.ok(hasValidPskNonce(cs, id));
  assert.ok(!hasValidPskNonce(nodeCipherSuite(4), id));
  const e = newExternalPskId(cs, utf8('psk'));
  assert.equal(e.pskNonce.length, 32);
  assert.ok(!bytesEqual(e.pskNonce, newExternalPskId(cs, utf8('psk')).pskNonce));
  assert.throws(() => newResumptionPskId(cs, ResumptionPskUsage.application, utf8('g'), -1n), UsageError);
  // A resumption id feeds the chain like any other.
  assert.equal(computePskSecret(cs, [{ id, psk: new Uint8Array(32) }]).length, 32);
});
