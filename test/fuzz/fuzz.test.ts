/**
 * Hostile input, bounded run (part of `npm test`): every target of targets.ts — each decoder, the
 * snapshot restore, the join path and the receive path of a real member — gets a few thousand
 * fast-check inputs (random bytes, truncations, byte mutations, splices, structure-aware
 * mutations of valid messages) in a worker thread with a heap cap and a hang watchdog. Every
 * rejection must be a typed MlsError, every accepted decoding canonical, the member's state
 * unchanged by every rejected message, every input within its time bound.
 *
 * `npm run fuzz -- --seed N --count M` runs the same targets longer (test/fuzz/run.ts).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from '../../src/codec/codec.js';
import { proposalCodec } from '../../src/messages/proposal.js';
import { fuzzPrepared } from './engine.js';
import { runInWorker } from './pool.js';
import { TARGETS, typed, Violation, type Prepared } from './targets.js';

/** Inputs per target in the bounded run (decoders are cheap; the group paths cost ~1 ms each). */
export const BOUNDED: Readonly<Record<string, number>> = Object.freeze({ restore: 1000, join: 1000, receive: 1500 });
const DEFAULT_COUNT = 2000;
const SEED = 20_240_101;

describe('fuzz: every target, bounded run (seed 20240101)', () => {
  for (const t of TARGETS) {
    const count = BOUNDED[t.name] ?? DEFAULT_COUNT;
    test(`${t.name}: ${count} inputs — ${t.description}`, async () => {
      const r = await runInWorker({ target: t.name, seed: SEED, count });
      assert.equal(r.abort, undefined, r.abort && `${r.abort.reason} — input #${r.abort.index}: ${r.abort.input.slice(0, 400)}`);
      const s = r.stats!;
      assert.equal(s.failure, undefined, s.failure && `${s.failure.message}\n  plan: ${s.failure.plan.slice(0, 400)}\n  input: ${s.failure.input.slice(0, 400)}`);
      assert.equal(s.inputs, count);
      assert.equal(s.accepted + s.rejected, count);
      assert.ok(s.rejected > count / 10, `only ${s.rejected} rejections: are the mutations reaching the decoder?`);
      assert.ok(s.byKind.structure > count / 10 || t.name === 'Proposal', `only ${s.byKind.structure} structure-aware inputs`);
    });
  }
});

describe('fuzz: the harness finds what it is meant to find', () => {
  const proposals = [new Uint8Array([0, 3, 0, 0, 0, 1])]; // Remove(1)
  const planted = (run: Prepared['run']): Prepared => ({ samples: proposals, run });

  test('an untyped exception on some inputs is reported, with the input', async () => {
    const s = await fuzzPrepared('planted', planted((input) => typed(() => {
      const p = decode(proposalCodec, input);
      if (p.proposalType === 3 && p.remove.removed > 255) throw new TypeError('planted bug');
    })), { seed: 1, count: 2000 });
    assert.ok(s.failure?.message.includes('untyped exception: TypeError: planted bug'), s.failure?.message ?? 'not found');
    assert.ok(s.failure!.input.length > 0, "the input is reported");
  });

  test('a state change on rejection is reported', async () => {
    let state = 0;
    const s = await fuzzPrepared('planted', planted(async (input) => {
      const o = await typed(() => decode(proposalCodec, input));
      if (!o.accepted && input.length === 5) state++;
      if (state > 0) throw new Violation('receive: the state changed although the message was rejected');
      return o;
    }), { seed: 1, count: 2000 });
    assert.ok(s.failure?.message.includes('state changed'), s.failure?.message ?? 'not found');
  });

  test('a slow input is reported', async () => {
    const s = await fuzzPrepared('planted', planted(async (input) => {
      if (input.length > 40) await new Promise((r) => setTimeout(r, 30));
      return typed(() => decode(proposalCodec, input));
    }), { seed: 1, count: 500, perInputMs: 20 });
    assert.ok(s.failure?.message.includes('limit 20 ms'), s.failure?.message ?? 'not found');
  });

  test('a worker over its heap cap is stopped and reported as a memory blow-up', async () => {
    const r = await runInWorker({ target: 'Proposal', seed: 1, count: 10, heapMb: 4 });
    assert.match(r.abort?.reason ?? '', /memory blow-up/);
  });

  test('a worker without progress is stopped by the watchdog', async () => {
    const r = await runInWorker({ target: 'receive', seed: 1, count: 10, stallMs: 1 });
    assert.match(r.abort?.reason ?? '', /hang/);
  });
});
