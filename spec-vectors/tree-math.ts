/** tree-math.json: RFC 9420 Appendix C array-tree arithmetic. */
import { left, level, nodeIndex, nodeWidth, parent, right, root, sibling } from '../src/tree-math/index.js';
import { expectEqual } from './assert.js';
import type { Json } from './types.js';

function orNull(f: () => number): number | null {
  try {
    return f();
  } catch {
    return null;
  }
}

export function runCase(tc: Json): void {
  const n: number = tc.n_leaves;
  expectEqual('n_nodes', nodeWidth(n), tc.n_nodes);
  expectEqual('root', root(n), tc.root);
  for (let i = 0; i < tc.n_nodes; i++) {
    const x = nodeIndex(i);
    const leaf = level(x) === 0;
    expectEqual(`left(${i})`, leaf ? null : left(x), tc.left[i]);
    expectEqual(`right(${i})`, leaf ? null : right(x), tc.right[i]);
    expectEqual(`parent(${i})`, orNull(() => parent(x, n)), tc.parent[i]);
    expectEqual(`sibling(${i})`, orNull(() => sibling(x, n)), tc.sibling[i]);
  }
}
