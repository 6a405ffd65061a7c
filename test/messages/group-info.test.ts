/** RFC 9420 §12.4.3: GroupInfo and GroupInfoTBS (the GroupContext codec is tested with src/key-schedule). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode, encode } from '../../src/codec/codec.js';
import { groupContextCodec } from '../../src/key-schedule/group-context.js';
import { groupInfoCodec, groupInfoTbs, type GroupInfo } from '../../src/messages/group-info.js';
import { concat, fromHex, toHex } from '../../src/util/bytes.js';
import { checkCodec, decodeError, groupInfoArb } from './arbitraries.js';

const gi: GroupInfo = {
  groupContext: {
    version: 1,
    cipherSuite: 1,
    groupId: fromHex('6767'),
    epoch: 0x0102030405060708n,
    treeHash: fromHex('aa'),
    confirmedTranscriptHash: fromHex('bb'),
    extensions: [],
  },
  extensions: [{ extensionType: 4, extensionData: fromHex('0101') }],
  confirmationTag: fromHex('cc'),
  signer: 3,
  signature: fromHex('dddd'),
};

describe('GroupInfo (§12.4.3)', () => {
  test('hand-built encoding and GroupInfoTBS', () => {
    const gc = toHex(encode(groupContextCodec, gi.groupContext));
    assert.equal(gc, '0001' + '0001' + '026767' + '0102030405060708' + '01aa' + '01bb' + '00');
    const tbs = gc + '05' + '0004020101' + '01cc' + '00000003';
    assert.equal(toHex(encode(groupInfoCodec, gi)), tbs + '02dddd');
    assert.equal(toHex(groupInfoTbs(gi)), tbs);
    checkCodec(groupInfoCodec, gi);
  });

  test('D-01: a GroupContext version other than mls10 is rejected (by the shared GroupContext codec)', () => {
    const bytes = encode(groupInfoCodec, gi);
    bytes[1] = 2;
    decodeError(() => decode(groupInfoCodec, bytes), 'ERR_DECODE_UNKNOWN_VALUE', 'D-01');
  });

  test('unknown GroupInfo extensions round-trip', () => {
    checkCodec(groupInfoCodec, { ...gi, extensions: [{ extensionType: 0xbaba, extensionData: fromHex('00ff') }] });
  });

  test('trailing bytes, truncation, non-minimal length', () => {
    const bytes = encode(groupInfoCodec, gi);
    decodeError(() => decode(groupInfoCodec, concat(bytes, fromHex('00'))), 'ERR_DECODE_TRAILING_BYTES');
    decodeError(() => decode(groupInfoCodec, bytes.subarray(0, bytes.length - 1)), 'ERR_DECODE_TRUNCATED');
    decodeError(() => decode(groupInfoCodec, fromHex('00010001' + '40026767' + toHex(bytes).slice(14))), 'ERR_DECODE_VARINT_NON_MINIMAL', 'R-2.1.2-01');
  });

  test('property: round trip and every strict prefix rejected', () => {
    fc.assert(fc.property(groupInfoArb, (g) => checkCodec(groupInfoCodec, g)), { numRuns: 60 });
  });
});
