/**
 * secret-tree.json: RFC 9420 §6.3.2 (sender-data key and nonce) and §9 / §9.1 (secret tree and
 * sender ratchets), for trees of 1, 8 and 32 leaves. Every listed (leaf, generation) is checked
 * twice: once as a receiver jumping to the generation, once as a sender stepping through it.
 */
import { nodeCipherSuite } from '../src/crypto/node/provider.js';
import { RatchetType, SecretTree } from '../src/secret-tree/secret-tree.js';
import { senderDataKeyAndNonce } from '../src/secret-tree/sender-data.js';
import { expectBytes, hex } from './assert.js';
import type { Json } from './types.js';

export function runCase(tc: Json): void {
  const cs = nodeCipherSuite(tc.cipher_suite);

  const sd = tc.sender_data;
  const sdk = senderDataKeyAndNonce(cs, hex(sd.sender_data_secret), hex(sd.ciphertext));
  expectBytes('sender_data.key', sdk.key, sd.key);
  expectBytes('sender_data.nonce', sdk.nonce, sd.nonce);

  const leaves: Json[][] = tc.leaves;
  const encryptionSecret = hex(tc.encryption_secret);
  const receiver = SecretTree.create(cs, encryptionSecret, leaves.length);
  const sender = SecretTree.create(cs, encryptionSecret, leaves.length);
  leaves.forEach((gens, leaf) => {
    for (const g of gens) {
      const generation = Number(g.generation);
      const at = `leaf ${leaf} generation ${generation}`;
      for (const [type, keyField, nonceField] of [
        [RatchetType.handshake, 'handshake_key', 'handshake_nonce'],
        [RatchetType.application, 'application_key', 'application_nonce'],
      ] as const) {
        const rk = receiver.receiveKey(leaf, type, generation);
        expectBytes(`${at}: ${keyField} (receive)`, rk.key, g[keyField]);
        expectBytes(`${at}: ${nonceField} (receive)`, rk.nonce, g[nonceField]);
        let sk = sender.nextSendKey(leaf, type);
        while (sk.generation < generation) sk = sender.nextSendKey(leaf, type);
        expectBytes(`${at}: ${keyField} (send)`, sk.key, g[keyField]);
        expectBytes(`${at}: ${nonceField} (send)`, sk.nonce, g[nonceField]);
      }
    }
  });
}
