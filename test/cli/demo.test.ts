/**
 * `mls demo`, run in-process: the whole story succeeds with agreement after every step on suites 1
 * and 3, the delivery service relayed the Commits and Welcomes and never saw a plaintext, and —
 * the negative control — a member that leaks its plaintexts (in the clear authenticated_data) is
 * caught, so the plaintext check is shown able to fail.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DemoOptionError, resolveDemoOptions, runDemo, runDemoCommand, searchPlaintexts, type StepResult } from '../../src/cli/demo.js';
import { MessageKind, type LogEntry } from '../../src/cli/delivery-service.js';
import { decodeMlsMessage, WireFormat } from '../../src/index.js';
import { ProposalOrRefType } from '../../src/messages/proposal.js';

const STEP_IDS = ['1', '2', '3', '4', '5a', '5b', '6'];

for (const suite of [1, 3]) {
  describe(`suite ${suite}, 4 members`, () => {
    test('every step succeeds, all members agree after each, the DS sees only ciphertext', async () => {
      const reported: StepResult[] = [];
      const r = await runDemo({ members: 4, suite, onStep: (s) => reported.push(s) });
      assert.deepEqual(r.steps.map((s) => s.id), STEP_IDS);
      assert.deepEqual(reported, r.steps, 'onStep saw every step as it completed');
      for (const s of r.steps) {
        assert.ok(s.ok, `step ${s.id} failed: ${s.error ?? 'disagreement'}`);
        assert.ok(s.agreement, `step ${s.id}: members disagree`);
        assert.match(s.authenticator, /^[0-9a-f]{8}$/);
      }
      // Epochs: create 0, add 1, messages stay in 1, remove 2, update 3, empty commit 4, add 5.
      assert.deepEqual(r.steps.map((s) => s.epoch), [0, 1, 1, 2, 3, 4, 5]);
      assert.deepEqual(r.steps.map((s) => s.members), [1, 4, 4, 2, 2, 2, 3]);
      // Each epoch has its own authenticator.
      assert.equal(new Set(r.steps.map((s) => s.authenticator)).size, 6);
      assert.equal(r.dsSawPlaintext, false);
      assert.equal(r.plaintexts.sent, 8);
      assert.equal(r.plaintexts.found, 0);
      assert.equal(r.plaintexts.bytesSearched, r.ds.bytes);
      assert.ok(r.ok);
      assert.equal(r.suite.id, suite);
    });

    test('the DS log holds the KeyPackages, Commits, Welcomes, GroupInfos and ciphertexts it relayed', async () => {
      const r = await runDemo({ members: 4, suite });
      const of = (kind: MessageKind): LogEntry[] => r.log.filter((e) => e.kind === kind);
      const wire = (e: LogEntry): number => decodeMlsMessage(e.bytes).wireFormat;

      const welcomes = of(MessageKind.welcome);
      assert.deepEqual(welcomes.map((w) => [w.from, w.to]), [['alice', ['bob', 'carol', 'dave']], ['bob', ['erin']]]);
      assert.ok(welcomes.every((w) => wire(w) === WireFormat.mls_welcome));

      const commits = of(MessageKind.commit);
      assert.deepEqual(commits.map((c) => c.from), ['alice', 'alice', 'alice', 'bob', 'bob']);
      // The first Commit went to nobody (alice was alone); the removal Commit reached the removed.
      assert.deepEqual(commits[0]!.to, []);
      assert.deepEqual(commits[1]!.to, ['bob', 'carol', 'dave']);
      // What the Commits carry, read from the wire: the removals and the Update by reference,
      // the PCS Commit empty but with a path.
      const body = (e: LogEntry) => {
        const m = decodeMlsMessage(e.bytes);
        assert.ok(m.wireFormat === WireFormat.mls_public_message && m.publicMessage.content.contentType === 3);
        return m.publicMessage.content.commit;
      };
      assert.deepEqual(body(commits[1]!).proposals.map((p) => p.type), [ProposalOrRefType.reference, ProposalOrRefType.reference]);
      assert.deepEqual(body(commits[2]!).proposals.map((p) => p.type), [ProposalOrRefType.reference]);
      assert.equal(body(commits[3]!).proposals.length, 0);
      assert.ok(body(commits[3]!).path !== undefined);

      assert.deepEqual(of(MessageKind.keyPackage).map((k) => [k.from, k.to]), [['bob', ['alice']], ['carol', ['alice']], ['dave', ['alice']], ['erin', ['bob']]]);
      assert.equal(of(MessageKind.groupInfo).length, commits.length);
      assert.deepEqual(of(MessageKind.proposal).map((p) => p.from), ['bob', 'bob', 'bob']);

      const apps = of(MessageKind.application);
      assert.equal(apps.length, 8);
      assert.ok(apps.every((a) => wire(a) === WireFormat.mls_private_message && a.to.length === 3));

      // The per-kind statistics add up to the log.
      const counted = Object.values(r.ds.byKind).reduce((n, s) => n + s.count, 0);
      assert.equal(counted, r.log.length);
      assert.equal(r.ds.messages, r.log.length);
    });
  });
}

describe('negative control', () => {
  test('a leaky member (plaintext in the clear authenticated_data) is caught and fails the demo', async () => {
    const r = await runDemo({ members: 4, suite: 1, leakyMember: true });
    // The protocol itself still works; only the adversary check fails.
    assert.ok(r.steps.every((s) => s.ok));
    assert.equal(r.dsSawPlaintext, true);
    assert.equal(r.ok, false);
    assert.equal(r.plaintexts.found, 2, "both of the leaky member's plaintexts are found");
    assert.ok(r.plaintexts.hits.every((h) => h.kind === MessageKind.application && r.log[h.seq]?.from === 'dave'));
  });

  test('searchPlaintexts finds a plaintext anywhere inside a stored byte string', () => {
    const p = new TextEncoder().encode('needle');
    const hay = new Uint8Array([1, 2, 3, ...p, 4]);
    const log: LogEntry[] = [
      { seq: 0, kind: MessageKind.application, from: 'x', to: [], bytes: new Uint8Array([110, 101, 101, 100, 108]) },
      { seq: 1, kind: MessageKind.commit, from: 'x', to: [], bytes: hay.subarray(1) },
    ];
    const r = searchPlaintexts([p, new TextEncoder().encode('absent')], log);
    assert.deepEqual(r, { sent: 2, found: 1, bytesSearched: 5 + hay.length - 1, hits: [{ plaintext: 0, seq: 1, kind: MessageKind.commit }] });
  });
});

describe('options', () => {
  test('defaults and bounds', () => {
    assert.deepEqual(resolveDemoOptions({}), { members: 8, suite: 1, messages: 2 });
    for (const bad of [{ members: 1 }, { members: 1001 }, { members: 2.5 }, { members: Number.NaN }, { suite: 0 }, { suite: 9 }, { messages: 0 }, { messages: 1001 }]) {
      assert.throws(() => resolveDemoOptions(bad), DemoOptionError, JSON.stringify(bad));
    }
  });

  test('a group of two skips the removal and still completes', async () => {
    const r = await runDemo({ members: 2, suite: 1, messages: 1 });
    assert.ok(r.ok);
    assert.match(r.steps[3]!.title, /^skipped/);
    assert.equal(r.steps.at(-1)!.members, 3);
  });
});

describe('the command', () => {
  /** Runs `mls demo ARGS` in-process, collecting stdout and stderr together. */
  async function run(args: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const sink = (text: string): void => {
      out += text;
    };
    const code = await runDemoCommand(args, { out: sink, err: sink });
    return { code, out };
  }

  test('exit codes: 0 on success, 1 when plaintext leaks, 2 on bad options', async () => {
    const ok = await run(['--members', '3', '--json']);
    assert.equal(ok.code, 0);
    const summary = JSON.parse(ok.out) as { dsSawPlaintext: boolean; ok: boolean; steps: unknown[] };
    assert.equal(summary.dsSawPlaintext, false);
    assert.equal(summary.steps.length, 7);

    const leak = await run(['--members', '3', '--leaky']);
    assert.equal(leak.code, 1);
    assert.match(leak.out, /2 of 6 plaintexts found/);

    assert.equal((await run(['--members', '1'])).code, 2);
    assert.equal((await run(['--suite', 'x'])).code, 2);
  });

  test('the text report names the suite and the size and ends with the plaintext check', async () => {
    const r = await run(['--members', '4', '--suite', '0x0003']);
    assert.equal(r.code, 0);
    assert.match(r.out, /MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 \(0x0003\), 4 members/);
    assert.match(r.out, /0 of 8 plaintexts found in [\d,]+ bytes the DS stored/);
    assert.equal(r.out.match(/all agree/g)?.length, 7);
  });
});
