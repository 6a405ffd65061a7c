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
import { unpack } from 'msgpackr';
import { treeHash } from '../../src/ratchet-tree/tree-hash.js';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import { restoreState } from '../../src/group/snapshot.js';
import { fixturePath, LARGE_GROUP_CONFIG, readFixture } from './fixture.js';
import { loadTsMls } from './ops-tsmls.js';

type Gc = () => void;

async function main(): Promise<void> {
  const [impl, suiteArg, tree, membersArg, tsPath] = process.argv.slice(2);
  const gc = (globalThis as { gc?: Gc }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const suite = Number(suiteArg);
  const members = Number(membersArg);
  const t = impl === 'ts-mls' ? await loadTsMls() : undefined;
  // Between turns of the event loop: a WeakRef made in this job keeps its target alive until the
  // job ends (PublicTree registers its views through WeakRefs), so collect only after a turn.
  // V8 frees the storage of dead ArrayBuffers concurrently, after the collection: wait for it too.
  const settle = async (): Promise<NodeJS.MemoryUsage> => {
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 30));
      gc();
    }
    await new Promise((r) => setTimeout(r, 30));
    return process.memoryUsage();
  };
  const load = (): unknown => {
    if (t !== undefined) {
      const bytes = new Uint8Array(readFileSync(tsPath!));
      const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
      return t.decode(t.clientStateDecoder, bytes.slice(4, 4 + n));
    }
    const committer = restoreState(readFixture(fixturePath(suite, tree as 'full' | 'sparse', members)).committer, nodeCipherSuite, LARGE_GROUP_CONFIG);
    treeHash(committer.tree);
    return committer;
  };
  const m0 = await settle();
  const t0 = performance.now();
  const state = load();
  const loadMs = performance.now() - t0;
  // msgpackr keeps a DataView of the last buffer it decoded in a module variable (until its next
  // unpack), which would pin the whole fixture file here: a snapshot-sized, transient cost of
  // restoreState that is not the state's. Decoding one byte releases it.
  unpack(Uint8Array.of(0xc0));
  const m1 = await settle();
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
