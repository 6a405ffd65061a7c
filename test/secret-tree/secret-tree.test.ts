/** RFC 9420 §9, §9.1, §9.2 and §6.3.2: the secret tree, sender ratchets and their windows. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import { deriveTreeSecret, expandWithLabel } from '../../src/crypto/labels.js';
import { StorageError, UsageError, ValidationError } from '../../src/errors.js';
import { RatchetType, SecretTree } from '../../src/secret-tree/secret-tree.js';
import { SenderRatchet, type RatchetKey } from '../../src/secret-tree/ratchet.js';
import { ciphertextSample, senderDataKeyAndNonce } from '../../src/secret-tree/sender-data.js';
import { EMPTY, bytesEqual, fromHex, toHex, utf8 } from '../../src/util/bytes.js';

const cs = nodeCipherSuite(1);
const ENC = fromHex('0f'.repeat(32));
const A = RatchetType.application;
const H = RatchetType.handshake;

function validationError(f: () => unknown, code: string, rule: string): void {
  assert.throws(f, (err: unknown) => {
    assert.ok(err instanceof ValidationError, `expected ValidationError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.rule, rule);
    return true;
  });
}

/** In-order reference keys of one ratchet, computed straight from §9 / §9.1. */
function referenceKeys(encryptionSecret: Uint8Array, leafCount: number, leaf: number, type: RatchetType, count: number): { key: string; nonce: string }[] {
  let width = 1;
  while (width < leafCount) width *= 2;
  // Walk the full tree from the root (the textbook derivation, not the lazy one).
  let secret = encryptionSecret;
  let lo = 0;
  let hi = width;
  while (hi - lo > 1) {
    const mid = (lo + hi) / 2;
    const goLeft = leaf < mid;
    secret = expandWithLabel(cs, secret, 'tree', utf8(goLeft ? 'left' : 'right'), cs.Nh);
    if (goLeft) hi = mid;
    else lo = mid;
  }
  let r = expandWithLabel(cs, secret, type, EMPTY, cs.Nh);
  const out: { key: string; nonce: string }[] = [];
  for (let j = 0; j < count; j++) {
    out.push({ key: toHex(deriveTreeSecret(cs, r, 'key', j, cs.Nk)), nonce: toHex(deriveTreeSecret(cs, r, 'nonce', j, cs.Nn)) });
    r = deriveTreeSecret(cs, r, 'secret', j, cs.Nh);
  }
  return out;
}

function hexKey(k: RatchetKey): { key: string; nonce: string } {
  return { key: toHex(k.key), nonce: toHex(k.nonce) };
}

describe('sender data (§6.3.2)', () => {
  test('the sample is the first Nh bytes, or the whole ciphertext when shorter', () => {
    const long = new Uint8Array(100).map((_, i) => i);
    assert.equal(ciphertextSample(cs, long).length, cs.Nh);
    const short = new Uint8Array(5).fill(7);
    assert.ok(bytesEqual(ciphertextSample(cs, short), short));
    const sd = fromHex('11'.repeat(32));
    const k = senderDataKeyAndNonce(cs, sd, long);
    assert.ok(bytesEqual(k.key, expandWithLabel(cs, sd, 'key', long.subarray(0, 32), cs.Nk)));
    assert.ok(bytesEqual(k.nonce, expandWithLabel(cs, sd, 'nonce', long.subarray(0, 32), cs.Nn)));
    // Bytes past the sample do not matter.
    const long2 = long.slice();
    long2[90] = 0xff;
    assert.ok(bytesEqual(senderDataKeyAndNonce(cs, sd, long2).key, k.key));
  });
});

