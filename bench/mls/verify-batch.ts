/**
 * How much batch verification on every core would save a join: the leaf signatures of a fixture
 * tree (RFC 9420 §12.4.3.1, R-7.3-02: one per member) verified one by one as validateRatchetTree
 * does today, then with verifyBatch (src/crypto/node/verify-batch.ts). Medians of `runs` runs,
 * public-key caches cleared before each, as for a joining client.
 *
 *   node --expose-gc dist/bench/mls/verify-batch.js [members=16384] [runs=3] [full|sparse]
 */
import { availableParallelism } from 'node:os';
import { verifyWithLabel } from '../../src/crypto/labels.js';
import { clearPublicKeyCaches } from '../../src/crypto/node/keys.js';
import { verifyBatch, type SignatureCheck } from '../../src/crypto/node/verify-batch.js';
import { Writer } from '../../src/codec/writer.js';
import { leafNodeTbs } from '../../src/ratchet-tree/node.js';
import { utf8 } from '../../src/util/bytes.js';
import type { SignatureSchemeId } from '../../src/crypto/cipher-suite.js';
import { getFixture, loadStates, type TreeShape } from './fixture.js';

const members = Number(process.argv[2] ?? 16384);
const runs = Number(process.argv[3] ?? 3);
const shape = (process.argv[4] ?? 'full') as TreeShape;
const { committer } = loadStates(getFixture(1, shape, members).file);
const cs = committer.cs;
const groupId = committer.context.groupId;
const leaves = [...committer.tree.leaves()];
// SignContent{"MLS 1.0 LeafNodeTBS", LeafNodeTBS} (§5.1.2), built once: both ways verify the same bytes.
const label = utf8('MLS 1.0 LeafNodeTBS');
const checks: SignatureCheck[] = leaves.map(([l, leaf]) => {
  const tbs = leafNodeTbs(leaf, groupId, l);
  return { publicKey: leaf.signatureKey, message: new Writer(tbs.length + 32).opaque(label).opaque(tbs).finish(), signature: leaf.signature };
});
const gc = (globalThis as { gc?: () => void }).gc;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const seq: number[] = [];
const par: number[] = [];
for (let r = 0; r < runs; r++) {
  clearPublicKeyCaches();
  gc?.();
  let t = performance.now();
  let ok = 0;
  for (const [l, leaf] of leaves) if (verifyWithLabel(cs, leaf.signatureKey, 'LeafNodeTBS', leafNodeTbs(leaf, groupId, l), leaf.signature)) ok++;
  seq.push(performance.now() - t);
  if (ok !== leaves.length) throw new Error('a leaf signature did not verify');
  clearPublicKeyCaches();
  gc?.();
  t = performance.now();
  const v = await verifyBatch(cs.signatureScheme.id as SignatureSchemeId, checks);
  par.push(performance.now() - t);
  if (!v.every((x) => x)) throw new Error('a leaf signature did not verify in the batch');
}
const s = median(seq);
const p = median(par);
console.log(
  `${leaves.length} leaf signatures (${shape} tree), ${availableParallelism()} cores: one by one ${(s / 1000).toFixed(2)} s (${((1000 * s) / leaves.length).toFixed(0)} µs each), ` +
    `batch on the thread pool ${(p / 1000).toFixed(2)} s (${((1000 * p) / leaves.length).toFixed(0)} µs each): ${(s / p).toFixed(2)}× (medians of ${runs})`,
);
