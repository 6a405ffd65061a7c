/**
 * RFC 9420 §6.3.2 (R-6.3.2-01): the key and nonce that protect a PrivateMessage's SenderData.
 *
 *   ciphertext_sample = ciphertext[0..KDF.Nh-1]    (all of it if shorter)
 *   sender_data_key   = ExpandWithLabel(sender_data_secret, "key",   ciphertext_sample, AEAD.Nk)
 *   sender_data_nonce = ExpandWithLabel(sender_data_secret, "nonce", ciphertext_sample, AEAD.Nn)
 */
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { expandWithLabel } from '../crypto/labels.js';
import { redacted } from '../util/secret.js';

/** The first Nh bytes of the content ciphertext, or all of it (a view, no copy). */
export function ciphertextSample(cs: CipherSuite, ciphertext: Uint8Array): Uint8Array {
  return ciphertext.subarray(0, Math.min(cs.Nh, ciphertext.length));
}

export interface SenderDataKeyNonce {
  readonly key: Uint8Array;
  readonly nonce: Uint8Array;
}

/** §6.3.2: the sender-data AEAD key and nonce for a content ciphertext (redacted). */
export function senderDataKeyAndNonce(cs: CipherSuite, senderDataSecret: Uint8Array, ciphertext: Uint8Array): SenderDataKeyNonce {
  const sample = ciphertextSample(cs, ciphertext);
  return redacted(
    {
      key: expandWithLabel(cs, senderDataSecret, 'key', sample, cs.Nk),
      nonce: expandWithLabel(cs, senderDataSecret, 'nonce', sample, cs.Nn),
    },
    'SenderDataKeyNonce',
  );
}
