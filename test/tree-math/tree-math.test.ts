/** Tree-math identities (RFC 9420 Appendix C), checked as properties over many tree sizes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  commonAncestor, copath, directPath, isInSubtree, leafIndex, leafRange, leafToNode, left, level, nodeIndex, nodeToLeaf, nodeWidth, parent, right, root, sibling, MAX_LEAVES, type NodeIndex,
} from '../../src/tree-math/index.js';
import { MlsError } from '../../src/errors.js';

const treeArb = fc.integer({ min: 0, max: 16 }).chain((k) => {
  const n = 2 ** k;
  return fc.tuple(fc.constant(n), fc.integer({ min: 0, max: nodeWidth(n) - 1 }), fc.integer({ min: 0, max: nodeWidth(n) - 1 }));
});

test('children of a parent have it as parent, and are siblings', () => {
  fc.assert(fc.property(treeArb, ([n, xi]) => {
    const x = nodeIndex(xi);
    if (level(x) === 0) return;
    assert.equal(parent(left(x), n), x);
    assert.equal(parent(right(x), n), x);
    assert.equal(sibling(left(x), n), right(x));
    assert.equal(level(left(x)), level(x) - 1);
  }));
});

test('direct path ends at the root and has log2(n) entries for a leaf', () => {
  fc.assert(fc.property(treeArb, ([n, xi]) => {
    const leaf = leafIndex(Math.floor(xi / 2) % n);
    const dp = directPath(leafToNode(leaf), n);
    assert.equal(dp.length, Math.log2(n));
    if (dp.length > 0) assert.equal(dp[dp.length - 1], root(n));
    assert.equal(copath(leafToNode(leaf), n).length, dp.length);
  }));
});

test('subtree membership agrees with walking up the direct path', () => {
  fc.assert(fc.property(treeArb, ([n, ai, di]) => {
    const a = nodeIndex(ai);
    const d = nodeIndex(di);
    const walk = d === a || directPath(d, n).includes(a);
    assert.equal(isInSubtree(a, d), walk);
  }));
});

test('common ancestor is the lowest shared node of both direct paths', () => {
  fc.assert(fc.property(treeArb, ([n, xi, yi]) => {
    const x = nodeIndex(xi);
    const y = nodeIndex(yi);
    const px = [x, ...directPath(x, n)];
    const py = new Set<NodeIndex>([y, ...directPath(y, n)]);
    const expected = px.find((p) => py.has(p));
    assert.equal(commonAncestor(x, y), expected);
  }));
});

test('leaf range of a node covers exactly the leaves below it', () => {
  fc.assert(fc.property(treeArb, ([n, xi]) => {
    const x = nodeIndex(xi);
    const [first, end] = leafRange(x);
    for (let l = 0; l < n; l++) {
      assert.equal(l >= first && l < end, isInSubtree(x, leafToNode(leafIndex(l))));
    }
  }), { numRuns: 30 });
});

test('leaf and node indices convert both ways', () => {
  assert.equal(leafToNode(leafIndex(5)), 10);
  assert.equal(nodeToLeaf(nodeIndex(10)), 5);
});

test('the maximum tree size is enforced and its indices stay 32-bit safe', () => {
  assert.throws(() => leafIndex(MAX_LEAVES), MlsError);
  assert.throws(() => leafIndex(-1), MlsError);
  assert.throws(() => nodeIndex(1.5), MlsError);
  const r = root(MAX_LEAVES);
  assert.equal(r, 2 ** 30 - 1);
  const last = leafToNode(leafIndex(MAX_LEAVES - 1));
  assert.equal(directPath(last, MAX_LEAVES).at(-1), r);
});

test('root of a one-leaf tree is 0, and leaves have no children', () => {
  assert.equal(root(1), 0);
  assert.throws(() => left(nodeIndex(0)), MlsError);
  assert.throws(() => parent(nodeIndex(0), 1), MlsError);
});
