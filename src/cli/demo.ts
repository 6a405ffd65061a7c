/**
 * `mls demo`: one group's life told through the public API, with an in-process Delivery Service
 * standing in for the network and for the adversary who runs it (RFC 9420 §3, §16).
 *
 *   1   the creator creates the group
 *   2   the others publish KeyPackages (§10); the creator adds them all in one Commit, the DS relays
 *       the Commit and the Welcome (§12.4.3), everyone joins
 *   3   everyone sends application messages (§6.3); every member decrypts every message
 *   4   a member proposes removing two members by reference (§12.1.3); another commits
 *   5a  a member proposes an Update (§12.1.2); another commits it
 *   5b  an empty Commit with a path: post-compromise security (§12.4, §16.6)
 *   6   the group grows again by one
 *
 * After every step all members must agree on the epoch and the epoch authenticator (§8.7). At the
 * end every plaintext that was sent is searched for in every byte string the DS stored: finding one
 * fails the demo. `runDemo` is the whole demo as a function; the CLI only formats its result.
 */
import { parseArgs } from 'node:util';
import {
  CIPHER_SUITES,
  CipherSuiteId,
  CredentialType,
  MlsGroup,
  basicCredential,
  cipherSuite,
  createKeyPackage,
  generateIdentity,
  keyPackageMessage,
  readKeyPackageMessage,
  type CipherSuite,
  type CommitEffects,
  type CommitRequest,
  type CreatedKeyPackage,
  type Identity,
} from '../index.js';
import { DeliveryService, MessageKind, type KindStats, type LogEntry } from './delivery-service.js';

export const DEMO_LIMITS = Object.freeze({ minMembers: 2, maxMembers: 1000, minMessages: 1, maxMessages: 1000 });

export interface DemoOptions {
  /** Group size at the start, 2..1000 (default 8). */
  readonly members?: number;
  /** Cipher suite id (default 1). */
  readonly suite?: number;
  /** Application messages each member sends in step 3, 1..1000 (default 2). */
  readonly messages?: number;
  /** Called as each step completes, so a caller can print progress. */
  readonly onStep?: (step: StepResult) => void;
  /**
   * TEST-ONLY negative control: the last member also puts each plaintext in its messages'
   * authenticated_data, which a PrivateMessage carries in clear (§6.3). The plaintext check must
   * then find it and the demo must fail; this proves the check can fail.
   */
  readonly leakyMember?: boolean;
}

export interface StepResult {
  readonly id: string;
  readonly title: string;
  readonly ms: number;
  readonly epoch: number;
  /** Members in the group after the step. */
  readonly members: number;
  /** The first 8 hex digits of the epoch authenticator (the first member's, if they disagree). */
  readonly authenticator: string;
  /** Every member has the same epoch, epoch authenticator, exporter output and roster size. */
  readonly agreement: boolean;
  readonly ok: boolean;
  readonly error?: string;
}

export interface PlaintextCheck {
  readonly sent: number;
  readonly found: number;
  readonly bytesSearched: number;
  /** For each plaintext found: which one, and in which stored message. */
  readonly hits: readonly { readonly plaintext: number; readonly seq: number; readonly kind: MessageKind }[];
}

export interface DemoResult {
  readonly suite: { readonly id: number; readonly name: string };
  readonly members: number;
  readonly messagesPerMember: number;
  readonly steps: readonly StepResult[];
  readonly ds: { readonly messages: number; readonly bytes: number; readonly byKind: Readonly<Record<MessageKind, KindStats>> };
  readonly plaintexts: PlaintextCheck;
  readonly dsSawPlaintext: boolean;
  /** Every step succeeded with agreement, and the DS saw no plaintext. */
  readonly ok: boolean;
  /** Everything the DS stored (not part of the JSON summary). */
  readonly log: readonly LogEntry[];
}

export class DemoOptionError extends Error {
  override readonly name = 'DemoOptionError';
}

/** Fills defaults and checks every option. */
export function resolveDemoOptions(options: DemoOptions): { members: number; suite: CipherSuiteId; messages: number } {
  const members = options.members ?? 8;
  const suite = options.suite ?? CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
  const messages = options.messages ?? 2;
  const { minMembers, maxMembers, minMessages, maxMessages } = DEMO_LIMITS;
  if (!Number.isInteger(members) || members < minMembers || members > maxMembers) throw new DemoOptionError(`--members must be an integer in ${minMembers}..${maxMembers}, got ${members}`);
  if (!Number.isInteger(messages) || messages < minMessages || messages > maxMessages) throw new DemoOptionError(`--messages must be an integer in ${minMessages}..${maxMessages}, got ${messages}`);
  if (!isSuite(suite)) throw new DemoOptionError(`--suite must be one of ${Object.keys(CIPHER_SUITES).join(', ')}, got ${suite}`);
  return { members, suite, messages };
}

