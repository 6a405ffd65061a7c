/**
 * Property tests for RFC 9420 §6 framing: random FramedContent (application data, proposals and
 * commits; random authenticated_data; epochs across the whole uint64 range, beyond 2^53) survives
 * PublicMessage encode/decode and PrivateMessage encrypt → MLSMessage → decrypt unchanged.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode, encode } from '../../src/codec/codec.js';
import {
  ContentType,
  framedContent,
  SenderType,
  WireFormat,
  type FramedBody,
  type FramedContent,
  type FramedContentAuthData,
  type Sender,
} from '../../src/framing/content.js';
import { mlsMessageCodec } from '../../src/framing/mls-message.js';
import { decryptPrivateContent, decryptSenderData, encryptPrivateMessage } from '../../src/framing/private-message.js';
import { publicMessageCodec, type PublicMessage } from '../../src/framing/public-message.js';
import { commitArb, proposalArb } from '../messages/arbitraries.js';
import { cs } from './fixtures.js';

const bytes = (maxLength = 24) => fc.uint8Array({ maxLength });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
/** Epochs: small, around 2^53 (where `number` stops being exact), and up to 2^64 − 1. */
const epochArb = fc.oneof(
  fc.bigInt({ min: 0n, max: 1000n }),
  fc.bigInt({ min: 2n ** 53n - 2n, max: 2n ** 53n + 2n }),
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }),
  fc.constantFrom(0n, 2n ** 64n - 1n),
);

const bodyArb: fc.Arbitrary<FramedBody> = fc.oneof(
  { weight: 3, arbitrary: bytes(200).map((applicationData): FramedBody => ({ contentType: ContentType.application, applicationData })) },
  { weight: 1, arbitrary: proposalArb.map((proposal): FramedBody => ({ contentType: ContentType.proposal, proposal })) },
  { weight: 1, arbitrary: commitArb.map((commit): FramedBody => ({ contentType: ContentType.commit, commit })) },
);

const senderArb: fc.Arbitrary<Sender> = fc.oneof(
  u32.map((leafIndex): Sender => ({ senderType: SenderType.member, leafIndex })),
  u32.map((senderIndex): Sender => ({ senderType: SenderType.external, senderIndex })),
  fc.constant<Sender>({ senderType: SenderType.new_member_proposal }),
  fc.constant<Sender>({ senderType: SenderType.new_member_commit }),
);

function contentArb(sender: fc.Arbitrary<Sender>): fc.Arbitrary<FramedContent> {
  return fc
    .tuple(bytes(32), epochArb, sender, bytes(), bodyArb)
    .map(([groupId, epoch, s, authenticatedData, body]) => framedContent({ groupId, epoch, sender: s, authenticatedData }, body));
}

function authFor(c: FramedContent, signature: Uint8Array, tag: Uint8Array): FramedContentAuthData {
  return c.contentType === ContentType.commit ? { signature, confirmationTag: tag } : { signature };
}

describe('framing properties', () => {
  test('PublicMessage: encode / decode is the identity (any sender, any content, any epoch)', () => {
    fc.assert(
      fc.property(contentArb(senderArb), bytes(), bytes(), bytes(), (content, signature, tag, mtag) => {
        const pm: PublicMessage =
          content.sender.senderType === SenderType.member
            ? { content, auth: authFor(content, signature, tag), membershipTag: mtag }
            : { content, auth: authFor(content, signature, tag) };
        const bytesOut = encode(mlsMessageCodec, { wireFormat: WireFormat.mls_public_message, publicMessage: pm });
        const back = decode(mlsMessageCodec, bytesOut);
        assert.equal(back.wireFormat, WireFormat.mls_public_message);
        if (back.wireFormat !== WireFormat.mls_public_message) return;
        assert.deepStrictEqual(back.publicMessage, pm);
        assert.equal(typeof back.publicMessage.content.epoch, 'bigint');
        assert.deepStrictEqual(encode(publicMessageCodec, back.publicMessage), encode(publicMessageCodec, pm));
      }),
      { numRuns: 150 },
    );
  });

  test('PrivateMessage: encrypt → MLSMessage bytes → decrypt returns the content and auth', () => {
    const member = u32.map((leafIndex): Sender => ({ senderType: SenderType.member, leafIndex }));
    fc.assert(
      fc.property(
        contentArb(member),
        bytes(),
        bytes(),
        fc.record({
          key: fc.uint8Array({ minLength: cs.Nk, maxLength: cs.Nk }),
          nonce: fc.uint8Array({ minLength: cs.Nn, maxLength: cs.Nn }),
          generation: u32,
        }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.uint8Array({ minLength: cs.Nh, maxLength: cs.Nh }),
        fc.integer({ min: 0, max: 64 }),
        (content, signature, tag, ratchetKey, reuseGuard, senderDataSecret, paddingLength) => {
          const auth = authFor(content, signature, tag);
          const pm = encryptPrivateMessage(cs, { content, auth, senderDataSecret, ratchetKey, reuseGuard, padding: paddingLength });
          const back = decode(mlsMessageCodec, encode(mlsMessageCodec, { wireFormat: WireFormat.mls_private_message, privateMessage: pm }));
          if (back.wireFormat !== WireFormat.mls_private_message) throw new Error('wrong wire format');
          const sd = decryptSenderData(cs, back.privateMessage, senderDataSecret);
          assert.equal(sd.generation, ratchetKey.generation);
          assert.deepEqual(sd.reuseGuard, reuseGuard);
          const got = decryptPrivateContent(cs, back.privateMessage, sd, ratchetKey);
          assert.deepStrictEqual(got.content, content);
          assert.deepStrictEqual(got.auth, auth);
        },
      ),
      { numRuns: 150 },
    );
  });
});
