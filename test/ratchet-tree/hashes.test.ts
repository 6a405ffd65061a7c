/** RFC 9420 §7.8 and §7.9: the allocation-free hash encoders against the reference encoders, and cache hygiene. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parentHash, parentHashInput } from '../../src/ratchet-tree/parent-hash.js';
import { hashParentHashInput, hashParentNodeInput, parentNodeHashInput, treeHash } from '../../src/ratchet-tree/tree-hash.js';
import { leafIndex } from '../../src/tree-math/index.js';
import { cs, GroupSim } from './helpers.js';

const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const parentArb = fc.option(
  fc.record({
    encryptionKey: bytes(200),
    parentHash: bytes(80),
    unmergedLeaves: fc.array(fc.nat({ max: 2 ** 30 - 1 }), { maxLength: 40 }),
  }),
  { nil: undefined },
);

test('hashParentNodeInput = Hash(ParentNodeHashInput), for any parent and child hashes', () => {
  fc.assert(
    fc.property(parentArb, bytes(70), bytes(70), (p, l, r) => {
      assert.deepEqual(hashParentNodeInput(cs, p, l, r), cs.hashData(parentNodeHashInput(p, l, r)));
    }),
    { numRuns: 300 },
  );
});

test('parentHash = Hash(ParentHashInput)', () => {
  fc.assert(
    fc.property(bytes(200), bytes(80), bytes(80), (k, ph, s) => {
      assert.deepEqual(parentHash(cs, k, ph, s), cs.hashData(parentHashInput(k, ph, s)));
      assert.deepEqual(hashParentHashInput(cs, k, ph, s), cs.hashData(parentHashInput(k, ph, s)));
    }),
    { numRuns: 200 },
  );
});

test('treeHash returns a copy: changing it, or the tree later, leaves earlier results intact', () => {
  const sim = new GroupSim(false);
  for (let i = 0; i < 5; i++) sim.add();
  const h1 = treeHash(sim.tree);
  const keep = h1.slice();
  h1.fill(0);
  assert.deepEqual(treeHash(sim.tree), keep);
  const h2 = treeHash(sim.tree);
  sim.commit(leafIndex(2));
  assert.notDeepEqual(treeHash(sim.tree), keep);
  assert.deepEqual(h2, keep);
});