function isSuite(n: number): n is CipherSuiteId {
  return Object.prototype.hasOwnProperty.call(CIPHER_SUITES, n);
}

export function suiteLabel(id: CipherSuiteId): string {
  return `${CIPHER_SUITES[id].name} (0x${id.toString(16).padStart(4, '0')})`;
}

/** Alice-and-Bob names for the first 26 members, numbered names after that. */
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'kim', 'leo', 'mia', 'nick', 'olga', 'peggy', 'quinn', 'rupert', 'sybil', 'trent', 'uma', 'victor', 'wendy', 'xavier', 'yara', 'zoe'];
const nameOf = (i: number): string => NAMES[i] ?? `member${i + 1}`;
const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** A client of the DS: an identity, at most one group, and the KeyPackage it will join with. */
interface Client {
  readonly name: string;
  readonly identity: Identity;
  group: MlsGroup | undefined;
  /** Its private keys stay here until the Welcome is processed, then are dropped (§16.8: used once). */
  keyPackage: CreatedKeyPackage | undefined;
  /** Application messages decrypted in the current exchange. */
  received: { sender: number; text: string }[];
}

interface Sent {
  readonly from: Client;
  readonly leaf: number;
  readonly text: string;
}

class DemoFailure extends Error {
  override readonly name = 'DemoFailure';
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new DemoFailure(message);
}

/** The leaf of the member named `name` in `group`'s roster, found the way an application would: by credential. */
function leafOf(group: MlsGroup, name: string): number {
  const member = group.members().find((m) => m.credential.credentialType === CredentialType.basic && decoder.decode(m.credential.identity) === name);
  check(member !== undefined, `${name} is not in the roster`);
  return member.leafIndex;
}

