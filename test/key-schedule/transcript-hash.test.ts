/** RFC 9420 §8.2: transcript hashes, checked by hand and against transcript-hashes.json. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import { confirmationTag, verifyConfirmationTag } from '../../src/key-schedule/key-schedule.js';
import {
  INITIAL_CONFIRMED_TRANSCRIPT_HASH,
  INITIAL_INTERIM_TRANSCRIPT_HASH,
  confirmedTranscriptHash,
  interimTranscriptHash,
  nextTranscriptHashes,
} from '../../src/key-schedule/transcript-hash.js';
import { Reader } from '../../src/codec/reader.js';
import { varintSize } from '../../src/codec/varint.js';
import { bytesEqual, concat, fromHex, toHex } from '../../src/util/bytes.js';
import { vectorDir } from '../../spec-vectors/run.js';

const cs = nodeCipherSuite(1);

test('epoch 0 starts from empty hashes', () => {
  assert.equal(INITIAL_CONFIRMED_TRANSCRIPT_HASH.length, 0);
  assert.equal(INITIAL_INTERIM_TRANSCRIPT_HASH.length, 0);
});

test('confirmed = Hash(interim || input); interim = Hash(confirmed || tag<V>)', () => {
  const interim = fromHex('01'.repeat(32));
  const input = fromHex('abcdef');
  const confirmed = confirmedTranscriptHash(cs, interim, input);
  assert.ok(bytesEqual(confirmed, cs.hashData(concat(interim, input))));
  const tag = fromHex('02'.repeat(32));
  assert.ok(bytesEqual(interimTranscriptHash(cs, confirmed, tag), cs.hashData(concat(confirmed, fromHex('20'), tag))));
  const both = nextTranscriptHashes(cs, interim, input, tag);
  assert.ok(bytesEqual(both.confirmedTranscriptHash, confirmed));
  assert.ok(bytesEqual(both.interimTranscriptHash, interimTranscriptHash(cs, confirmed, tag)));
});

const file = join(vectorDir(), 'transcript-hashes.json');
test('transcript-hashes.json (all suites)', { skip: existsSync(file) ? false : `no ${file}` }, () => {
  const cases = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string | number>[];
  for (const tc of cases) {
    const suite = nodeCipherSuite(tc['cipher_suite'] as number);
    const ac = fromHex(tc['authenticated_content'] as string);
    // AuthenticatedContent ends with confirmation_tag<V>: an Nh-byte MAC behind its varint header
    // (one byte for Nh = 32 or 48, two for Nh = 64).
    const tagStart = ac.length - suite.Nh - varintSize(suite.Nh);
    const tag = new Reader(ac, tagStart).opaque('confirmation_tag');
    const input = ac.subarray(0, tagStart);
    const confirmed = confirmedTranscriptHash(suite, fromHex(tc['interim_transcript_hash_before'] as string), input);
    assert.equal(toHex(confirmed), tc['confirmed_transcript_hash_after'], `suite ${suite.id}: confirmed`);
    const key = fromHex(tc['confirmation_key'] as string);
    assert.ok(bytesEqual(confirmationTag(suite, key, confirmed), tag), `suite ${suite.id}: confirmation_tag`);
    assert.ok(verifyConfirmationTag(suite, key, confirmed, tag));
    assert.equal(toHex(interimTranscriptHash(suite, confirmed, tag)), tc['interim_transcript_hash_after'], `suite ${suite.id}: interim`);
  }
});
