/**
 * psk_secret.json: RFC 9420 §8.4, psk_secret from 0..10 external PSKs, PreSharedKeyID
 * {external, psk_id, psk_nonce} at index i of n.
 */
import { nodeCipherSuite } from '../src/crypto/node/provider.js';
import { computePskSecret, type PskInput } from '../src/psk/psk-secret.js';
import { PskType } from '../src/psk/psk-id.js';
import { expectBytes, hex } from './assert.js';
import type { Json } from './types.js';

export function runCase(tc: Json): void {
  const cs = nodeCipherSuite(tc.cipher_suite);
  const psks: PskInput[] = (tc.psks as Json[]).map((p) => ({
    id: { pskType: PskType.external, pskId: hex(p.psk_id), pskNonce: hex(p.psk_nonce) },
    psk: hex(p.psk),
  }));
  expectBytes(`psk_secret (${psks.length} PSKs)`, computePskSecret(cs, psks), tc.psk_secret);
}
