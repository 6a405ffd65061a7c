/**
 * RFC 9420 §6.1 (FramedContentTBS, SignWithLabel "FramedContentTBS") and §6.2 (PublicMessage,
 * membership_tag over AuthenticatedContentTBM). Rules: R-6.1-01, R-6.2-01.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '../../src/codec/codec.js';
import { CIPHER_SUITES, type CipherSuiteId } from '../../src/crypto/cipher-suite.js';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import { membershipTag, signContent, verifyContentSignature, verifyMembershipTag } from '../../src/framing/auth.js';
import {
  authenticatedContentTbm,
  framedContentCodec,
  framedContentTbs,
  WireFormat,
  type FramedContent,
  type FramedContentAuthData,
  type Sender,
} from '../../src/framing/content.js';
import { mlsMessageCodec } from '../../src/framing/mls-message.js';
import { publicMessageCodec, type PublicMessage } from '../../src/framing/public-message.js';
import { concat, fromHex, toHex } from '../../src/util/bytes.js';
import { bodies, content, cs, flip, groupContext, groupContextFor, senders, signer, throwsField, throwsRule } from './fixtures.js';

const PUB = WireFormat.mls_public_message;
const membershipKey = new Uint8Array(cs.Nh).fill(0x42);

/** Signs `c` as a PublicMessage, adding the membership tag for a member. */
function protect(c: FramedContent, gc: Uint8Array | undefined = groupContext): PublicMessage {
  const signature = signContent(cs, signer.privateKey, PUB, c, gc);
  const auth: FramedContentAuthData = c.contentType === 3 ? { signature, confirmationTag: new Uint8Array(cs.Nh).fill(0xcc) } : { signature };
  if (c.sender.senderType !== 1) return { content: c, auth };
  return { content: c, auth, membershipTag: membershipTag(cs, membershipKey, PUB, c, auth, groupContext) };
}

/** Encodes as an MLSMessage and decodes again: what a receiver sees. */
function overTheWire(pm: PublicMessage): PublicMessage {
  const back = decode(mlsMessageCodec, encode(mlsMessageCodec, { wireFormat: PUB, publicMessage: pm }));
  assert.equal(back.wireFormat, PUB);
  if (back.wireFormat !== PUB) throw new Error('unreachable');
  return back.publicMessage;
}

function receive(pm: PublicMessage, gc: Uint8Array | undefined = groupContext): void {
  verifyContentSignature(cs, signer.publicKey, PUB, pm.content, pm.auth, gc);
  if (pm.content.sender.senderType === 1) verifyMembershipTag(cs, membershipKey, PUB, pm.content, pm.auth, groupContext, pm.membershipTag);
}

describe('FramedContentTBS (§6.1)', () => {
  const head = '0001' + '0001'; // version mls10, wire_format mls_public_message

  for (const [name, sender, withContext] of [
    ['member', senders.member, true],
    ['new_member_commit', senders.newMemberCommit, true],
    ['external', senders.external, false],
    ['new_member_proposal', senders.newMemberProposal, false],
  ] as const) {
    test(`${name}: the GroupContext is ${withContext ? '' : 'not '}part of the TBS`, () => {
      const c = content(sender as Sender, sender === senders.newMemberCommit ? bodies.commit : bodies.proposal);
      const expected = head + toHex(encode(framedContentCodec, c)) + (withContext ? toHex(groupContext) : '');
      assert.equal(toHex(framedContentTbs(PUB, c, groupContext)), expected);
      if (!withContext) assert.equal(toHex(framedContentTbs(PUB, c, undefined)), expected);
    });
  }

  test('a member TBS without a GroupContext cannot be built', () => {
    throwsField(() => framedContentTbs(PUB, content(senders.member, bodies.proposal), undefined), 'FramedContentTBS.context');
  });

  test('the TBS carries the wire format: PublicMessage and PrivateMessage TBS differ only there', () => {
    const c = content(senders.member, bodies.application);
    const pub = framedContentTbs(PUB, c, groupContext);
    const priv = framedContentTbs(WireFormat.mls_private_message, c, groupContext);
    assert.deepEqual(pub.subarray(4), priv.subarray(4));
    assert.equal(toHex(priv.subarray(0, 4)), '00010002');
  });

  test('AuthenticatedContentTBM = FramedContentTBS || signature<V> [|| confirmation_tag<V>]', () => {
    const c = content(senders.member, bodies.commit);
    const auth = { signature: fromHex('5151'), confirmationTag: fromHex('c0c0c0') };
    assert.deepEqual(authenticatedContentTbm(PUB, c, auth, groupContext), concat(framedContentTbs(PUB, c, groupContext), fromHex('025151' + '03c0c0c0')));
  });
});