describe('secret tree derivation (§9)', () => {
  test('send and receive keys match the textbook derivation', () => {
    const tree = SecretTree.create(cs, ENC, 8);
    const ref = referenceKeys(ENC, 8, 5, A, 4);
    for (let j = 0; j < 4; j++) assert.deepEqual(hexKey(tree.nextSendKey(5, A)), ref[j]);
    const rx = SecretTree.create(cs, ENC, 8);
    assert.deepEqual(hexKey(rx.receiveKey(5, A, 3)), ref[3]);
    assert.deepEqual(hexKey(rx.receiveKey(5, A, 0)), ref[0]);
    const hs = referenceKeys(ENC, 8, 5, H, 1);
    assert.deepEqual(hexKey(rx.receiveKey(5, H, 0)), hs[0]);
  });

  test('a one-leaf tree uses the encryption secret as the leaf secret', () => {
    const tree = SecretTree.create(cs, ENC, 1);
    assert.deepEqual(hexKey(tree.nextSendKey(0, H)), referenceKeys(ENC, 1, 0, H, 1)[0]);
  });

  test('a leaf count that is not a power of two gives the keys of the padded tree', () => {
    const five = SecretTree.create(cs, ENC, 5);
    const eight = SecretTree.create(cs, ENC, 8);
    assert.deepEqual(hexKey(five.nextSendKey(4, A)), hexKey(eight.nextSendKey(4, A)));
    assert.throws(() => five.nextSendKey(5, A), UsageError);
  });

  test('a received leaf index outside the tree is R-6.3.2-02', () => {
    const tree = SecretTree.create(cs, ENC, 4);
    validationError(() => tree.receiveKey(4, A, 0), 'ERR_VALIDATION_SENDER', 'R-6.3.2-02');
    validationError(() => tree.receiveKey(-1, A, 0), 'ERR_VALIDATION_SENDER', 'R-6.3.2-02');
  });

  test('parents are deleted once split: the stored nodes stay a frontier (§9.2)', () => {
    const tree = SecretTree.create(cs, ENC, 8);
    assert.equal(tree.storedNodeCount, 1);
    tree.nextSendKey(0, A);
    // Root, node 3 and node 1 were split and dropped; leaf 0 became ratchets. Left: 11, 5, 2.
    assert.deepEqual(
      tree.toState().nodes.map((n) => n.node).sort((a, b) => a - b),
      [2, 5, 11],
    );
    tree.nextSendKey(1, A); // consumes node 2
    assert.equal(tree.storedNodeCount, 2);
    for (let l = 2; l < 8; l++) tree.nextSendKey(l, H);
    assert.equal(tree.storedNodeCount, 0);
    assert.equal(tree.activeLeafCount, 8);
  });

  test('100,000 leaves: one sender touches O(log n) nodes, never the whole tree', () => {
    const n = 100_000;
    const tree = SecretTree.create(cs, ENC, n);
    const depth = Math.ceil(Math.log2(n)); // 17
    tree.nextSendKey(77_777, A);
    assert.ok(tree.storedNodeCount <= depth, `stored ${tree.storedNodeCount} nodes`);
    tree.receiveKey(3, A, 0);
    assert.ok(tree.storedNodeCount <= 2 * depth, `stored ${tree.storedNodeCount} nodes`);
    assert.equal(tree.activeLeafCount, 2);
    assert.deepEqual(hexKey(tree.receiveKey(99_999, H, 0)), referenceKeys(ENC, n, 99_999, H, 1)[0]);
    assert.ok(tree.storedNodeCount <= 3 * depth);
  });
});

