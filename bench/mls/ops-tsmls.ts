/**
 * ts-mls's side of the benchmark (`--vs ts-mls`), driven only through ts-mls's public API, with the
 * same settings as mlskit's side wherever the two differ by default: handshake messages as
 * PublicMessage (ts-mls defaults to PrivateMessage) and the ratchet tree in the GroupInfo of a
 * Welcome (ts-mls defaults to none). Byte encoding and decoding of every message is part of the
 * timed operation on both sides.
 *
 * Its groups are built through its API, in the sparse shape: the creator (leaf 0) adds everyone
 * with add-only Commits (no path, so every parent stays blank), in batches of 512 to stay clear of
 * ts-mls's O(k²) checks within one Commit; member 1 joins by the first Welcome and processes the
 * later Commits. Both states are cached on disk with ts-mls's own state codec. Build time is never
 * part of a measurement.
 *
 * ts-mls states are immutable values (every operation returns a new state), so each run starts
 * from the same state. The `consumed` secrets ts-mls returns are deliberately not wiped: they
 * belong to the shared base state.
 *
 * ts-mls has no public function that builds an Update proposal's LeafNode, so the `update` op
 * builds it with mlskit's LeafNode encoder and Ed25519 (the same RFC 9420 encoding and key format)
 * and hands it to ts-mls's createProposal; from there everything is ts-mls.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TsMls from 'ts-mls';
import { signWithLabel } from '../../src/crypto/labels.js';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import { CredentialType } from '../../src/credentials/credential.js';
import { leafNodeTbs, LeafNodeSource, type UpdateLeafNode } from '../../src/ratchet-tree/node.js';
import { bytesEqual, EMPTY, utf8 } from '../../src/util/bytes.js';
import { fixtureDir, type Progress } from './fixture.js';
import { addCount, type OpCase, type OpName, type Session } from './types.js';

type T = typeof TsMls;
let lib: T | undefined;

/** ts-mls, loaded on first use (a dev dependency: only `--vs ts-mls` needs it). */
export async function loadTsMls(): Promise<T> {
  lib ??= await import('ts-mls');
  return lib;
}

export const TSMLS_FIXTURE_VERSION = 1;
const BATCH = 512;

async function impl(t: T, suite: number): Promise<TsMls.CiphersuiteImpl> {
  const name = (Object.keys(t.ciphersuites) as TsMls.CiphersuiteName[]).find((k) => t.ciphersuites[k] === suite);
  if (name === undefined) throw new Error(`ts-mls has no cipher suite ${suite}`);
  return t.getCiphersuiteImpl(name);
}