describe('PublicMessage sign / verify round trip (§6.1, §6.2)', () => {
  for (const [name, sender, body] of [
    ['member proposal', senders.member, bodies.proposal],
    ['member commit', senders.member, bodies.commit],
    ['external proposal', senders.external, bodies.proposal],
    ['new_member_proposal', senders.newMemberProposal, bodies.proposal],
    ['new_member_commit', senders.newMemberCommit, bodies.commit],
  ] as const) {
    test(name, () => {
      const c = content(sender as Sender, body);
      const pm = protect(c);
      const got = overTheWire(pm);
      assert.deepStrictEqual(got, pm);
      // Senders without a membership tag carry none on the wire.
      assert.equal(got.membershipTag === undefined, sender.senderType !== 1);
      receive(got);
    });
  }

  test('external and new_member_proposal signatures do not depend on the GroupContext', () => {
    for (const sender of [senders.external, senders.newMemberProposal]) {
      const pm = protect(content(sender, bodies.proposal), undefined);
      receive(pm, groupContextFor(cs, 7n));
      receive(pm, undefined);
    }
  });

  test('member and new_member_commit signatures bind the GroupContext (R-6.1-01)', () => {
    for (const [sender, body] of [
      [senders.member, bodies.proposal],
      [senders.newMemberCommit, bodies.commit],
    ] as const) {
      const pm = protect(content(sender as Sender, body));
      throwsRule(() => verifyContentSignature(cs, signer.publicKey, PUB, pm.content, pm.auth, groupContextFor(cs, 7n)), 'R-6.1-01', 'ERR_VALIDATION_SIGNATURE');
    }
  });

  for (const id of Object.keys(CIPHER_SUITES).map(Number) as CipherSuiteId[]) {
    test(`suite ${id}: member commit signs, tags and verifies`, () => {
      const s = nodeCipherSuite(id);
      const kp = s.signatureScheme.generateKeyPair();
      const gc = groupContextFor(s);
      const key = new Uint8Array(s.Nh).fill(9);
      const c = content(senders.member, bodies.commit);
      const auth = { signature: signContent(s, kp.privateKey, PUB, c, gc), confirmationTag: new Uint8Array(s.Nh) };
      const tag = membershipTag(s, key, PUB, c, auth, gc);
      assert.equal(tag.length, s.Nh);
      verifyContentSignature(s, kp.publicKey, PUB, c, auth, gc);
      verifyMembershipTag(s, key, PUB, c, auth, gc, tag);
    });
  }
});

