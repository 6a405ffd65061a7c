/**
 * RFC 9420 §6 and §17.2: closed enums of the framing layer (WireFormat, ContentType, SenderType —
 * D-02 malformed values), the protocol version (D-01) and R-6-01 (no application data in a
 * PublicMessage).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '../../src/codec/codec.js';
import { Writer } from '../../src/codec/writer.js';
import { DecodeError } from '../../src/errors.js';
import { authenticatedContentCodec, framedContentCodec, senderCodec, WireFormat } from '../../src/framing/content.js';
import { mlsMessageCodec } from '../../src/framing/mls-message.js';
import { privateMessageCodec } from '../../src/framing/private-message.js';
import { publicMessageCodec } from '../../src/framing/public-message.js';
import { assertPublicMessageContentAllowed } from '../../src/framing/rules.js';
import { concat, fromHex } from '../../src/util/bytes.js';
import { bodies, content, EPOCH, GROUP_ID, senders, throwsRule } from './fixtures.js';

function unknownValue(f: () => unknown, field: string, rule?: string): void {
  assert.throws(f, (err: unknown) => {
    assert.ok(err instanceof DecodeError, `expected a DecodeError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_DECODE_UNKNOWN_VALUE');
    assert.equal(err.field, field);
    if (rule !== undefined) assert.equal(err.rule, rule);
    return true;
  });
}

/** A copy of `b` with byte `i` set to `v`. */
function patch(b: Uint8Array, i: number, v: number): Uint8Array {
  const out = b.slice();
  out[i] = v;
  return out;
}

/** Offset of the sender_type byte in an encoded FramedContent of the fixtures' group. */
const SENDER_AT = new Writer().opaque(GROUP_ID).u64(EPOCH).finish().length;

const publicProposal = {
  content: content(senders.member, bodies.proposal, new Uint8Array(0)),
  auth: { signature: fromHex('5151') },
  membershipTag: fromHex('7777'),
};
/** Offset of content_type for a member sender (type u8 + leaf u32) and empty authenticated_data. */
const CONTENT_TYPE_AT = SENDER_AT + 5 + 1;

describe('WireFormat (§17.2) is closed', () => {
  const pubMsg = encode(mlsMessageCodec, { wireFormat: WireFormat.mls_public_message, publicMessage: publicProposal });

  for (const wf of [0, 6, 0xffff]) {
    test(`MLSMessage.wire_format ${wf} is rejected`, () => {
      const bytes = concat(fromHex('0001'), new Writer().u16(wf).finish(), pubMsg.subarray(4));
      unknownValue(() => decode(mlsMessageCodec, bytes), 'MLSMessage.wire_format');
    });
    test(`AuthenticatedContent.wire_format ${wf} is rejected`, () => {
      const ac = encode(authenticatedContentCodec, { wireFormat: WireFormat.mls_public_message, content: publicProposal.content, auth: publicProposal.auth });
      unknownValue(() => decode(authenticatedContentCodec, concat(new Writer().u16(wf).finish(), ac.subarray(2))), 'AuthenticatedContent.wire_format');
    });
  }

  test('MLSMessage.version other than mls10 is rejected (D-01)', () => {
    unknownValue(() => decode(mlsMessageCodec, patch(pubMsg, 1, 2)), 'MLSMessage.version', 'D-01');
  });
});

describe('ContentType is closed', () => {
  const fc = encode(framedContentCodec, publicProposal.content);
  for (const ct of [0, 4, 255]) {
    test(`FramedContent.content_type ${ct} is rejected`, () => {
      unknownValue(() => decode(framedContentCodec, patch(fc, CONTENT_TYPE_AT, ct)), 'FramedContent.content_type');
      unknownValue(() => decode(publicMessageCodec, patch(encode(publicMessageCodec, publicProposal), CONTENT_TYPE_AT, ct)), 'FramedContent.content_type');
    });
    test(`PrivateMessage.content_type ${ct} is rejected`, () => {
      const pm = { groupId: GROUP_ID, epoch: EPOCH, contentType: 1 as const, authenticatedData: new Uint8Array(0), encryptedSenderData: fromHex('00'), ciphertext: fromHex('00') };
      unknownValue(() => decode(privateMessageCodec, patch(encode(privateMessageCodec, pm), SENDER_AT, ct)), 'PrivateMessage.content_type');
    });
  }
});

describe('SenderType is closed', () => {
  for (const st of [0, 5, 255]) {
    test(`Sender.sender_type ${st} is rejected`, () => {
      unknownValue(() => decode(senderCodec, Uint8Array.of(st, 0, 0, 0, 0)), 'Sender.sender_type');
      const fc = encode(framedContentCodec, publicProposal.content);
      unknownValue(() => decode(framedContentCodec, patch(fc, SENDER_AT, st)), 'Sender.sender_type');
    });
  }

  test('each sender type carries its index (or none)', () => {
    assert.deepEqual(encode(senderCodec, senders.member), fromHex('0100000003'));
    assert.deepEqual(encode(senderCodec, senders.external), fromHex('0200000000'));
    assert.deepEqual(encode(senderCodec, senders.newMemberProposal), fromHex('03'));
    assert.deepEqual(encode(senderCodec, senders.newMemberCommit), fromHex('04'));
  });
});

describe('R-6-01: application data never travels as a PublicMessage', () => {
  test('application content is rejected', () => {
    for (const sender of Object.values(senders)) {
      throwsRule(() => assertPublicMessageContentAllowed(content(sender, bodies.application)), 'R-6-01', 'ERR_VALIDATION_WIRE_FORMAT');
    }
  });

  test('a decoded PublicMessage carrying application data is rejected', () => {
    const bytes = encode(publicMessageCodec, { content: content(senders.member, bodies.application), auth: { signature: fromHex('00') }, membershipTag: fromHex('00') });
    const pm = decode(publicMessageCodec, bytes);
    throwsRule(() => assertPublicMessageContentAllowed(pm.content), 'R-6-01');
  });

  test('proposals and commits are allowed', () => {
    assertPublicMessageContentAllowed(content(senders.member, bodies.proposal));
    assertPublicMessageContentAllowed(content(senders.newMemberCommit, bodies.commit));
  });
});
