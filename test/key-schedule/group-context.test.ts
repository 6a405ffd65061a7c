/** RFC 9420 §8.1: the GroupContext codec. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError } from '../../src/errors.js';
import {
  ProtocolVersion,
  decodeGroupContext,
  encodeGroupContext,
  type GroupContext,
} from '../../src/key-schedule/group-context.js';
import { fromHex, toHex } from '../../src/util/bytes.js';

const sample: GroupContext = {
  version: ProtocolVersion.mls10,
  cipherSuite: 1,
  groupId: fromHex('0a0b'),
  epoch: 0x0102030405060708n,
  treeHash: fromHex('aa'),
  confirmedTranscriptHash: fromHex(''),
  extensions: [
    { extensionType: 0x0003, extensionData: fromHex('000000') },
    { extensionType: 0x0a0a, extensionData: fromHex('') },
  ],
};

test('GroupContext encodes field by field as §8.1 lays it out', () => {
  const expected = [
    '0001', // version mls10
    '0001', // cipher_suite
    '020a0b', // group_id<V>
    '0102030405060708', // epoch
    '01aa', // tree_hash<V>
    '00', // confirmed_transcript_hash<V>
    '09', // extensions<V>: 9 bytes
    '0003' + '03000000', // required_capabilities, 3 bytes
    '0a0a' + '00', // a GREASE type, empty
  ].join('');
  assert.equal(toHex(encodeGroupContext(sample)), expected);
  const back = decodeGroupContext(fromHex(expected));
  assert.equal(back.epoch, sample.epoch);
  assert.deepEqual(back.extensions.map((e) => [e.extensionType, toHex(e.extensionData)]), [
    [3, '000000'],
    [0x0a0a, ''],
  ]);
});

test('a uint64 epoch at its maximum round-trips as a bigint', () => {
  const gc = { ...sample, epoch: 0xffffffffffffffffn };
  assert.equal(decodeGroupContext(encodeGroupContext(gc)).epoch, 0xffffffffffffffffn);
});

test('D-01: a GroupContext whose version is not mls10 is rejected', () => {
  const bytes = encodeGroupContext(sample);
  bytes[1] = 2;
  assert.throws(() => decodeGroupContext(bytes), (err: unknown) => err instanceof DecodeError && err.rule === 'D-01' && err.code === 'ERR_DECODE_UNKNOWN_VALUE');
});

test('trailing bytes and truncation are rejected', () => {
  const bytes = encodeGroupContext(sample);
  assert.throws(() => decodeGroupContext(new Uint8Array([...bytes, 0])), DecodeError);
  assert.throws(() => decodeGroupContext(bytes.subarray(0, bytes.length - 1)), DecodeError);
});

test('property: encode/decode round trip', () => {
  const bytes = fc.uint8Array({ maxLength: 40 });
  fc.assert(
    fc.property(
      fc.record({
        cipherSuite: fc.integer({ min: 0, max: 0xffff }),
        groupId: bytes,
        epoch: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
        treeHash: bytes,
        confirmedTranscriptHash: bytes,
        extensions: fc.array(fc.record({ extensionType: fc.integer({ min: 0, max: 0xffff }), extensionData: bytes }), { maxLength: 5 }),
      }),
      (r) => {
        const gc: GroupContext = { version: ProtocolVersion.mls10, ...r };
        const enc = encodeGroupContext(gc);
        return toHex(encodeGroupContext(decodeGroupContext(enc))) === toHex(enc);
      },
    ),
    { numRuns: 100 },
  );
});
