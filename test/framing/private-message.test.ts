/**
 * RFC 9420 §6.3: PrivateMessage. §6.3.1 content encryption (PrivateContentAAD, reuse guard,
 * zero padding) and §6.3.2 sender data (SenderDataAAD, key/nonce from the ciphertext sample),
 * over the §9 secret tree. Rules: R-6.3.1-01, R-6.3.1-02, R-6.3.1-03, R-6.3.2-01.
 *
 * `sealByHand` rebuilds a PrivateMessage from the RFC's structs without the framing module, so the
 * tests check the module against an independent reading of the RFC, and can craft plaintexts the
 * module refuses to produce (non-zero padding).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '../../src/codec/codec.js';
import { Writer } from '../../src/codec/writer.js';
import { expandWithLabel } from '../../src/crypto/labels.js';
import { signContent, verifyContentSignature } from '../../src/framing/auth.js';
import { ContentType, writeAuthData, writeBody, WireFormat, type FramedContent, type FramedContentAuthData } from '../../src/framing/content.js';
import { mlsMessageCodec } from '../../src/framing/mls-message.js';
import {
  decryptPrivateContent,
  decryptSenderData,
  encryptPrivateMessage,
  privateMessageCodec,
  type PrivateMessage,
  type RatchetKey,
} from '../../src/framing/private-message.js';
import { RatchetType, SecretTree } from '../../src/secret-tree/secret-tree.js';
import { concat, fromHex, toHex } from '../../src/util/bytes.js';
import { bodies, content, cs, flip, groupContext, senders, signer, throwsCode, throwsRule } from './fixtures.js';

const PRIV = WireFormat.mls_private_message;
const encryptionSecret = new Uint8Array(cs.Nh).fill(0x5e);
const senderDataSecret = new Uint8Array(cs.Nh).fill(0x5d);
const LEAVES = 4;

function authFor(c: FramedContent): FramedContentAuthData {
  const signature = signContent(cs, signer.privateKey, PRIV, c, groupContext);
  return c.contentType === ContentType.commit ? { signature, confirmationTag: new Uint8Array(cs.Nh).fill(0xcc) } : { signature };
}

function ratchetTypeOf(c: FramedContent): RatchetType {
  return c.contentType === ContentType.application ? RatchetType.application : RatchetType.handshake;
}

/** The sender's next key for `c` from a fresh tree. */
function sendKey(c: FramedContent): RatchetKey {
  if (c.sender.senderType !== 1) throw new Error('member senders only');
  return SecretTree.create(cs, encryptionSecret, LEAVES).nextSendKey(c.sender.leafIndex, ratchetTypeOf(c));
}

/** Receives `pm` with a fresh tree: sender data, ratchet key, content, signature. */
function receive(pm: PrivateMessage, sdSecret = senderDataSecret): { content: FramedContent; auth: FramedContentAuthData } {
  const sd = decryptSenderData(cs, pm, sdSecret);
  const type = pm.contentType === ContentType.application ? RatchetType.application : RatchetType.handshake;
  const tree = SecretTree.create(cs, encryptionSecret, LEAVES);
  const got = tree.openWith(sd.leafIndex, type, sd.generation, (key) => decryptPrivateContent(cs, pm, sd, key));
  verifyContentSignature(cs, signer.publicKey, PRIV, got.content, got.auth, groupContext);
  return got;
}

/**
 * A PrivateMessage built by hand from the RFC structs: PrivateMessageContent = body || auth ||
 * padding (any bytes, so non-zero padding can be crafted), sealed under the ratchet key with the
 * reuse guard XORed into the nonce; then SenderData under keys from the ciphertext sample.
 */
function sealByHand(c: FramedContent, auth: FramedContentAuthData, key: RatchetKey, reuseGuard: Uint8Array, padding: Uint8Array): PrivateMessage {
  if (c.sender.senderType !== 1) throw new Error('member senders only');
  const w = new Writer();
  writeBody(w, c);
  writeAuthData(w, c.contentType, auth);
  const plaintext = concat(w.finish(), padding);
  const aad = new Writer().opaque(c.groupId).u64(c.epoch).u8(c.contentType).opaque(c.authenticatedData).finish();
  const nonce = key.nonce.slice();
  for (let i = 0; i < 4; i++) nonce[i] = nonce[i]! ^ reuseGuard[i]!;
  const ciphertext = cs.seal(key.key, nonce, aad, plaintext);
  const sample = ciphertext.subarray(0, cs.Nh);
  const sdKey = expandWithLabel(cs, senderDataSecret, 'key', sample, cs.Nk);
  const sdNonce = expandWithLabel(cs, senderDataSecret, 'nonce', sample, cs.Nn);
  const senderData = new Writer().u32(c.sender.leafIndex).u32(key.generation).bytes(reuseGuard).finish();
  const sdAad = new Writer().opaque(c.groupId).u64(c.epoch).u8(c.contentType).finish();
  const encryptedSenderData = cs.seal(sdKey, sdNonce, sdAad, senderData);
  return { groupId: c.groupId, epoch: c.epoch, contentType: c.contentType, authenticatedData: c.authenticatedData, encryptedSenderData, ciphertext };
}