describe('sender ratchets: windows and deletion (§9.1, §9.2, §15.3)', () => {
  test('R-9.1-01: a replayed generation is rejected', () => {
    const tree = SecretTree.create(cs, ENC, 2);
    tree.receiveKey(1, A, 0);
    validationError(() => tree.receiveKey(1, A, 0), 'ERR_VALIDATION_GENERATION_CONSUMED', 'R-9.1-01');
    // Also for an out-of-order key taken from the skipped cache.
    tree.receiveKey(1, A, 5);
    tree.receiveKey(1, A, 3);
    validationError(() => tree.receiveKey(1, A, 3), 'ERR_VALIDATION_GENERATION_CONSUMED', 'R-9.1-01');
    validationError(() => tree.receiveKey(1, A, 5), 'ERR_VALIDATION_GENERATION_CONSUMED', 'R-9.1-01');
    // The other ratchet of the same leaf is independent.
    assert.equal(tree.receiveKey(1, H, 0).generation, 0);
  });

  test('R-9.1-01: a generation we sent on cannot be received', () => {
    const tree = SecretTree.create(cs, ENC, 2);
    tree.nextSendKey(0, A);
    validationError(() => tree.receiveKey(0, A, 0), 'ERR_VALIDATION_GENERATION_CONSUMED', 'R-9.1-01');
  });

  test('S-15.3-02: a generation beyond the forward window is a typed error and changes nothing', () => {
    const tree = SecretTree.create(cs, ENC, 2, { maxForwardDistance: 10, maxSkippedKeys: 4 });
    validationError(() => tree.receiveKey(1, A, 11), 'ERR_VALIDATION_GENERATION_TOO_FAR', 'S-15.3-02');
    assert.equal(tree.nextGeneration(1, A), 0);
    assert.equal(tree.receiveKey(1, A, 10).generation, 10); // exactly at the limit
    validationError(() => tree.receiveKey(1, A, 22), 'ERR_VALIDATION_GENERATION_TOO_FAR', 'S-15.3-02');
    assert.equal(tree.receiveKey(1, A, 21).generation, 21); // the window moves with the ratchet
  });

  test('S-15.3-01: the skipped-key cache is bounded and evicts the oldest', () => {
    const tree = SecretTree.create(cs, ENC, 2, { maxForwardDistance: 100, maxSkippedKeys: 3 });
    tree.receiveKey(0, A, 5); // skips 0..4; only 2, 3, 4 are kept
    validationError(() => tree.receiveKey(0, A, 0), 'ERR_VALIDATION_GENERATION_EXPIRED', 'S-15.3-01');
    validationError(() => tree.receiveKey(0, A, 1), 'ERR_VALIDATION_GENERATION_EXPIRED', 'S-15.3-01');
    tree.receiveKey(0, A, 7); // skips 6: cache 2,3,4,6 -> evict 2
    validationError(() => tree.receiveKey(0, A, 2), 'ERR_VALIDATION_GENERATION_EXPIRED', 'S-15.3-01');
    const ref = referenceKeys(ENC, 2, 0, A, 8);
    assert.deepEqual(hexKey(tree.receiveKey(0, A, 3)), ref[3]);
    assert.deepEqual(hexKey(tree.receiveKey(0, A, 6)), ref[6]);
    assert.deepEqual(hexKey(tree.receiveKey(0, A, 4)), ref[4]);
    assert.equal(tree.toState().leaves[0]!.application.skipped.length, 0);
  });

  test('maxSkippedKeys = 0 allows no out-of-order delivery', () => {
    const tree = SecretTree.create(cs, ENC, 2, { maxForwardDistance: 10, maxSkippedKeys: 0 });
    tree.receiveKey(0, A, 2);
    validationError(() => tree.receiveKey(0, A, 1), 'ERR_VALIDATION_GENERATION_EXPIRED', 'S-15.3-01');
    assert.equal(tree.receiveKey(0, A, 3).generation, 3);
  });

  test('out-of-order delivery within the window yields the in-order keys', () => {
    const tree = SecretTree.create(cs, ENC, 4);
    const ref = referenceKeys(ENC, 4, 2, A, 10);
    for (const g of [4, 1, 9, 0, 2, 3, 8, 5, 7, 6]) assert.deepEqual(hexKey(tree.receiveKey(2, A, g)), ref[g], `generation ${g}`);
  });

  test('window settings are checked', () => {
    assert.throws(() => SecretTree.create(cs, ENC, 2, { maxForwardDistance: -1, maxSkippedKeys: 1 }), UsageError);
    assert.throws(() => SecretTree.create(cs, ENC, 2, { maxForwardDistance: 1, maxSkippedKeys: 1.5 }), UsageError);
    assert.throws(() => SecretTree.create(cs, ENC, 2, { maxForwardDistance: 2 ** 20, maxSkippedKeys: 1 }), UsageError);
    assert.throws(() => SecretTree.create(cs, ENC, 0), UsageError);
    assert.throws(() => SecretTree.create(cs, ENC.subarray(1), 2), UsageError);
  });

  test('openWith consumes the key only when `use` succeeds, and wipes it afterwards', () => {
    const tree = SecretTree.create(cs, ENC, 2);
    const ref = referenceKeys(ENC, 2, 1, A, 4);
    // A failing decryption (forward path) leaves the ratchet as it was.
    assert.throws(() => tree.openWith(1, A, 3, () => {
      throw new Error('AEAD failed');
    }), /AEAD failed/);
    assert.equal(tree.nextGeneration(1, A), 0);
    // Success consumes: the key handed to `use` is the right one, and is wiped afterwards.
    let seen: RatchetKey | undefined;
    const got = tree.openWith(1, A, 3, (k) => {
      seen = k;
      return toHex(k.key);
    });
    assert.equal(got, ref[3]!.key);
    assert.ok(seen !== undefined && seen.key.every((b) => b === 0) && seen.nonce.every((b) => b === 0));
    assert.equal(tree.nextGeneration(1, A), 4);
    // A failing decryption of a cached (skipped) key keeps it in the cache.
    assert.throws(() => tree.openWith(1, A, 1, () => {
      throw new Error('bad tag');
    }), /bad tag/);
    assert.equal(tree.openWith(1, A, 1, (k) => toHex(k.nonce)), ref[1]!.nonce);
    validationError(() => tree.openWith(1, A, 1, () => 0), 'ERR_VALIDATION_GENERATION_CONSUMED', 'R-9.1-01');
    // An asynchronous `use` cannot report success in time: refused, nothing consumed.
    assert.throws(() => tree.openWith(1, A, 2, async () => 1), UsageError);
    assert.equal(tree.openWith(1, A, 2, (k) => toHex(k.key)), ref[2]!.key);
  });

  test('the ratchet cannot pass generation 2^32 - 1', () => {
    const r = SenderRatchet.fromState(cs, { generation: 0xffffffff, secret: new Uint8Array(32), skipped: [], expiredThrough: 0xfffffffe });
    assert.equal(r.next().generation, 0xffffffff);
    assert.throws(() => r.next(), UsageError);
    assert.throws(() => r.receive(2 ** 32), UsageError);
  });
});

