/**
 * Hash, HMAC, HKDF (RFC 5869) and AEAD on synchronous `node:crypto` — the hot path of every
 * key-schedule, secret-tree and framing operation.
 */
import * as nodeCrypto from 'node:crypto';
import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';
import { CryptoError } from '../../errors.js';
import type { AeadId, HashId } from '../cipher-suite.js';
import { constantTimeEqual } from '../../util/bytes.js';

/**
 * node:crypto's one-shot `hash()` (Node ≥ 20.12): no Hash object per call. About 1 µs for a
 * tree-hash input against 1.4 µs with createHash; the tree hash of a join runs it 2n times.
 */
const oneShot = (nodeCrypto as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer }).hash;

export function hash(alg: HashId, data: Uint8Array): Uint8Array {
  return toU8(oneShot !== undefined ? oneShot(alg, data, 'buffer') : createHash(alg).update(data).digest());
}

/**
 * Buffers from node:crypto may share the pool; give callers an owned, plain Uint8Array. Copied by
 * the typed-array constructor: ArrayBuffer.prototype.slice costs ~1 µs more per call.
 */
function toU8(b: Buffer): Uint8Array {
  return new Uint8Array(b);
}

export function hmac(alg: HashId, key: Uint8Array, data: Uint8Array): Uint8Array {
  return toU8(createHmac(alg, key).update(data).digest());
}

export function hkdfExtract(alg: HashId, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmac(alg, salt, ikm);
}

const BLOCK_1 = Uint8Array.of(1);

/** RFC 5869 HKDF-Expand, composed from HMAC (node's hkdfSync insists on extracting first). */
export function hkdfExpand(alg: HashId, hashLen: number, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (length > 255 * hashLen) {
    throw new CryptoError('ERR_CRYPTO_OPERATION', `HKDF-Expand length ${length} too large`);
  }
  if (length <= hashLen) {
    // One block, the common case (every ExpandWithLabel of MLS but a few exporter lengths):
    // T(1) = HMAC(prk, info || 0x01), truncated.
    const t = createHmac(alg, prk).update(info).update(BLOCK_1).digest();
    return new Uint8Array(length === t.length ? t : t.subarray(0, length));
  }
  const out = new Uint8Array(length);
  let prev = new Uint8Array(0);
  let at = 0;
  for (let i = 1; at < length; i++) {
    const h = createHmac(alg, prk);
    h.update(prev);
    h.update(info);
    h.update(Uint8Array.of(i));
    prev = h.digest();
    const take = Math.min(prev.length, length - at);
    out.set(prev.subarray(0, take), at);
    at += take;
  }
  return out;
}

export function verifyHmac(alg: HashId, key: Uint8Array, data: Uint8Array, tag: Uint8Array): boolean {
  return constantTimeEqual(hmac(alg, key, data), tag);
}

const AEAD_NAMES: Record<AeadId, 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305'> = {
  1: 'aes-128-gcm',
  2: 'aes-256-gcm',
  3: 'chacha20-poly1305',
};
const TAG = 16;

export function aeadSeal(aead: AeadId, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const c = createCipheriv(AEAD_NAMES[aead] as 'aes-128-gcm', key, nonce, { authTagLength: TAG });
  c.setAAD(aad);
  const head = c.update(plaintext);
  const tail = c.final();
  const tag = c.getAuthTag();
  const out = new Uint8Array(head.length + tail.length + TAG);
  out.set(head, 0);
  out.set(tail, head.length);
  out.set(tag, head.length + tail.length);
  return out;
}

export function aeadOpen(aead: AeadId, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (ciphertext.length < TAG) {
    throw new CryptoError('ERR_CRYPTO_AEAD_OPEN', 'ciphertext shorter than the AEAD tag');
  }
  try {
    const d = createDecipheriv(AEAD_NAMES[aead] as 'aes-128-gcm', key, nonce, { authTagLength: TAG });
    d.setAAD(aad);
    d.setAuthTag(ciphertext.subarray(ciphertext.length - TAG));
    const head = d.update(ciphertext.subarray(0, ciphertext.length - TAG));
    const tail = d.final();
    const out = new Uint8Array(head.length + tail.length);
    out.set(head, 0);
    out.set(tail, head.length);
    return out;
  } catch (cause) {
    throw new CryptoError('ERR_CRYPTO_AEAD_OPEN', 'AEAD authentication failed', { cause });
  }
}
