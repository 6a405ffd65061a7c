/**
 * transcript-hashes.json: RFC 9420 §8.2 (confirmed and interim transcript hashes) and §6.1
 * (confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash)).
 *
 * `authenticated_content` is an AuthenticatedContent holding a Commit. Its
 * ConfirmedTranscriptHashInput is rebuilt from the decoded value (not by cutting bytes), so the
 * framing codec and `confirmedTranscriptHashInput` are exercised as well as the hashes.
 */
import { decode, encode } from '../src/codec/codec.js';
import { nodeCipherSuite } from '../src/crypto/node/provider.js';
import { authenticatedContentCodec, confirmedTranscriptHashInput, ContentType } from '../src/framing/content.js';
import { confirmationTag, verifyConfirmationTag } from '../src/key-schedule/key-schedule.js';
import { confirmedTranscriptHash, interimTranscriptHash, nextTranscriptHashes } from '../src/key-schedule/transcript-hash.js';
import { bytesEqual } from '../src/util/bytes.js';
import { expectBytes, expectEqual, expectTrue, hex } from './assert.js';
import type { Json } from './types.js';

export function runCase(tc: Json): void {
  const cs = nodeCipherSuite(tc.cipher_suite);
  const acBytes = hex(tc.authenticated_content);
  const ac = decode(authenticatedContentCodec, acBytes);
  expectTrue('authenticated_content round trip', bytesEqual(encode(authenticatedContentCodec, ac), acBytes));
  expectEqual('authenticated_content.content_type', ac.content.contentType as number, ContentType.commit);
  const tag = ac.auth.confirmationTag;
  if (tag === undefined) throw new Error('authenticated_content: a commit without confirmation_tag');

  // Step 1: the input is authenticated_content minus its final confirmation_tag<V>.
  const input = confirmedTranscriptHashInput(ac.wireFormat, ac.content, ac.auth.signature);
  expectTrue('ConfirmedTranscriptHashInput is a prefix of authenticated_content', bytesEqual(input, acBytes.subarray(0, input.length)));

  // Step 2: confirmed_after = Hash(interim_before || ConfirmedTranscriptHashInput).
  const confirmed = confirmedTranscriptHash(cs, hex(tc.interim_transcript_hash_before), input);
  expectBytes('confirmed_transcript_hash_after', confirmed, tc.confirmed_transcript_hash_after);

  // Step 3: the tag carried in the content is MAC(confirmation_key, confirmed_after).
  const key = hex(tc.confirmation_key);
  expectTrue('confirmation_tag = MAC(confirmation_key, confirmed_after)', bytesEqual(confirmationTag(cs, key, confirmed), tag));
  expectTrue('verifyConfirmationTag', verifyConfirmationTag(cs, key, confirmed, tag));

  // Step 4: interim_after = Hash(confirmed_after || confirmation_tag<V>).
  expectBytes('interim_transcript_hash_after', interimTranscriptHash(cs, confirmed, tag), tc.interim_transcript_hash_after);

  // The receiver's shortcut must agree with the step-by-step computation.
  const both = nextTranscriptHashes(cs, hex(tc.interim_transcript_hash_before), input, tag);
  expectBytes('nextTranscriptHashes.confirmed', both.confirmedTranscriptHash, tc.confirmed_transcript_hash_after);
  expectBytes('nextTranscriptHashes.interim', both.interimTranscriptHash, tc.interim_transcript_hash_after);
}