describe('R-6.1-01: the signature must verify', () => {
  const pm = protect(content(senders.member, bodies.proposal));

  test('a flipped signature bit is rejected', () => {
    const auth = { signature: flip(pm.auth.signature) };
    throwsRule(() => verifyContentSignature(cs, signer.publicKey, PUB, pm.content, auth, groupContext), 'R-6.1-01', 'ERR_VALIDATION_SIGNATURE');
  });

  test('tampered content (authenticated_data) is rejected', () => {
    const c = { ...pm.content, authenticatedData: fromHex('a0a2') };
    throwsRule(() => verifyContentSignature(cs, signer.publicKey, PUB, c, pm.auth, groupContext), 'R-6.1-01');
  });

  test('another key is rejected', () => {
    const other = cs.signatureScheme.generateKeyPair();
    throwsRule(() => verifyContentSignature(cs, other.publicKey, PUB, pm.content, pm.auth, groupContext), 'R-6.1-01');
  });

  test('the wrong wire format is rejected', () => {
    throwsRule(() => verifyContentSignature(cs, signer.publicKey, WireFormat.mls_private_message, pm.content, pm.auth, groupContext), 'R-6.1-01');
  });

  test('a malformed signature or key is rejected, not thrown as a crypto error', () => {
    throwsRule(() => verifyContentSignature(cs, signer.publicKey, PUB, pm.content, { signature: new Uint8Array(0) }, groupContext), 'R-6.1-01');
    throwsRule(() => verifyContentSignature(cs, fromHex('00'), PUB, pm.content, pm.auth, groupContext), 'R-6.1-01');
  });
});

describe('R-6.2-01: the membership tag must verify', () => {
  const pm = protect(content(senders.member, bodies.commit));

  test('a flipped tag bit is rejected', () => {
    throwsRule(
      () => verifyMembershipTag(cs, membershipKey, PUB, pm.content, pm.auth, groupContext, flip(pm.membershipTag!)),
      'R-6.2-01',
      'ERR_VALIDATION_MEMBERSHIP_TAG',
    );
  });

  test('a missing or truncated tag is rejected', () => {
    throwsRule(() => verifyMembershipTag(cs, membershipKey, PUB, pm.content, pm.auth, groupContext, undefined), 'R-6.2-01');
    throwsRule(() => verifyMembershipTag(cs, membershipKey, PUB, pm.content, pm.auth, groupContext, pm.membershipTag!.subarray(1)), 'R-6.2-01');
  });

  test('the tag covers the auth data: a changed confirmation_tag or signature is rejected', () => {
    const confirmationTag = flip(pm.auth.confirmationTag!);
    throwsRule(() => verifyMembershipTag(cs, membershipKey, PUB, pm.content, { ...pm.auth, confirmationTag }, groupContext, pm.membershipTag), 'R-6.2-01');
    const signature = flip(pm.auth.signature);
    throwsRule(() => verifyMembershipTag(cs, membershipKey, PUB, pm.content, { ...pm.auth, signature }, groupContext, pm.membershipTag), 'R-6.2-01');
  });

  test('another epoch (membership key or GroupContext) is rejected', () => {
    throwsRule(() => verifyMembershipTag(cs, flip(membershipKey), PUB, pm.content, pm.auth, groupContext, pm.membershipTag), 'R-6.2-01');
    throwsRule(() => verifyMembershipTag(cs, membershipKey, PUB, pm.content, pm.auth, groupContextFor(cs, 1n), pm.membershipTag), 'R-6.2-01');
  });

  test('a tag flipped on the wire is caught after decoding', () => {
    const bytes = encode(publicMessageCodec, pm);
    const got = decode(publicMessageCodec, flip(bytes));
    throwsRule(() => receive(got), 'R-6.2-01');
  });
});

describe('PublicMessage encoding', () => {
  test('a commit without confirmation_tag cannot be encoded', () => {
    const c = content(senders.member, bodies.commit);
    throwsField(() => encode(publicMessageCodec, { content: c, auth: { signature: fromHex('01') }, membershipTag: fromHex('02') }), 'FramedContentAuthData.confirmation_tag');
  });

  test('non-commit auth data has no confirmation_tag on the wire', () => {
    const c = content(senders.external, bodies.proposal);
    const bytes = encode(publicMessageCodec, { content: c, auth: { signature: fromHex('0102') } });
    assert.equal(toHex(bytes), toHex(encode(framedContentCodec, c)) + '020102');
  });
});