describe('PrivateMessage round trip (§6.3)', () => {
  for (const [name, body] of Object.entries(bodies)) {
    for (const paddingLength of [0, 1, 100]) {
      test(`${name}, ${paddingLength} bytes of padding`, () => {
        const c = content(senders.member, body);
        const auth = authFor(c);
        const pm = encryptPrivateMessage(cs, { content: c, auth, senderDataSecret, ratchetKey: sendKey(c), reuseGuard: fromHex('01020304'), padding: paddingLength });
        const bytes = encode(mlsMessageCodec, { wireFormat: PRIV, privateMessage: pm });
        const back = decode(mlsMessageCodec, bytes);
        if (back.wireFormat !== PRIV) throw new Error('wrong wire format');
        const got = receive(back.privateMessage);
        assert.deepStrictEqual(got.content, c);
        assert.deepStrictEqual(got.auth, auth);
      });
    }
  }

  test('padding grows the ciphertext and nothing else', () => {
    const c = content(senders.member, bodies.application);
    const auth = authFor(c);
    const make = (paddingLength: number) =>
      encryptPrivateMessage(cs, { content: c, auth, senderDataSecret, ratchetKey: sendKey(c), reuseGuard: fromHex('00000000'), padding: paddingLength });
    assert.equal(make(37).ciphertext.length - make(0).ciphertext.length, 37);
  });

  test('the module agrees byte for byte with a hand-built message', () => {
    const c = content(senders.member, bodies.commit);
    const auth = authFor(c);
    const guard = fromHex('a1b2c3d4');
    const pm = encryptPrivateMessage(cs, { content: c, auth, senderDataSecret, ratchetKey: sendKey(c), reuseGuard: guard, padding: 5 });
    const byHand = sealByHand(c, auth, sendKey(c), guard, new Uint8Array(5));
    assert.equal(toHex(encode(privateMessageCodec, pm)), toHex(encode(privateMessageCodec, byHand)));
  });

  test('the sender data names the leaf and generation; later generations decrypt too', () => {
    const c = content(senders.member, bodies.application);
    const tree = SecretTree.create(cs, encryptionSecret, LEAVES);
    tree.nextSendKey(3, RatchetType.application);
    const key = tree.nextSendKey(3, RatchetType.application);
    const pm = encryptPrivateMessage(cs, { content: c, auth: authFor(c), senderDataSecret, ratchetKey: key, reuseGuard: fromHex('00000000') });
    const sd = decryptSenderData(cs, pm, senderDataSecret);
    assert.equal(sd.leafIndex, 3);
    assert.equal(sd.generation, 1);
    assert.deepStrictEqual(receive(pm).content, c);
  });

  test('only member senders can encrypt', () => {
    const c = content(senders.external, bodies.proposal);
    const key = sendKey(content(senders.member, bodies.proposal));
    throwsCode(() => encryptPrivateMessage(cs, { content: c, auth: { signature: fromHex('00') }, senderDataSecret, ratchetKey: key, reuseGuard: fromHex('00000000') }), 'usage', 'ERR_USAGE_INVALID_ARGUMENT');
  });
});

describe('R-6.3.1-01: padding must be all zeros', () => {
  const c = content(senders.member, bodies.proposal);
  const auth = authFor(c);

  test('zero padding crafted by hand is accepted', () => {
    assert.deepStrictEqual(receive(sealByHand(c, auth, sendKey(c), fromHex('0f0e0d0c'), new Uint8Array(9))).content, c);
  });

  for (const padding of ['01', '000000000080', 'ff']) {
    test(`padding ${padding} is rejected`, () => {
      const pm = sealByHand(c, auth, sendKey(c), fromHex('0f0e0d0c'), fromHex(padding));
      throwsRule(() => receive(pm), 'R-6.3.1-01', 'ERR_VALIDATION_PADDING');
    });
  }

  test('a non-zero byte right after auth (a stray byte, not padding) is rejected too', () => {
    // The content parses; the byte after it is read as padding, which must be zero.
    const pm = sealByHand(c, auth, sendKey(c), fromHex('00000000'), fromHex('07'));
    throwsRule(() => receive(pm), 'R-6.3.1-01');
  });
});