describe('property: out-of-order receipt equals in-order derivation', () => {
  test('any order of generations within the window decrypts to the in-order keys', () => {
    const N = 24;
    const ref = referenceKeys(ENC, 2, 1, A, N);
    fc.assert(
      fc.property(
        // A random subset of 0..N-1 in a random order, and a window that admits every step of it.
        fc.shuffledSubarray([...Array(N).keys()], { minLength: 1 }),
        (order) => {
          const tree = SecretTree.create(cs, ENC, 2, { maxForwardDistance: N, maxSkippedKeys: N });
          for (const g of order) {
            const k = tree.receiveKey(1, A, g);
            if (k.generation !== g || toHex(k.key) !== ref[g]!.key || toHex(k.nonce) !== ref[g]!.nonce) return false;
          }
          // Each was consumed exactly once.
          for (const g of order) {
            try {
              tree.receiveKey(1, A, g);
              return false;
            } catch (err) {
              if (!(err instanceof ValidationError) || err.rule !== 'R-9.1-01') return false;
            }
          }
          return true;
        },
      ),
      { numRuns: 60 },
    );
  });

  test('with a small cache, a key is either correct or rejected by S-15.3-01 (never wrong)', () => {
    const N = 20;
    const ref = referenceKeys(ENC, 2, 0, H, N);
    fc.assert(
      fc.property(fc.shuffledSubarray([...Array(N).keys()], { minLength: 1 }), fc.integer({ min: 0, max: 5 }), (order, cache) => {
        const tree = SecretTree.create(cs, ENC, 2, { maxForwardDistance: N, maxSkippedKeys: cache });
        for (const g of order) {
          try {
            const k = tree.receiveKey(0, H, g);
            if (toHex(k.key) !== ref[g]!.key) return false;
          } catch (err) {
            if (!(err instanceof ValidationError) || err.rule !== 'S-15.3-01') return false;
          }
        }
        return true;
      }),
      { numRuns: 60 },
    );
  });
});

