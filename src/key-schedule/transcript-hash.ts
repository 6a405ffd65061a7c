/**
 * RFC 9420 §8.2: the confirmed and interim transcript hashes.
 *
 *   struct {
 *       WireFormat wire_format;
 *       FramedContent content; // with content_type == commit
 *       opaque signature<V>;
 *   } ConfirmedTranscriptHashInput;
 *
 *   struct { MAC confirmation_tag; } InterimTranscriptHashInput;
 *
 *   confirmed_transcript_hash_[epoch] = Hash(interim_transcript_hash_[epoch-1] || ConfirmedTranscriptHashInput_[epoch])
 *   interim_transcript_hash_[epoch]   = Hash(confirmed_transcript_hash_[epoch] || InterimTranscriptHashInput_[epoch])
 *
 * The framing layer produces the encoded ConfirmedTranscriptHashInput (it owns FramedContent);
 * this module only hashes. `MAC confirmation_tag` is `opaque MAC<V>` (§6.1), so the interim input
 * is the tag with its varint length header.
 */
import { Writer } from '../codec/writer.js';
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { EMPTY } from '../util/bytes.js';

/** §8.2 / §11: confirmed_transcript_hash_[0] is the zero-length octet string. */
export const INITIAL_CONFIRMED_TRANSCRIPT_HASH: Uint8Array = EMPTY;
/** §8.2: interim_transcript_hash_[0] is the zero-length octet string. */
export const INITIAL_INTERIM_TRANSCRIPT_HASH: Uint8Array = EMPTY;

/** Hash(interim_transcript_hash_prev || ConfirmedTranscriptHashInput). */
export function confirmedTranscriptHash(cs: CipherSuite, interimTranscriptHashPrev: Uint8Array, confirmedTranscriptHashInput: Uint8Array): Uint8Array {
  const input = new Writer(interimTranscriptHashPrev.length + confirmedTranscriptHashInput.length)
    .bytes(interimTranscriptHashPrev)
    .bytes(confirmedTranscriptHashInput)
    .finish();
  return cs.hashData(input);
}

/** Hash(confirmed_transcript_hash || InterimTranscriptHashInput{confirmation_tag<V>}). */
export function interimTranscriptHash(cs: CipherSuite, confirmedTranscriptHash: Uint8Array, confirmationTag: Uint8Array): Uint8Array {
  const input = new Writer(confirmedTranscriptHash.length + confirmationTag.length + 4)
    .bytes(confirmedTranscriptHash)
    .opaque(confirmationTag)
    .finish();
  return cs.hashData(input);
}

/** Both hashes for a Commit that starts a new epoch. */
export interface TranscriptHashes {
  readonly confirmedTranscriptHash: Uint8Array;
  readonly interimTranscriptHash: Uint8Array;
}

/**
 * The new epoch's confirmed hash from the previous interim hash and the Commit's
 * ConfirmedTranscriptHashInput, and its interim hash from the Commit's confirmation_tag.
 * Note the confirmation tag itself is computed over the new confirmed hash (with the new epoch's
 * confirmation_key), so a committer calls `confirmedTranscriptHash` first, then the key schedule,
 * then `interimTranscriptHash`; a receiver that already has the tag can use this shortcut.
 */
export function nextTranscriptHashes(
  cs: CipherSuite,
  interimTranscriptHashPrev: Uint8Array,
  confirmedTranscriptHashInput: Uint8Array,
  confirmationTag: Uint8Array,
): TranscriptHashes {
  const confirmed = confirmedTranscriptHash(cs, interimTranscriptHashPrev, confirmedTranscriptHashInput);
  return { confirmedTranscriptHash: confirmed, interimTranscriptHash: interimTranscriptHash(cs, confirmed, confirmationTag) };
}
