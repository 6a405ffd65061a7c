/**
 * src/crypto/node/verify-batch.ts (the batch verification bench/mls/verify-batch.ts measures for
 * joins): the same verdicts as SignatureScheme.verify, in input order, for valid, tampered and
 * malformed inputs of every signature scheme.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import { verifyBatch, type SignatureCheck } from '../../src/crypto/node/verify-batch.js';
import type { SignatureSchemeId } from '../../src/crypto/cipher-suite.js';

for (const suite of [1, 2, 4, 5, 7]) {
  const cs = nodeCipherSuite(suite);
  const s = cs.signatureScheme;
  describe(`verifyBatch, suite ${suite} (scheme 0x${s.id.toString(16)})`, () => {
    it('agrees with verify on valid, tampered and malformed checks, in order', async () => {
      const checks: SignatureCheck[] = [];
      for (let i = 0; i < 24; i++) {
        const kp = s.generateKeyPair();
        const message = cs.random(40 + i);
        const signature = s.sign(kp.privateKey, message);
        switch (i % 6) {
          case 0:
            checks.push({ publicKey: kp.publicKey, message, signature });
            break;
          case 1: {
            const m = message.slice();
            m[0] = m[0]! ^ 1;
            checks.push({ publicKey: kp.publicKey, message: m, signature });
            break;
          }
          case 2: {
            const sig = signature.slice();
            sig[sig.length - 1] = sig[sig.length - 1]! ^ 1;
            checks.push({ publicKey: kp.publicKey, message, signature: sig });
            break;
          }
          case 3:
            checks.push({ publicKey: kp.publicKey.subarray(1), message, signature });
            break;
          case 4:
            checks.push({ publicKey: s.generateKeyPair().publicKey, message, signature });
            break;
          default:
            checks.push({ publicKey: kp.publicKey, message, signature: signature.subarray(0, 3) });
        }
      }
      const expected = checks.map((c) => s.verify(c.publicKey, c.message, c.signature));
      assert.deepEqual(await verifyBatch(s.id as SignatureSchemeId, checks), expected);
      assert.deepEqual(await verifyBatch(s.id as SignatureSchemeId, checks, 1), expected);
      assert.ok(expected.some((x) => x) && expected.some((x) => !x));
    });
  });
}

describe('verifyBatch', () => {
  it('returns an empty list for no checks', async () => {
    assert.deepEqual(await verifyBatch(0x0807, []), []);
  });
});