describe('R-6.3.2-01: sender data must decrypt', () => {
  const c = content(senders.member, bodies.application);
  const pm = encryptPrivateMessage(cs, { content: c, auth: authFor(c), senderDataSecret, ratchetKey: sendKey(c), reuseGuard: fromHex('00000000') });

  test('a wrong sender_data_secret is rejected', () => {
    throwsRule(() => decryptSenderData(cs, pm, flip(senderDataSecret)), 'R-6.3.2-01', 'ERR_VALIDATION_DECRYPT');
  });

  test('tampered encrypted_sender_data is rejected', () => {
    throwsRule(() => decryptSenderData(cs, { ...pm, encryptedSenderData: flip(pm.encryptedSenderData) }, senderDataSecret), 'R-6.3.2-01');
  });

  test('the SenderDataAAD binds group_id, epoch and content_type', () => {
    throwsRule(() => decryptSenderData(cs, { ...pm, groupId: fromHex('00') }, senderDataSecret), 'R-6.3.2-01');
    throwsRule(() => decryptSenderData(cs, { ...pm, epoch: pm.epoch + 1n }, senderDataSecret), 'R-6.3.2-01');
    throwsRule(() => decryptSenderData(cs, { ...pm, contentType: ContentType.proposal }, senderDataSecret), 'R-6.3.2-01');
  });

  test('the key comes from the ciphertext sample: a changed ciphertext breaks the sender data', () => {
    throwsRule(() => decryptSenderData(cs, { ...pm, ciphertext: flip(pm.ciphertext, 0) }, senderDataSecret), 'R-6.3.2-01');
  });
});

describe('R-6.3.1-02 / R-6.3.1-03: content must decrypt under the ratchet key and guarded nonce', () => {
  const c = content(senders.member, bodies.application);
  const key = sendKey(c);
  const guard = fromHex('deadbeef');
  const pm = encryptPrivateMessage(cs, { content: c, auth: authFor(c), senderDataSecret, ratchetKey: key, reuseGuard: guard, padding: 3 });
  const sd = decryptSenderData(cs, pm, senderDataSecret);

  test('the right key decrypts', () => {
    assert.deepStrictEqual(decryptPrivateContent(cs, pm, sd, key).content, c);
  });

  test('a wrong ratchet key is rejected', () => {
    throwsRule(() => decryptPrivateContent(cs, pm, sd, { key: flip(key.key), nonce: key.nonce }), 'R-6.3.1-02', 'ERR_VALIDATION_DECRYPT');
  });

  test('the key of another generation is rejected', () => {
    const tree = SecretTree.create(cs, encryptionSecret, LEAVES);
    const g1 = tree.receiveKey(3, RatchetType.application, 1);
    throwsRule(() => decryptPrivateContent(cs, pm, sd, g1), 'R-6.3.1-02');
  });

  test('the handshake ratchet key does not open application content', () => {
    const hs = SecretTree.create(cs, encryptionSecret, LEAVES).receiveKey(3, RatchetType.handshake, 0);
    throwsRule(() => decryptPrivateContent(cs, pm, sd, hs), 'R-6.3.1-02');
  });

  test('the reuse guard is XORed into the nonce: another guard fails (R-6.3.1-03)', () => {
    assert.equal(toHex(sd.reuseGuard), 'deadbeef');
    throwsRule(() => decryptPrivateContent(cs, pm, { ...sd, reuseGuard: fromHex('deadbeee') }, key), 'R-6.3.1-02');
    // The unguarded ratchet nonce alone does not open it either.
    throwsRule(() => decryptPrivateContent(cs, pm, { ...sd, reuseGuard: fromHex('00000000') }, key), 'R-6.3.1-02');
  });

  test('the reuse guard changes the ciphertext under the same key', () => {
    const other = encryptPrivateMessage(cs, { content: c, auth: authFor(c), senderDataSecret, ratchetKey: key, reuseGuard: fromHex('deadbeee'), padding: 3 });
    assert.notEqual(toHex(other.ciphertext), toHex(pm.ciphertext));
  });

  test('the PrivateContentAAD binds authenticated_data', () => {
    throwsRule(() => decryptPrivateContent(cs, { ...pm, authenticatedData: fromHex('a0a1ff') }, sd, key), 'R-6.3.1-02');
  });

  test('a flipped ciphertext bit is rejected', () => {
    throwsRule(() => decryptPrivateContent(cs, { ...pm, ciphertext: flip(pm.ciphertext) }, sd, key), 'R-6.3.1-02');
  });
});
