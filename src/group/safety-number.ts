/**
 * Key verification for people (the E2EE definition's "open challenge"): short codes two humans can
 * compare over another channel.
 *
 * - The group code answers "are we in the same group state?": it is derived from the epoch
 *   authenticator (RFC 9420 §8.7), which every member of an epoch computes identically and which
 *   an attacker who forked the group cannot match.
 * - The member fingerprint answers "is this really Alice?": it is derived from the member's
 *   credential and signature key, so it changes whenever either changes.
 *
 * Both are rendered as groups of five decimal digits (like Signal's safety numbers): each group is
 * 5 bytes of a hash, taken modulo 100000 — a bias below 2^-20 per group.
 */
import { encode } from '../codec/codec.js';
import { Writer } from '../codec/writer.js';
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { credentialCodec, type Credential } from '../credentials/credential.js';
import { utf8 } from '../util/bytes.js';

const GROUP_LABEL = 'mlskit group safety number v1';
const MEMBER_LABEL = 'mlskit member fingerprint v1';

function digits(hash: Uint8Array, groups: number): string {
  const out: string[] = [];
  for (let g = 0; g < groups; g++) {
    let v = 0;
    for (let i = 0; i < 5; i++) v = v * 256 + hash[(g * 5 + i) % hash.length]!;
    out.push(String(v % 100000).padStart(5, '0'));
  }
  return out.join(' ');
}

/** 30 digits (6 × 5) from the epoch authenticator and the group id. */
export function groupSafetyNumber(cs: CipherSuite, groupId: Uint8Array, epochAuthenticator: Uint8Array): string {
  const input = new Writer(96).opaque(utf8(GROUP_LABEL)).opaque(groupId).opaque(epochAuthenticator).finish();
  return digits(cs.hashData(input), 6);
}

/** 30 digits (6 × 5) from a member's credential and signature key. */
export function memberFingerprint(cs: CipherSuite, credential: Credential, signatureKey: Uint8Array): string {
  const input = new Writer(128).opaque(utf8(MEMBER_LABEL)).opaque(encode(credentialCodec, credential)).opaque(signatureKey).finish();
  return digits(cs.hashData(input), 6);
}