describe('staging and persistence', () => {
  test('clone is independent of the original (stage, then merge)', () => {
    const tree = SecretTree.create(cs, ENC, 4);
    tree.receiveKey(1, A, 2);
    const staged = tree.clone();
    staged.receiveKey(1, A, 0);
    staged.nextSendKey(3, H);
    // The original still has generation 0 of leaf 1 and has not derived leaf 3.
    assert.deepEqual(hexKey(tree.receiveKey(1, A, 0)), referenceKeys(ENC, 4, 1, A, 1)[0]);
    assert.equal(tree.activeLeafCount, 1);
    assert.equal(staged.activeLeafCount, 2);
  });

  test('toState / fromState round-trips the live secrets', () => {
    const tree = SecretTree.create(cs, ENC, 8, { maxForwardDistance: 50, maxSkippedKeys: 5 });
    tree.receiveKey(6, A, 7);
    tree.nextSendKey(2, H);
    const state = tree.toState();
    const restored = SecretTree.fromState(cs, state, { maxForwardDistance: 50, maxSkippedKeys: 5 });
    const ref = referenceKeys(ENC, 8, 6, A, 9);
    assert.deepEqual(hexKey(restored.receiveKey(6, A, 4)), ref[4]);
    assert.deepEqual(hexKey(restored.receiveKey(6, A, 8)), ref[8]);
    validationError(() => restored.receiveKey(6, A, 1), 'ERR_VALIDATION_GENERATION_EXPIRED', 'S-15.3-01');
    assert.equal(restored.nextSendKey(2, H).generation, 1);
    assert.deepEqual(hexKey(restored.nextSendKey(5, A)), referenceKeys(ENC, 8, 5, A, 1)[0]);
    // The snapshot owns its arrays: wiping the tree does not touch it.
    tree.destroy();
    assert.ok(state.nodes.every((n) => n.secret.some((b) => b !== 0)));
  });

  test('fromState rejects malformed state', () => {
    const good = SecretTree.create(cs, ENC, 4).toState();
    assert.throws(() => SecretTree.fromState(cs, { ...good, leafCount: 0 }), StorageError);
    assert.throws(() => SecretTree.fromState(cs, { ...good, nodes: [{ node: 99, secret: ENC }] }), StorageError);
    assert.throws(() => SecretTree.fromState(cs, { ...good, nodes: [{ node: 3, secret: ENC.subarray(2) }] }), StorageError);
    const t = SecretTree.create(cs, ENC, 4);
    t.nextSendKey(0, A);
    const s = t.toState();
    const leaf = s.leaves[0]!;
    assert.throws(
      () => SecretTree.fromState(cs, { ...s, leaves: [{ ...leaf, application: { ...leaf.application, generation: -1 } }] }),
      StorageError,
    );
    assert.throws(() => SecretTree.fromState(cs, { ...s, leaves: [leaf, leaf] }), StorageError);
  });

  test('destroy wipes the secrets and leaves the tree unusable', () => {
    const tree = SecretTree.create(cs, ENC, 4);
    tree.nextSendKey(0, A);
    tree.destroy();
    assert.equal(tree.storedNodeCount, 0);
    assert.throws(() => tree.nextSendKey(0, A), UsageError);
    assert.throws(() => tree.nextSendKey(1, A), UsageError);
    assert.throws(() => tree.receiveKey(1, A, 0), UsageError);
    assert.throws(() => tree.clone(), UsageError);
  });
});

describe('secrets are redacted', () => {
  test('JSON.stringify and util.inspect never show key material', () => {
    const tree = SecretTree.create(cs, ENC, 4);
    const k = tree.nextSendKey(0, A);
    const sd = senderDataKeyAndNonce(cs, ENC, new Uint8Array(40));
    const fragments = [toHex(ENC).slice(0, 16), toHex(k.key).slice(0, 16), toHex(k.nonce).slice(0, 16), toHex(sd.key).slice(0, 16)];
    for (const obj of [tree, k, sd]) {
      const shown = [JSON.stringify(obj), inspect(obj, { depth: 10 }), JSON.stringify({ nested: obj }), inspect({ nested: obj }, { depth: 10 })];
      for (const s of shown) {
        for (const f of fragments) assert.ok(!s.includes(f), `${s} leaks ${f}`);
        // The bytes do not appear in decimal form either (inspect's default for Uint8Array).
        assert.ok(!s.includes(`${ENC[0]}, ${ENC[1]}`) && !s.includes(`${k.key[0]}, ${k.key[1]}, ${k.key[2]}`), s);
      }
    }
  });
});