function tsVersion(): string {
  try {
    const p = JSON.parse(readFileSync(resolve(dirname(fileURLToPath(import.meta.resolve('ts-mls'))), '../../package.json'), 'utf8')) as { version?: string };
    return p.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function tsMlsVersion(): string {
  return tsVersion();
}

function credential(t: T, name: string): TsMls.Credential {
  return { credentialType: t.defaultCredentialTypes.basic, identity: utf8(name) };
}

interface TsFixture {
  readonly committer: TsMls.ClientState;
  readonly receiver: TsMls.ClientState;
}

export function tsMlsFixturePath(suite: number, members: number): string {
  return resolve(fixtureDir(), `tsmls-${tsVersion()}-v${TSMLS_FIXTURE_VERSION}-s${suite}-sparse-${members}.bin`);
}

/** Builds (or loads) a sparse group of `members` through ts-mls's API. */
export async function tsMlsFixture(suite: number, members: number, progress: Progress = () => {}): Promise<{ fixture: TsFixture; built: boolean; buildMs: number }> {
  const t = await loadTsMls();
  const path = tsMlsFixturePath(suite, members);
  if (existsSync(path)) {
    const bytes = new Uint8Array(readFileSync(path));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = view.getUint32(0);
    const committer = t.decode(t.clientStateDecoder, bytes.subarray(4, 4 + n));
    const receiver = t.decode(t.clientStateDecoder, bytes.subarray(4 + n));
    if (committer !== undefined && receiver !== undefined) return { fixture: { committer, receiver }, built: false, buildMs: 0 };
  }
  const t0 = performance.now();
  const cs = await impl(t, suite);
  const context: TsMls.MlsContext = { cipherSuite: cs, authService: t.unsafeTestingAuthenticationService };
  const creator = await t.generateKeyPackage({ credential: credential(t, 'member-0'), cipherSuite: cs });
  let committer = await t.createGroup({ context, groupId: cs.rng.randomBytes(32), keyPackage: creator.publicPackage, privateKeyPackage: creator.privatePackage });
  let receiver: TsMls.ClientState | undefined;
  for (let first = 1; first < members; first += BATCH) {
    const end = Math.min(members, first + BATCH);
    const kps = [];
    for (let i = first; i < end; i++) {
      kps.push(await t.generateKeyPackage({ credential: credential(t, `member-${i}`), cipherSuite: cs }));
      if (i % 64 === 0) progress('key packages + adds', i, members);
    }
    const r = await t.createCommit({
      context,
      state: committer,
      extraProposals: kps.map((k) => ({ proposalType: t.defaultProposalTypes.add, add: { keyPackage: k.publicPackage } })),
      wireAsPublicMessage: true,
    });
    if (receiver === undefined) {
      receiver = await t.joinGroup({ context, welcome: r.welcome!.welcome, keyPackage: kps[0]!.publicPackage, privateKeys: kps[0]!.privatePackage, ratchetTree: r.newState.ratchetTree });
    } else {
      const p = await t.processMessage({ context, state: receiver, message: r.commit });
      receiver = p.newState;
    }
    committer = r.newState;
  }
  progress('key packages + adds', members, members);
  if (receiver === undefined) throw new Error('ts-mls fixture: no receiver');
  if (!bytesEqual(committer.keySchedule.epochAuthenticator, receiver.keySchedule.epochAuthenticator)) throw new Error('ts-mls fixture: members disagree');
  const a = t.encode(t.clientStateEncoder, committer);
  const b = t.encode(t.clientStateEncoder, receiver);
  const out = new Uint8Array(4 + a.length + b.length);
  new DataView(out.buffer).setUint32(0, a.length);
  out.set(a, 4);
  out.set(b, 4 + a.length);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.${process.pid}.tmp`, out);
  renameSync(`${path}.${process.pid}.tmp`, path);
  return { fixture: { committer, receiver }, built: true, buildMs: performance.now() - t0 };
}

function fail(what: string): never {
  throw new Error(`ts-mls benchmark check failed: ${what}`);
}

const APP_DATA = new Uint8Array(100).fill(0x61);

/**
 * ts-mls 2.0.0-rc.10 decides that a Commit needs a path when it has no proposal or *more than one*
 * Update or Remove (`needsUpdatePath` in clientState.js tests `.length > 1`), so a Commit with a
 * single Remove or a single Update goes without a path — RFC 9420 §12.4 requires one (mlskit:
 * R-12.4-01). Without it the removed member can compute the next epoch's secrets. Its times for
 * these two ops skip the UpdatePath and are not comparable.
 */
export const PATHLESS_NOTE = 'ts-mls sends this Commit without the UpdatePath RFC 9420 §12.4 requires (a single Remove/Update), so it skips the path: not comparable';

export async function openTsMls(suite: number, members: number, fixture: TsFixture): Promise<Session & { readonly committer: TsMls.ClientState; readonly receiver: TsMls.ClientState }> {
  const t = await loadTsMls();
  const cs = await impl(t, suite);
  const context: TsMls.MlsContext = { cipherSuite: cs, authService: t.unsafeTestingAuthenticationService };
  const { committer, receiver } = fixture;
  const pub = { wireAsPublicMessage: true } as const;
  const encodeMsg = (m: TsMls.MlsMessage): Uint8Array => t.encode(t.mlsMessageEncoder, m);
  const decodeMsg = (b: Uint8Array): TsMls.MlsMessage => {
    const m = t.decode(t.mlsMessageDecoder, b);
    if (m === undefined) fail('message does not decode');
    return m;
  };
  const epochAuth = (s: TsMls.ClientState) => s.keySchedule.epochAuthenticator;

  // KeyPackages of new clients, generated once per session and reused across runs: ts-mls keeps no
  // key caches, and every run starts from the same immutable state.
  const pool: { publicPackage: TsMls.KeyPackage; privatePackage: TsMls.PrivateKeyPackage }[] = [];
  const keyPackages = async (k: number) => {
    while (pool.length < k) pool.push(await t.generateKeyPackage({ credential: credential(t, `joiner-${pool.length}`), cipherSuite: cs }));
    return pool.slice(0, k);
  };

  interface Committed {
    commit: Uint8Array;
    welcome?: Uint8Array;
    state: TsMls.ClientState;
  }
  const commitCase = (proposals: () => Promise<TsMls.Proposal[]>, base: () => Promise<TsMls.ClientState> | TsMls.ClientState, withTree: boolean, check: (c: Committed) => void): OpCase<{ st: TsMls.ClientState; p: TsMls.Proposal[] }, Committed> => ({
    prepare: async () => ({ st: await base(), p: await proposals() }),
    run: async ({ st, p }) => {
      const r = await t.createCommit({ context, state: st, extraProposals: p, ratchetTreeExtension: withTree, ...pub });
      return { commit: encodeMsg(r.commit), ...(r.welcome !== undefined ? { welcome: encodeMsg(r.welcome) } : {}), state: r.newState };
    },
    check: (c) => {
      check(c);
      return { commit: c.commit.length, ...(c.welcome !== undefined ? { welcome: c.welcome.length } : {}) };
    },
  });

  const addCase = (k: number) =>
    commitCase(
      async () => (await keyPackages(k)).map((kp) => ({ proposalType: t.defaultProposalTypes.add, add: { keyPackage: kp.publicPackage } })),
      () => committer,
      true,
      (c) => {
        if (c.welcome === undefined) fail(`add-${k}: no Welcome`);
        if (c.state.ratchetTree.filter((x, i) => i % 2 === 0 && x !== undefined).length !== members + k) fail(`add-${k}: wrong member count`);
      },
    );

  let empty: Committed | undefined;
  const theCommit = async (): Promise<Committed> => {
    if (empty === undefined) {
      const r = await t.createCommit({ context, state: committer, ...pub });
      empty = { commit: encodeMsg(r.commit), state: r.newState };
    }
    return empty;
  };

  let withUpdate: { state: TsMls.ClientState; proposal: Uint8Array } | undefined;
  const committerWithUpdate = async () => {
    if (withUpdate === undefined) {
      // Member 1's Update: its current leaf with a fresh HPKE key, source update, signed (LeafNodeTBS
      // with group_id and leaf index, §7.2) with its own signature key.
      const ours = nodeCipherSuite(suite);
      const leaf = t.getOwnLeafNode(receiver);
      const fresh = ours.hpke.generateKeyPair();
      const unsigned: UpdateLeafNode = {
        encryptionKey: fresh.publicKey,
        signatureKey: leaf.signaturePublicKey,
        credential: { credentialType: CredentialType.basic, identity: (leaf.credential as TsMls.CredentialBasic).identity },
        capabilities: { versions: leaf.capabilities.versions, cipherSuites: leaf.capabilities.ciphersuites, extensions: leaf.capabilities.extensions, proposals: leaf.capabilities.proposals, credentials: leaf.capabilities.credentials },
        leafNodeSource: LeafNodeSource.update,
        extensions: leaf.extensions.map((e) => ({ extensionType: e.extensionType, extensionData: e.extensionData as Uint8Array })),
        signature: EMPTY,
      };
      // ts-mls's default provider keeps Ed25519 private keys as PKCS#8 (a 16-byte header, then the seed).
      const sk = receiver.signaturePrivateKey;
      const seed = sk.length === 48 ? sk.subarray(16) : sk;
      const signature = signWithLabel(ours, seed, 'LeafNodeTBS', leafNodeTbs(unsigned, receiver.groupContext.groupId, receiver.privatePath.leafIndex));
      const leafNode: TsMls.LeafNodeUpdate = {
        hpkePublicKey: fresh.publicKey,
        signaturePublicKey: leaf.signaturePublicKey,
        credential: leaf.credential,
        capabilities: leaf.capabilities,
        leafNodeSource: t.leafNodeSources.update,
        extensions: leaf.extensions,
        signature,
      };
      const p = await t.createProposal({ context, state: receiver, proposal: { proposalType: t.defaultProposalTypes.update, update: { leafNode } }, ...pub });
      const bytes = encodeMsg(p.message);
      const r = await t.processMessage({ context, state: committer, message: decodeMsg(bytes) as TsMls.MlsFramedMessage });
      if (Object.keys(r.newState.unappliedProposals).length !== 1) fail('update: the proposal was not cached');
      withUpdate = { state: r.newState, proposal: bytes };
    }
    return withUpdate;
  };

  const ops: Record<OpName, () => OpCase> = {
    commit: () => commitCase(async () => [], () => committer, false, () => {}) as OpCase,
    process: () => ({
      prepare: () => theCommit(),
      run: async (c: Committed) => t.processMessage({ context, state: receiver, message: decodeMsg(c.commit) as TsMls.MlsFramedMessage }),
      check: async (r: TsMls.ProcessMessageResult, c: Committed) => {
        if (r.kind !== 'newState' || !bytesEqual(epochAuth(r.newState), epochAuth(c.state))) fail('process: epoch authenticators differ');
        return { commit: c.commit.length };
      },
    }) as OpCase,
    add: () => addCase(1) as OpCase,
    'add-many-10': () => addCase(10) as OpCase,
    'add-many-100': () => addCase(100) as OpCase,
    'add-many-1000': () => addCase(1000) as OpCase,
    remove: () =>
      commitCase(async () => [{ proposalType: t.defaultProposalTypes.remove, remove: { removed: members - 1 } }], () => committer, false, (c) => {
        if (c.state.ratchetTree[2 * (members - 1)] !== undefined) fail('remove: the leaf is still there');
      }) as OpCase,
    update: () =>
      ({
        ...commitCase(async () => [], async () => (await committerWithUpdate()).state, false, () => {}),
        check: async (c: Committed) => {
          const after = c.state.ratchetTree[2];
          const before = committer.ratchetTree[2];
          if (after?.nodeType !== t.nodeTypes.leaf || before?.nodeType !== t.nodeTypes.leaf || bytesEqual(after.leaf.hpkePublicKey, before.leaf.hpkePublicKey)) fail('update: leaf 1 was not updated');
          return { proposal: (await committerWithUpdate()).proposal.length, commit: c.commit.length };
        },
      }) as OpCase,
    join: () => {
      let setup: { welcome: Uint8Array; kp: { publicPackage: TsMls.KeyPackage; privatePackage: TsMls.PrivateKeyPackage }; expected: Uint8Array } | undefined;
      const get = async () => {
        if (setup === undefined) {
          const [kp] = await keyPackages(1);
          const r = await t.createCommit({ context, state: committer, extraProposals: [{ proposalType: t.defaultProposalTypes.add, add: { keyPackage: kp!.publicPackage } }], ratchetTreeExtension: true, ...pub });
          setup = { welcome: encodeMsg(r.welcome!), kp: kp!, expected: epochAuth(r.newState) };
        }
        return setup;
      };
      return {
        prepare: () => get(),
        run: async (s: NonNullable<typeof setup>) => {
          const m = decodeMsg(s.welcome);
          if (m.wireformat !== t.wireformats.mls_welcome) fail('join: not a Welcome');
          return t.joinGroup({ context, welcome: m.welcome, keyPackage: s.kp.publicPackage, privateKeys: s.kp.privatePackage });
        },
        check: (st: TsMls.ClientState, s: NonNullable<typeof setup>) => {
          if (!bytesEqual(epochAuth(st), s.expected)) fail('join: epoch authenticators differ');
          return { welcome: s.welcome.length };
        },
      } as OpCase;
    },
    app: () => {
      let base: { s: TsMls.ClientState; r: TsMls.ClientState } | undefined;
      const get = async () => {
        if (base === undefined) {
          const m = await t.createApplicationMessage({ context, state: committer, message: APP_DATA });
          const p = await t.processMessage({ context, state: receiver, message: decodeMsg(encodeMsg(m.message)) as TsMls.MlsFramedMessage });
          base = { s: m.newState, r: p.newState };
        }
        return base;
      };
      let size = 0;
      return {
        prepare: () => get(),
        run: async ({ s, r }: { s: TsMls.ClientState; r: TsMls.ClientState }) => {
          const m = await t.createApplicationMessage({ context, state: s, message: APP_DATA });
          const bytes = encodeMsg(m.message);
          size = bytes.length;
          return t.processMessage({ context, state: r, message: decodeMsg(bytes) as TsMls.MlsFramedMessage });
        },
        check: (p: TsMls.ProcessMessageResult) => {
          if (p.kind !== 'applicationMessage' || !bytesEqual(p.message, APP_DATA)) fail('app: wrong plaintext');
          return { message: size };
        },
      } as OpCase;
    },
    snapshot: () => {
      let size = 0;
      return {
        prepare: () => committer,
        run: (st: TsMls.ClientState) => {
          const bytes = t.encode(t.clientStateEncoder, st);
          size = bytes.length;
          return t.decode(t.clientStateDecoder, bytes);
        },
        check: (st: TsMls.ClientState | undefined) => {
          if (st === undefined || !bytesEqual(epochAuth(st), epochAuth(committer))) fail('snapshot: the state does not round-trip');
          return { snapshot: size };
        },
      } as OpCase;
    },
  };

  return {
    impl: 'ts-mls',
    members,
    committer,
    receiver,
    note: (name) => (name === 'remove' || name === 'update' ? PATHLESS_NOTE : undefined),
    op: (name) => {
      if (addCount(name) > 0 && members + addCount(name) > 1 << 20) return { unsupported: 'too large' };
      return ops[name]();
    },
  };
}
