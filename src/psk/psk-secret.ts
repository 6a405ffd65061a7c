/**
 * RFC 9420 §8.4: psk_secret, the chain of PSKs injected into an epoch, and §8.6 / §11.2 / §11.3:
 * the PreSharedKeyID of a resumption PSK.
 *
 *   struct { PreSharedKeyID id; uint16 index; uint16 count; } PSKLabel;
 *
 *   psk_extracted_[i] = KDF.Extract(0, psk_[i])
 *   psk_input_[i]     = ExpandWithLabel(psk_extracted_[i], "derived psk", PSKLabel, KDF.Nh)
 *   psk_secret_[0]    = 0
 *   psk_secret_[i]    = KDF.Extract(psk_input_[i-1], psk_secret_[i-1])
 *
 * "0" is Nh zero bytes; the order is the order of the Commit's PreSharedKey proposals or of
 * GroupSecrets.psks (R-8.4-01: both must list the same PSKs in the same order).
 */
import { Writer } from '../codec/writer.js';
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { expandWithLabel } from '../crypto/labels.js';
import { UsageError } from '../errors.js';
import { copy, wipe } from '../util/bytes.js';
import { PskType, preSharedKeyIdCodec, type PreSharedKeyId, type ResumptionPskUsage } from './psk-id.js';

/** One PSK to inject: its wire id and the secret the id names (looked up by the caller). */
export interface PskInput {
  readonly id: PreSharedKeyId;
  readonly psk: Uint8Array;
}

/** PSKLabel{id, uint16 index, uint16 count}. */
function pskLabel(id: PreSharedKeyId, index: number, count: number): Uint8Array {
  const w = new Writer(64);
  preSharedKeyIdCodec.encode(w, id);
  return w.u16(index).u16(count).finish();
}

/**
 * §8.4: psk_secret for `psks`, in order. With no PSKs it is Nh zero bytes. Intermediate values
 * are wiped; the caller's PSKs are not (they may be needed again if the Commit is rejected).
 */
export function computePskSecret(cs: CipherSuite, psks: readonly PskInput[]): Uint8Array {
  const count = psks.length;
  // PSKLabel carries index and count as uint16.
  if (count > 0xffff) {
    throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `${count} PSKs exceed the uint16 PSKLabel.count`, { field: 'psks' });
  }
  const zero = new Uint8Array(cs.Nh);
  let secret: Uint8Array = new Uint8Array(cs.Nh);
  for (let i = 0; i < count; i++) {
    const { id, psk } = psks[i]!;
    const extracted = cs.extract(zero, psk);
    const input = expandWithLabel(cs, extracted, 'derived psk', pskLabel(id, i, count), cs.Nh);
    wipe(extracted);
    const next = cs.extract(input, secret);
    wipe(input);
    wipe(secret);
    secret = next;
  }
  return secret;
}

/**
 * R-8.4-02 / R-12.1.4-03 helper: is the id's psk_nonce KDF.Nh bytes long? The caller raises the
 * error with the rule id of its context (a Welcome's GroupSecrets or a PreSharedKey proposal).
 */
export function hasValidPskNonce(cs: CipherSuite, id: PreSharedKeyId): boolean {
  return id.pskNonce.length === cs.Nh;
}

/**
 * §8.4: a fresh id for an external PSK. The nonce is Nh random bytes from the suite (a fresh
 * nonce per injection keeps reused PSKs from giving the same key-schedule input).
 */
export function newExternalPskId(cs: CipherSuite, pskId: Uint8Array): PreSharedKeyId {
  return { pskType: PskType.external, pskId: copy(pskId), pskNonce: cs.random(cs.Nh) };
}

/**
 * §8.6, §11.2, §11.3: a fresh id for the resumption PSK of `groupId` at `epoch` (the PSK itself is
 * that epoch's `resumptionPsk`). `usage` is application (1), reinit (2) or branch (3).
 */
export function newResumptionPskId(cs: CipherSuite, usage: ResumptionPskUsage, groupId: Uint8Array, epoch: bigint): PreSharedKeyId {
  if (epoch < 0n || epoch > 0xffffffffffffffffn) {
    throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `psk_epoch ${epoch} is not a uint64`, { field: 'psk_epoch' });
  }
  return { pskType: PskType.resumption, usage, pskGroupId: copy(groupId), pskEpoch: epoch, pskNonce: cs.random(cs.Nh) };
}
