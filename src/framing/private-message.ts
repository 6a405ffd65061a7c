/**
 * RFC 9420 §6.3: PrivateMessage — content encryption (§6.3.1: PrivateMessageContent, padding,
 * reuse guard, PrivateContentAAD) and sender-data encryption (§6.3.2).
 *
 *   struct {
 *       opaque group_id<V>;
 *       uint64 epoch;
 *       ContentType content_type;
 *       opaque authenticated_data<V>;
 *       opaque encrypted_sender_data<V>;
 *       opaque ciphertext<V>;
 *   } PrivateMessage;
 */
import { codec, type Codec } from '../codec/codec.js';
import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { senderDataKeyAndNonce } from '../secret-tree/sender-data.js';
import { UsageError, ValidationError } from '../errors.js';
import {
  ContentType,
  framedContent,
  readAuthData,
  readBody,
  readContentType,
  SenderType,
  writeAuthData,
  writeBody,
  type FramedContent,
  type FramedContentAuthData,
} from './content.js';

export interface PrivateMessage {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly contentType: ContentType;
  readonly authenticatedData: Uint8Array;
  readonly encryptedSenderData: Uint8Array;
  readonly ciphertext: Uint8Array;
}

export const privateMessageCodec: Codec<PrivateMessage> = codec(
  'PrivateMessage',
  (w, m) => {
    w.opaque(m.groupId).u64(m.epoch).u8(m.contentType).opaque(m.authenticatedData).opaque(m.encryptedSenderData).opaque(m.ciphertext);
  },
  (r) => ({
    groupId: r.opaque('PrivateMessage.group_id'),
    epoch: r.u64('PrivateMessage.epoch'),
    contentType: readContentType(r, 'PrivateMessage.content_type'),
    authenticatedData: r.opaque('PrivateMessage.authenticated_data'),
    encryptedSenderData: r.opaque('PrivateMessage.encrypted_sender_data'),
    ciphertext: r.opaque('PrivateMessage.ciphertext'),
  }),
);

/** struct { uint32 leaf_index; uint32 generation; opaque reuse_guard[4]; } SenderData; */
export interface SenderData {
  readonly leafIndex: number;
  readonly generation: number;
  readonly reuseGuard: Uint8Array;
}

export const senderDataCodec: Codec<SenderData> = codec(
  'SenderData',
  (w, s) => {
    w.u32(s.leafIndex).u32(s.generation).bytes(s.reuseGuard);
  },
  (r) => ({ leafIndex: r.u32('SenderData.leaf_index'), generation: r.u32('SenderData.generation'), reuseGuard: r.fixed(4, 'SenderData.reuse_guard') }),
);


function senderDataAad(groupId: Uint8Array, epoch: bigint, contentType: ContentType): Uint8Array {
  return new Writer(groupId.length + 16).opaque(groupId).u64(epoch).u8(contentType).finish();
}

function privateContentAad(groupId: Uint8Array, epoch: bigint, contentType: ContentType, authenticatedData: Uint8Array): Uint8Array {
  return new Writer(groupId.length + authenticatedData.length + 20).opaque(groupId).u64(epoch).u8(contentType).opaque(authenticatedData).finish();
}

/** R-6.3.1-03: the nonce with its first four bytes XORed with the reuse guard (§6.3.1). */
function guardedNonce(nonce: Uint8Array, reuseGuard: Uint8Array): Uint8Array {
  const out = new Uint8Array(nonce);
  for (let i = 0; i < 4; i++) out[i] = out[i]! ^ reuseGuard[i]!;
  return out;
}

/** A key and nonce from one generation of a sender's ratchet. */
export interface RatchetKey {
  readonly generation: number;
  readonly key: Uint8Array;
  readonly nonce: Uint8Array;
}

export interface EncryptInput {
  readonly content: FramedContent;
  readonly auth: FramedContentAuthData;
  readonly senderDataSecret: Uint8Array;
  /** The next unused key of the sender's handshake or application ratchet. */
  readonly ratchetKey: RatchetKey;
  /** Four fresh random bytes (from the suite's random source). */
  readonly reuseGuard: Uint8Array;
  /** Zero bytes appended to PrivateMessageContent: a count, or a policy given the unpadded length. */
  readonly padding?: number | ((contentLength: number) => number);
}

