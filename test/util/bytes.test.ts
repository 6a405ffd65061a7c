/** Byte helpers and secret redaction. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { bytesEqual, concat, constantTimeEqual, fromHex, toHex } from '../../src/util/bytes.js';
import { redacted } from '../../src/util/secret.js';
import { MlsError } from '../../src/errors.js';

test('hex round trip and rejection of malformed hex', () => {
  assert.equal(toHex(fromHex('00ff10')), '00ff10');
  assert.throws(() => fromHex('abc'), MlsError);
  assert.throws(() => fromHex('zz'), MlsError);
});

test('equality, constant-time and plain', () => {
  assert.ok(constantTimeEqual(fromHex('0102'), fromHex('0102')));
  assert.ok(!constantTimeEqual(fromHex('0102'), fromHex('0103')));
  assert.ok(!constantTimeEqual(fromHex('0102'), fromHex('01')));
  assert.ok(bytesEqual(concat(fromHex('01'), fromHex('02')), fromHex('0102')));
});

test('redacted objects never print their secrets', () => {
  const secret = fromHex('deadbeefcafebabe');
  const obj = redacted({ key: secret }, 'Thing');
  assert.ok(!JSON.stringify(obj).includes('deadbeef'));
  assert.ok(!inspect(obj, { depth: 5 }).includes('de'));
  assert.ok(!inspect(obj).includes('222'));
  assert.equal(obj.key, secret);
});
