/**
 * `npm run fuzz -- [--seed N] [--count M] [--target NAME[,NAME…]] [--heap-mb MB] [--stall-ms MS]`
 *
 * The longer fuzz run (test-only tool): every target (or the named ones) for M inputs each, seeded
 * with N (default: a random seed, printed — a failure is reproduced by re-running with it), one
 * worker thread per target with the same heap cap and hang watchdog as the bounded run in
 * `npm test`. Prints inputs, accepted and rejected counts, the commonest error codes and the
 * slowest input per target; exits 1 on any violation.
 *
 * The test runner loads every file under test/ as a test file: loaded that way (NODE_TEST_CONTEXT
 * set), this module does nothing.
 */
import { parseArgs } from 'node:util';
import { runInWorker } from './pool.js';
import { TARGETS } from './targets.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      count: { type: 'string', default: '20000' },
      target: { type: 'string' },
      'heap-mb': { type: 'string', default: '512' },
      'stall-ms': { type: 'string', default: '60000' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`usage: npm run fuzz -- [--seed N] [--count M] [--target ${TARGETS.map((t) => t.name).join('|')}] [--heap-mb MB] [--stall-ms MS]\n`);
    return 0;
  }
  const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  const count = Number(values.count);
  if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(count) || count < 1) throw new Error('--seed and --count must be integers (count ≥ 1)');
  const names = values.target?.split(',') ?? TARGETS.map((t) => t.name);
  process.stdout.write(`mlskit fuzz: seed ${seed}, ${count} inputs per target, ${names.length} targets, Node ${process.version}\n\n`);
  process.stdout.write(`${'target'.padEnd(15)} ${'inputs'.padStart(8)} ${'accepted'.padStart(9)} ${'rejected'.padStart(9)} ${'max ms'.padStart(7)} ${'secs'.padStart(6)}  commonest rejections\n`);
  let failed = 0;
  let total = 0;
  for (const name of names) {
    const r = await runInWorker({ target: name, seed, count, heapMb: Number(values['heap-mb']), stallMs: Number(values['stall-ms']) });
    if (r.abort !== undefined) {
      failed++;
      process.stdout.write(`${name.padEnd(15)} ABORTED: ${r.abort.reason}\n    at input #${r.abort.index}: ${r.abort.input}\n`);
      continue;
    }
    const s = r.stats!;
    total += s.inputs;
    const codes = Object.entries(s.byCode).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([c, n]) => `${c.replace(/^ERR_/, '')} ${n}`).join(', ');
    process.stdout.write(`${name.padEnd(15)} ${String(s.inputs).padStart(8)} ${String(s.accepted).padStart(9)} ${String(s.rejected).padStart(9)} ${s.maxMs.toFixed(1).padStart(7)} ${(s.totalMs / 1000).toFixed(1).padStart(6)}  ${codes}\n`);
    if (s.failure !== undefined) {
      failed++;
      process.stdout.write(`    VIOLATION: ${s.failure.message}\n    plan: ${s.failure.plan}\n    input: ${s.failure.input}\n`);
    }
  }
  process.stdout.write(`\n${total} inputs, ${failed === 0 ? 'no violations' : `${failed} target(s) failed`} (seed ${seed})\n`);
  return failed === 0 ? 0 : 1;
}

if (process.env.NODE_TEST_CONTEXT === undefined) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    },
  );
}