/** §6.3: encrypts an authenticated member content into a PrivateMessage. */
export function encryptPrivateMessage(cs: CipherSuite, input: EncryptInput): PrivateMessage {
  const { content, auth, ratchetKey, reuseGuard } = input;
  if (content.sender.senderType !== SenderType.member) {
    throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', 'only members can send a PrivateMessage (§6.3.2)');
  }
  const w = new Writer(256);
  writeBody(w, content);
  writeAuthData(w, content.contentType, auth);
  const padding = typeof input.padding === 'function' ? input.padding(w.length) : (input.padding ?? 0);
  if (padding > 0) w.bytes(new Uint8Array(padding));
  const plaintext = w.finish();

  const aad = privateContentAad(content.groupId, content.epoch, content.contentType, content.authenticatedData);
  const ciphertext = cs.seal(ratchetKey.key, guardedNonce(ratchetKey.nonce, reuseGuard), aad, plaintext);

  const senderData = new Writer(12).u32(content.sender.leafIndex).u32(ratchetKey.generation).bytes(reuseGuard).finish();
  const sd = senderDataKeyAndNonce(cs, input.senderDataSecret, ciphertext);
  const encryptedSenderData = cs.seal(sd.key, sd.nonce, senderDataAad(content.groupId, content.epoch, content.contentType), senderData);
  return {
    groupId: content.groupId,
    epoch: content.epoch,
    contentType: content.contentType,
    authenticatedData: content.authenticatedData,
    encryptedSenderData,
    ciphertext,
  };
}

/** R-6.3.2-01: opens encrypted_sender_data. AEAD failure is a validation error on the message. */
export function decryptSenderData(cs: CipherSuite, msg: PrivateMessage, senderDataSecret: Uint8Array): SenderData {
  const sd = senderDataKeyAndNonce(cs, senderDataSecret, msg.ciphertext);
  let plain: Uint8Array;
  try {
    plain = cs.open(sd.key, sd.nonce, senderDataAad(msg.groupId, msg.epoch, msg.contentType), msg.encryptedSenderData);
  } catch (cause) {
    throw new ValidationError('ERR_VALIDATION_DECRYPT', 'R-6.3.2-01', 'encrypted_sender_data does not decrypt', {
      field: 'PrivateMessage.encrypted_sender_data',
      cause,
    });
  }
  const r = new Reader(plain);
  const senderData = senderDataCodec.decode(r);
  r.done('SenderData');
  return senderData;
}

export interface DecryptedContent {
  readonly content: FramedContent;
  readonly auth: FramedContentAuthData;
}

/**
 * §6.3.1: decrypts the content with the sender's ratchet key for SenderData.generation (the caller
 * looks it up — and rejects a non-blank-leaf violation R-6.3.2-02 — between the two steps), checks
 * the padding (R-6.3.1-01) and rebuilds the FramedContent. The signature is NOT checked here.
 */
export function decryptPrivateContent(cs: CipherSuite, msg: PrivateMessage, senderData: SenderData, ratchetKey: { key: Uint8Array; nonce: Uint8Array }): DecryptedContent {
  const aad = privateContentAad(msg.groupId, msg.epoch, msg.contentType, msg.authenticatedData);
  let plain: Uint8Array;
  try {
    plain = cs.open(ratchetKey.key, guardedNonce(ratchetKey.nonce, senderData.reuseGuard), aad, msg.ciphertext);
  } catch (cause) {
    throw new ValidationError('ERR_VALIDATION_DECRYPT', 'R-6.3.1-02', 'PrivateMessage content does not decrypt', {
      field: 'PrivateMessage.ciphertext',
      cause,
    });
  }
  const r = new Reader(plain);
  const body = readBody(r, msg.contentType);
  const auth = readAuthData(r, msg.contentType);
  const padding = r.fixed(r.remaining, 'PrivateMessageContent.padding');
  for (let i = 0; i < padding.length; i++) {
    if (padding[i] !== 0) {
      throw new ValidationError('ERR_VALIDATION_PADDING', 'R-6.3.1-01', 'PrivateMessageContent padding has a non-zero byte', {
        field: 'PrivateMessageContent.padding',
      });
    }
  }
  const content = framedContent(
    { groupId: msg.groupId, epoch: msg.epoch, sender: { senderType: SenderType.member, leafIndex: senderData.leafIndex }, authenticatedData: msg.authenticatedData },
    body,
  );
  return { content, auth };
}
