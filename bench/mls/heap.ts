/**
 * Heap held by one loaded member (run as a child process with --expose-gc, so that nothing else
 * the benchmark holds is counted and the garbage collector can be forced):
 *
 *   node --expose-gc heap.js <mlskit|ts-mls> <suite> <full|sparse> <members>
 *
 * Prints one JSON line: the growth of heapUsed and of arrayBuffers (Uint8Array storage outside the
 * V8 heap) between before loading and after loading one member's state from its fixture (and, for
 * mlskit, filling the tree-hash cache as a live group has it), each after a full collection.
 */
import { readFileSync } from 'node:fs';
import { treeHash } from '../../src/ratchet-tree/tree-hash.js';
import { fixturePath, loadStates, readFixture } from './fixture.js';
import { loadTsMls } from './ops-tsmls.js';

type Gc = () => void;

async function main(): Promise<void> {
  const [impl, suiteArg, tree, membersArg, tsPath] = process.argv.slice(2);
  const gc = (globalThis as { gc?: Gc }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const suite = Number(suiteArg);
  const members = Number(membersArg);
  const t = impl === 'ts-mls' ? await loadTsMls() : undefined;
  const settle = (): NodeJS.MemoryUsage => {
    for (let i = 0; i < 3; i++) gc();
    return process.memoryUsage();
  };
  const load = (): unknown => {
    if (t !== undefined) {
      const bytes = new Uint8Array(readFileSync(tsPath!));
      const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
      return t.decode(t.clientStateDecoder, bytes.slice(4, 4 + n));
    }
    const { committer } = loadStates(readFixture(fixturePath(suite, tree as 'full' | 'sparse', members)));
    treeHash(committer.tree);
    return committer;
  };
  const m0 = settle();
  const t0 = performance.now();
  const state = load();
  const loadMs = performance.now() - t0;
  const m1 = settle();
  if (state === undefined) throw new Error('nothing loaded');
  const heap = m1.heapUsed - m0.heapUsed;
  const ab = m1.arrayBuffers - m0.arrayBuffers;
  process.stdout.write(`${JSON.stringify({ heapUsed: heap, arrayBuffers: ab, loadMs })}\n`);
  (globalThis as { keep?: unknown }).keep = state;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
