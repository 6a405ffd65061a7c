/**
 * Micro-benchmarks of the Node crypto provider (HPKE, RFC 9180; signatures, RFC 9420 §17.1):
 * median µs per operation. Keys are set up before timing; "cached" means the same key buffer is
 * used every time, as protocol state does. Run: `npx tsx bench/crypto.bench.ts`.
 */
import { cpus } from 'node:os';
import { nodeCipherSuite } from '../src/crypto/node/provider.js';
import { utf8 } from '../src/util/bytes.js';

const ROUNDS = 15;

/** Median over ROUNDS of the mean time of one op, each round sized to take roughly 20 ms. */
function bench(name: string, op: () => unknown): number {
  for (let i = 0; i < 20; i++) op();
  const t0 = process.hrtime.bigint();
  op();
  const once = Math.max(1, Number(process.hrtime.bigint() - t0) / 1000);
  const n = Math.max(5, Math.min(5000, Math.round(20_000 / once)));
  const samples: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) op();
    samples.push(Number(process.hrtime.bigint() - start) / 1000 / n);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)]!;
  console.log(`${name.padEnd(48)} ${median.toFixed(1).padStart(9)} µs`);
  return median;
}

console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'} × ${cpus().length}`);

const info = utf8('MLS 1.0 UpdatePathNode + a GroupContext of a typical size'.repeat(4));
const aad = new Uint8Array(0);
const pt = new Uint8Array(64).fill(1); // a path secret and its framing

for (const id of [1, 2, 7, 5] as const) {
  const cs = nodeCipherSuite(id);
  const kp = cs.hpke.generateKeyPair();
  const sealed = cs.hpke.seal(kp.publicKey, info, aad, pt);
  const label = `suite ${id} HPKE`;
  bench(`${label} seal (recipient key cached)`, () => cs.hpke.seal(kp.publicKey, info, aad, pt));
  bench(`${label} open (private key cached)`, () => cs.hpke.open(kp.privateKey, sealed.kemOutput, info, aad, sealed.ciphertext));
  const ikm = cs.random(cs.hpke.Nsk);
  bench(`${label} deriveKeyPair`, () => cs.hpke.deriveKeyPair(ikm));
}

for (const id of [1, 4, 2, 7, 5] as const) {
  const cs = nodeCipherSuite(id);
  const s = cs.signatureScheme;
  const kp = s.generateKeyPair();
  const msg = new Uint8Array(200).fill(3); // a LeafNodeTBS-sized message
  const sig = s.sign(kp.privateKey, msg);
  const name = { 1: 'Ed25519', 4: 'Ed448', 2: 'ECDSA P-256', 7: 'ECDSA P-384', 5: 'ECDSA P-521' }[id];
  bench(`${name} sign (cached key)`, () => s.sign(kp.privateKey, msg));
  bench(`${name} verify (cached key)`, () => s.verify(kp.publicKey, msg, sig));
  if (id === 1 || id === 2) {
    // A key seen for the first time: a fresh copy each call defeats both cache levels only
    // when its content is new too, so time the import path through a never-seen key.
    const keys = Array.from({ length: 2000 }, () => s.generateKeyPair());
    const sigs = keys.map((k) => s.sign(k.privateKey, msg));
    let i = 0;
    bench(`${name} verify (new key each time)`, () => {
      const j = i++ % keys.length;
      return s.verify(keys[j]!.publicKey.slice(), msg, sigs[j]!);
    });
  }
}