function inGroup(c: Client): MlsGroup {
  check(c.group !== undefined && !c.group.removed, `${c.name} is not in the group`);
  return c.group;
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const { members: n, suite, messages: k } = resolveDemoOptions(options);
  const cs: CipherSuite = cipherSuite(suite);
  const ds = new DeliveryService();
  const clients: Client[] = [];
  const plaintexts: Uint8Array[] = [];
  const steps: StepResult[] = [];

  const newClient = (name: string): Client => {
    const c: Client = { name, identity: generateIdentity(cs, basicCredential(name)), group: undefined, keyPackage: undefined, received: [] };
    clients.push(c);
    return c;
  };
  const live = (): Client[] => clients.filter((c) => c.group !== undefined && !c.group.removed);
  const names = (list: readonly Client[]): string => list.map((c) => c.name).join(', ');

  /** Every client drains its inbox, in a fixed order: join on a Welcome, process everything else. */
  const pump = async (): Promise<void> => {
    for (const c of clients) {
      for (const entry of ds.pull(c.name)) {
        if (entry.kind === MessageKind.welcome) {
          check(c.group === undefined && c.keyPackage !== undefined, `${c.name} got a Welcome it cannot use`);
          c.group = await MlsGroup.join({ welcome: entry.bytes, keyPackages: [c.keyPackage] });
          c.keyPackage = undefined;
          ds.subscribe(c.name);
          continue;
        }
        const group = inGroup(c);
        const r = await group.process(entry.bytes);
        if (r.kind === 'commit') await group.merge(r.staged);
        else if (r.kind === 'application') c.received.push({ sender: r.sender, text: decoder.decode(r.data) });
        // A proposal is now cached in the receiver's state, for the Commit that references it.
      }
    }
  };

  /** Publishes a fresh KeyPackage for `c` (as an MLSMessage, the way a client uploads one). */
  const publishKeyPackage = (c: Client): void => {
    c.keyPackage = createKeyPackage({ cipherSuite: cs, credential: c.identity.credential, signaturePrivateKey: c.identity.signaturePrivateKey, signaturePublicKey: c.identity.signaturePublicKey });
    ds.publishKeyPackage(c.name, keyPackageMessage(c.keyPackage.keyPackage));
  };

  /** `committer` commits; the DS orders it; then the GroupInfo and any Welcome go out and everyone catches up. */
  const commitThroughDs = async (committer: Client, request: CommitRequest, joiners: readonly Client[] = []): Promise<CommitEffects> => {
    const group = inGroup(committer);
    const out = await group.commit(request);
    if (!ds.submitCommit(committer.name, out.commit)) {
      await group.discardCommit();
      throw new DemoFailure(`the DS refused ${committer.name}'s Commit`);
    }
    await group.confirmCommit();
    ds.publishGroupInfo(committer.name, out.groupInfo);
    if (joiners.length > 0) {
      check(out.welcome !== undefined, 'a Commit that adds members came without a Welcome');
      ds.sendWelcome(committer.name, out.welcome, joiners.map((j) => j.name));
    }
    await pump();
    return out.effects;
  };

  const agreement = (): Omit<StepResult, 'id' | 'title' | 'ms' | 'ok' | 'error'> => {
    const groups = live().map((c) => inGroup(c));
    const first = groups[0];
    if (first === undefined) return { epoch: -1, members: 0, authenticator: '', agreement: false };
    const same = <T>(f: (g: MlsGroup) => T): boolean => new Set(groups.map(f)).size === 1;
    const agree =
      same((g) => g.epoch) &&
      same((g) => hex(g.epochAuthenticator)) &&
      same((g) => hex(g.exportSecret('mls demo', new Uint8Array(0), 16))) &&
      groups.every((g) => g.members().length === groups.length);
    return { epoch: Number(first.epoch), members: groups.length, authenticator: hex(first.epochAuthenticator).slice(0, 8), agreement: agree };
  };

  /** Runs one step, times it (the agreement check is not timed), records and reports it. */
  const step = async (id: string, title: string, body: () => Promise<void>): Promise<boolean> => {
    const started = performance.now();
    let error: string | undefined;
    try {
      await body();
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    const ms = performance.now() - started;
    let a: ReturnType<typeof agreement>;
    try {
      a = agreement();
    } catch (err) {
      a = { epoch: -1, members: 0, authenticator: '', agreement: false };
      error ??= err instanceof Error ? err.message : String(err);
    }
    const result: StepResult = { id, title, ms, ...a, ok: error === undefined && a.agreement, ...(error !== undefined ? { error } : {}) };
    steps.push(result);
    options.onStep?.(result);
    return result.ok;
  };

  // The story. Each step's actors are picked by position so the run is the same every time.
  const story = async (): Promise<void> => {
    const creator = newClient(nameOf(0));
    const others = Array.from({ length: n - 1 }, (_, i) => newClient(nameOf(i + 1)));

    if (!(await step('1', `${creator.name} creates the group`, async () => {
      creator.group = await MlsGroup.create({ cipherSuite: cs, identity: creator.identity });
      ds.subscribe(creator.name);
    }))) return;

    if (!(await step('2', `${plural(others.length, 'other')} publish KeyPackages; ${creator.name} adds all in one Commit`, async () => {
      for (const c of others) publishKeyPackage(c);
      const add = others.map((c) => readKeyPackageMessage(ds.fetchKeyPackage(creator.name, c.name)));
      // The Commit validates every KeyPackage (§10.1) before it adds it.
      const effects = await commitThroughDs(creator, { add }, others);
      check(effects.added.length === others.length, `the Commit added ${effects.added.length} of ${others.length}`);
      check(others.every((c) => c.group !== undefined), 'not every new member joined');
    }))) return;

    const leaker = options.leakyMember === true ? live().at(-1) : undefined;
    const total = live().length * k;
    if (!(await step('3', `${live().length} x ${plural(k, 'message')}; each member decrypts the ${total - k} it did not send`, async () => {
      const sent: Sent[] = [];
      for (const c of live()) c.received = [];
      for (let round = 0; round < k; round++) {
        for (const c of live()) {
          const group = inGroup(c);
          const text = `${c.name}'s message ${round + 1} of ${k}: the meeting moved to room ${100 + sent.length}`;
          const data = encoder.encode(text);
          plaintexts.push(data);
          const bytes = await group.encrypt(data, c === leaker ? { authenticatedData: data } : {});
          ds.send(c.name, bytes);
          sent.push({ from: c, leaf: group.myLeafIndex, text });
        }
        await pump();
      }
      for (const c of live()) {
        const expected = sent.filter((s) => s.from !== c).map((s) => `${s.leaf}:${s.text}`);
        const got = c.received.map((r) => `${r.sender}:${r.text}`);
        check(got.length === expected.length && got.every((g, i) => g === expected[i]), `${c.name} decrypted ${got.length} of ${expected.length} messages correctly`);
      }
    }))) return;

    {
      // Two leave, unless the group is too small to spare two and still have a proposer and a committer.
      const [committer, proposer, ...rest] = live();
      check(committer !== undefined && proposer !== undefined, 'fewer than two members');
      const victims = rest.slice(0, 2);
      const title = victims.length > 0 ? `${proposer.name} proposes removing ${names(victims)} by reference; ${committer.name} commits` : 'skipped: a group of two has no member to remove';
      if (!(await step('4', title, async () => {
        if (victims.length === 0) return;
        for (const v of victims) {
          ds.send(proposer.name, await inGroup(proposer).proposeRemove(leafOf(inGroup(proposer), v.name)));
          await pump();
        }
        const effects = await commitThroughDs(committer, {});
        check(effects.removed.length === victims.length, `the Commit removed ${effects.removed.length} of ${victims.length}`);
        for (const v of victims) {
          check(v.group?.removed === true, `${v.name} does not know it was removed`);
          ds.unsubscribe(v.name);
        }
      }))) return;
    }

    {
      const group = live();
      const committer = group[0];
      const updater = group.at(-1);
      check(committer !== undefined && updater !== undefined && committer !== updater, 'fewer than two members');
      if (!(await step('5a', `${updater.name} proposes an Update; ${committer.name} commits it`, async () => {
        ds.send(updater.name, await inGroup(updater).proposeUpdate());
        await pump();
        const leaf = inGroup(updater).myLeafIndex;
        const effects = await commitThroughDs(committer, {});
        check(effects.updated.some((u) => u.leaf === leaf), `${updater.name}'s Update was not applied`);
      }))) return;

      if (!(await step('5b', `${updater.name} commits an empty Commit with a path (PCS)`, async () => {
        const effects = await commitThroughDs(updater, { updatePath: true });
        check(effects.path, 'the empty Commit carried no path');
      }))) return;
    }

    {
      const committer = live()[1];
      check(committer !== undefined, 'fewer than two members');
      const newcomer = newClient(nameOf(clients.length));
      const before = live().length;
      if (!(await step('6', `${newcomer.name} publishes a KeyPackage; ${committer.name} adds ${newcomer.name}`, async () => {
        publishKeyPackage(newcomer);
        const kp = readKeyPackageMessage(ds.fetchKeyPackage(committer.name, newcomer.name));
        await commitThroughDs(committer, { add: [kp] }, [newcomer]);
        check(newcomer.group !== undefined && live().length === before + 1, `${newcomer.name} did not join`);
      }))) return;
    }
  };
  try {
    await story();
  } catch (err) {
    // A failure between steps (picking the actors): record it like a failed step.
    const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    steps.push({ id: '!', title: 'between steps', ms: 0, epoch: -1, members: live().length, authenticator: '', agreement: false, ok: false, error });
  }

  // The adversary's view: does any plaintext appear anywhere in what the DS stored?
  const plaintextCheck = searchPlaintexts(plaintexts, ds.log);
  const byKind = ds.stats();
  const bytes = ds.log.reduce((s, e) => s + e.bytes.length, 0);
  const dsSawPlaintext = plaintextCheck.found > 0;
  return {
    suite: { id: suite, name: CIPHER_SUITES[suite].name },
    members: n,
    messagesPerMember: k,
    steps,
    ds: { messages: ds.log.length, bytes, byKind },
    plaintexts: plaintextCheck,
    dsSawPlaintext,
    ok: steps.length === 7 && steps.every((s) => s.ok) && !dsSawPlaintext,
    log: ds.log,
  };
}

/** Searches every stored byte string for every plaintext (as a byte substring, wherever it sits). */
export function searchPlaintexts(plaintexts: readonly Uint8Array[], log: readonly LogEntry[]): PlaintextCheck {
  // Buffer.indexOf is a native substring search; the stored bytes can reach megabytes for large groups.
  const stored = log.map((e) => Buffer.from(e.bytes.buffer, e.bytes.byteOffset, e.bytes.byteLength));
  const hits: { plaintext: number; seq: number; kind: MessageKind }[] = [];
  let found = 0;
  plaintexts.forEach((p, i) => {
    let seen = false;
    stored.forEach((s, j) => {
      if (s.indexOf(p) >= 0) {
        const e = log[j]!;
        hits.push({ plaintext: i, seq: e.seq, kind: e.kind });
        seen = true;
      }
    });
    if (seen) found++;
  });
  return { sent: plaintexts.length, found, bytesSearched: stored.reduce((s, b) => s + b.length, 0), hits };
}

// ------------------------------------------------------------------------------------------------
// The command

const int = new Intl.NumberFormat('en-US');
const TITLE_WIDTH = 66;

function formatStep(s: StepResult): string {
  const title = s.title.padEnd(TITLE_WIDTH);
  const cols = `${s.ms.toFixed(1).padStart(9)}  ${String(s.epoch).padStart(5)}  ${String(s.members).padStart(7)}  ${s.authenticator.padEnd(15)}`;
  const verdict = s.error !== undefined ? `FAILED: ${s.error}` : s.agreement ? 'all agree' : 'DISAGREE';
  return `${s.id.padEnd(6)}${title}${cols}${verdict}`;
}

export function formatSummary(r: DemoResult): string {
  const lines: string[] = [];
  const ms = r.steps.reduce((t, s) => t + s.ms, 0);
  lines.push(`${''.padEnd(6)}${'total'.padEnd(TITLE_WIDTH)}${ms.toFixed(1).padStart(9)}`);
  lines.push('', `delivery service: ${int.format(r.ds.messages)} messages stored, ${int.format(r.ds.bytes)} bytes`);
  for (const [kind, s] of Object.entries(r.ds.byKind)) {
    lines.push(`    ${kind.padEnd(13)}${int.format(s.count).padStart(7)} msgs ${int.format(s.bytes).padStart(12)} bytes`);
  }
  const p = r.plaintexts;
  lines.push(`plaintext check: ${p.found} of ${p.sent} plaintexts found in ${int.format(p.bytesSearched)} bytes the DS stored`);
  for (const h of p.hits.slice(0, 5)) lines.push(`    plaintext ${h.plaintext + 1} is in the DS's message seq ${h.seq} (${h.kind})`);
  if (r.ok) lines.push('OK: every member agreed after every step, and the DS saw only ciphertext.');
  else lines.push(`FAILED: ${r.dsSawPlaintext ? 'the DS saw plaintext' : 'a step failed or members disagreed'}.`);
  return lines.join('\n') + '\n';
}

/** The JSON summary: everything but the DS's raw log. */
export function jsonSummary(r: DemoResult): object {
  const { log: _log, ...rest } = r;
  return { ...rest, steps: r.steps.map((s) => ({ ...s, ms: Number(s.ms.toFixed(3)) })) };
}

/** Where the command writes; tests pass their own sinks instead of patching process.stdout. */
export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}
const PROCESS_IO: CommandIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export async function runDemoCommand(args: string[], io: CommandIo = PROCESS_IO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        members: { type: 'string', default: '8' },
        suite: { type: 'string', default: '1' },
        messages: { type: 'string', default: '2' },
        json: { type: 'boolean', default: false },
        leaky: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    io.err(`mls demo: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const v = parsed.values;
  // Number() takes decimal and 0x-hex (suite ids are usually written 0x0001); '' would be 0, caught below.
  const num = (flag: string, s: string): number => {
    const n = s.trim() === '' ? Number.NaN : Number(s);
    if (Number.isNaN(n)) throw new DemoOptionError(`--${flag} must be a number, got '${s}'`);
    return n;
  };
  let options: DemoOptions;
  let resolved;
  try {
    options = { members: num('members', v.members), suite: num('suite', v.suite), messages: num('messages', v.messages), leakyMember: v.leaky };
    resolved = resolveDemoOptions(options);
  } catch (err) {
    io.err(`mls demo: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const json = v.json;
  if (!json) {
    const leak = v.leaky ? ' (negative control: one member leaks its plaintexts in the clear authenticated data)' : '';
    io.out(`mls demo: ${suiteLabel(resolved.suite)}, ${resolved.members} members, ${plural(resolved.messages, 'message')} each${leak}\n\n`);
    io.out(`${'step'.padEnd(6)}${'what happened'.padEnd(TITLE_WIDTH)}${'ms'.padStart(9)}  ${'epoch'.padStart(5)}  ${'members'.padStart(7)}  ${'authenticator'.padEnd(15)}agreement\n`);
  }
  const result = await runDemo({ ...options, ...(json ? {} : { onStep: (s: StepResult) => io.out(formatStep(s) + '\n') }) });
  io.out(json ? JSON.stringify(jsonSummary(result), null, 2) + '\n' : formatSummary(result));
  return result.ok ? 0 : 1;
}
