/**
 * mlskit's side of the benchmark: each operation on a group loaded from a fixture
 * (bench/mls/fixture.ts), driven through the same internal functions MlsGroup calls (createCommit,
 * processMessage, encryptApplication, snapshotState / restoreState) — join goes through the public
 * MlsGroup.join, with its Authentication Service pass over every leaf.
 *
 * Every run starts from a fresh copy of the member's state (the tree forked, the private keys and
 * the secret tree cloned: O(1) copies, untimed), so no run sees another's effects; caches a live
 * member keeps warm (the tree-hash cache, imported keys of the tree) stay warm, as in a running
 * client. Join is the exception: a joining client has seen none of the group's keys, so the public
 * key caches are cleared before each run.
 */
import { MlsGroup } from '../../src/group/group.js';
import { basicCredential, generateIdentity } from '../../src/group/identity.js';
import { createKeyPackage, type CreatedKeyPackage } from '../../src/key-package/create.js';
import { createCommit } from '../../src/commit/create.js';
import { clearPublicKeyCaches } from '../../src/crypto/node/keys.js';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import { encryptApplication, sendProposal, updateProposal } from '../../src/group/messages.js';
import { processMessage } from '../../src/group/receive.js';
import { restoreState, snapshotState } from '../../src/group/snapshot.js';
import { sealState, type GroupState } from '../../src/group/state.js';
import { ProposalType, type Proposal } from '../../src/messages/proposal.js';
import { treeHash } from '../../src/ratchet-tree/tree-hash.js';
import { bytesEqual, copy } from '../../src/util/bytes.js';
import { LARGE_GROUP_CONFIG, loadStates, type FixtureFile } from './fixture.js';
import type { OpCase, OpName, Session } from './types.js';

/** An independent copy of a state in O(pending tree changes): fork the tree, clone the secrets that change. */
export function fresh(s: GroupState): GroupState {
  return sealState({
    ...s,
    tree: s.tree.fork(),
    privateKeys: s.privateKeys.clone(),
    secretTree: s.secretTree.clone(),
    proposals: new Map(s.proposals),
    pendingUpdates: new Map(s.pendingUpdates),
  });
}

function fail(what: string): never {
  throw new Error(`mlskit benchmark check failed: ${what}`);
}

/** A new client's KeyPackage (new identity, new keys): what a member being added publishes. */
function newKeyPackage(suite: number, i: number): CreatedKeyPackage {
  const cs = nodeCipherSuite(suite);
  const id = generateIdentity(cs, basicCredential(`joiner-${i}`));
  return createKeyPackage({ cipherSuite: cs, credential: id.credential, signaturePrivateKey: id.signaturePrivateKey, signaturePublicKey: id.signaturePublicKey });
}

const APP_DATA = new Uint8Array(100).fill(0x61);

export function openMlskit(file: FixtureFile): Session & { readonly committer: GroupState; readonly receiver: GroupState } {
  const { committer, receiver } = loadStates(file);
  // A live member's tree-hash cache is warm; a freshly restored one fills it on first use (O(n)).
  treeHash(committer.tree);
  treeHash(receiver.tree);
  const n = file.meta.members;
  const suite = file.meta.suite;
  let kpCounter = 0;

  const commitCase = (proposals: () => Proposal[], base: () => GroupState = () => committer): OpCase<{ st: GroupState; proposals: Proposal[] }, ReturnType<typeof createCommit>> => ({
    prepare: () => ({ st: fresh(base()), proposals: proposals() }),
    run: ({ st, proposals: p }) => createCommit(st, { proposals: p }),
    check: (out) => ({
      commit: out.commit.length,
      ...(out.welcome !== undefined ? { welcome: out.welcome.length } : {}),
      groupInfo: out.groupInfo.length,
      tree: out.ratchetTree.length,
    }),
  });

  const addCase = (k: number): OpCase => {
    let kps: CreatedKeyPackage[] = [];
    const c = commitCase(() => {
      kps = Array.from({ length: k }, () => newKeyPackage(suite, kpCounter++));
      return kps.map((kp) => ({ proposalType: ProposalType.add, add: { keyPackage: kp.keyPackage } }) as const);
    });
    return {
      ...c,
      check: (out, input) => {
        const created = out as ReturnType<typeof createCommit>;
        if (created.effects.added.length !== k || created.welcome === undefined) fail(`add-${k}: ${created.effects.added.length} added`);
        return c.check(created, input as never);
      },
    } as OpCase;
  };

  // Lazily built inputs shared by the runs of one op.
  let emptyCommit: ReturnType<typeof createCommit> | undefined;
  const theCommit = () => (emptyCommit ??= createCommit(fresh(committer), {}));
  let withUpdate: { state: GroupState; proposal: Uint8Array } | undefined;
  const committerWithUpdate = () => {
    if (withUpdate === undefined) {
      const u = updateProposal(fresh(receiver));
      const sent = sendProposal(u.state, u.proposal);
      const r = processMessage(fresh(committer), sent.message);
      if (r.kind !== 'proposal') fail('update: the proposal was not received as one');
      withUpdate = { state: r.state, proposal: sent.message };
    }
    return withUpdate;
  };

  const ops: Record<OpName, () => OpCase> = {
    commit: () => ({
      ...commitCase(() => []),
      check: (out) => {
        const c = out as ReturnType<typeof createCommit>;
        if (!c.effects.path) fail('commit: no path');
        return { commit: c.commit.length, groupInfo: c.groupInfo.length, tree: c.ratchetTree.length };
      },
    }) as OpCase,
    process: () => ({
      prepare: () => {
        theCommit(); // made once, untimed
        return fresh(receiver);
      },
      run: (st: GroupState) => processMessage(st, theCommit().commit),
      check: (r: ReturnType<typeof processMessage>) => {
        if (r.kind !== 'commit' || r.staged.state === undefined) fail('process: not a staged commit');
        if (!bytesEqual(r.staged.state.secrets.epochAuthenticator, theCommit().state.secrets.epochAuthenticator)) fail('process: epoch authenticators differ');
        return { commit: theCommit().commit.length };
      },
    }) as OpCase,
    add: () => addCase(1),
    'add-many-10': () => addCase(10),
    'add-many-100': () => addCase(100),
    'add-many-1000': () => addCase(1000),
    remove: () => ({
      ...commitCase(() => [{ proposalType: ProposalType.remove, remove: { removed: n - 1 } }]),
      check: (out) => {
        const c = out as ReturnType<typeof createCommit>;
        if (c.effects.removed.length !== 1 || !c.effects.path) fail('remove');
        return { commit: c.commit.length, groupInfo: c.groupInfo.length, tree: c.ratchetTree.length };
      },
    }) as OpCase,
    update: () => ({
      ...commitCase(() => [], () => committerWithUpdate().state),
      check: (out) => {
        const c = out as ReturnType<typeof createCommit>;
        if (c.effects.updated.length !== 1 || !c.effects.path) fail('update: the Update was not committed');
        return { proposal: committerWithUpdate().proposal.length, commit: c.commit.length, groupInfo: c.groupInfo.length, tree: c.ratchetTree.length };
      },
    }) as OpCase,
    join: () => {
      let setup: { welcome: Uint8Array; kp: CreatedKeyPackage; expected: Uint8Array } | undefined;
      const get = () => {
        if (setup === undefined) {
          const kp = newKeyPackage(suite, kpCounter++);
          const c = createCommit(fresh(committer), { proposals: [{ proposalType: ProposalType.add, add: { keyPackage: kp.keyPackage } }] });
          setup = { welcome: c.welcome!, kp, expected: c.state.secrets.epochAuthenticator };
        }
        return setup;
      };
      return {
        prepare: () => {
          const { kp } = get();
          clearPublicKeyCaches();
          // MlsGroup.join wipes the used init key (§16.8): every run gets its own copy.
          return { keyPackage: kp.keyPackage, privateKeys: { initPrivateKey: copy(kp.privateKeys.initPrivateKey), encryptionPrivateKey: copy(kp.privateKeys.encryptionPrivateKey), signaturePrivateKey: copy(kp.privateKeys.signaturePrivateKey) } };
        },
        // A Welcome carries the tree (~255 B per member): past ~30k members it exceeds the default
        // 8 MiB message limit, and past 2^17 leaves the default tree limit, which an application
        // with groups this large raises.
        run: (own: CreatedKeyPackage) => MlsGroup.join({ welcome: get().welcome, keyPackages: [own], config: LARGE_GROUP_CONFIG }),
        check: (g: MlsGroup) => {
          if (!bytesEqual(g.epochAuthenticator, get().expected)) fail('join: epoch authenticators differ');
          return { welcome: get().welcome.length };
        },
      } as OpCase;
    },
    app: () => {
      // Steady state: one message already went from member 0 to member 1 in this epoch, so both
      // ratchets exist (the first message of a sender also derives its secret-tree path).
      let base: { s: GroupState; r: GroupState } | undefined;
      const get = () => {
        if (base === undefined) {
          const s = fresh(committer);
          const r = fresh(receiver);
          const m = processMessage(r, encryptApplication(s, APP_DATA));
          if (m.kind !== 'application') fail('app: warm-up message');
          base = { s, r };
        }
        return base;
      };
      let size = 0;
      return {
        prepare: () => ({ s: fresh(get().s), r: fresh(get().r) }),
        run: ({ s, r }: { s: GroupState; r: GroupState }) => {
          const ct = encryptApplication(s, APP_DATA);
          size = ct.length;
          return processMessage(r, ct);
        },
        check: (m: ReturnType<typeof processMessage>) => {
          if (m.kind !== 'application' || !bytesEqual(m.data, APP_DATA)) fail('app: wrong plaintext');
          return { message: size };
        },
      } as OpCase;
    },
    snapshot: () => {
      let size = 0;
      return {
        prepare: () => fresh(committer),
        run: (st: GroupState) => {
          const bytes = snapshotState(st);
          size = bytes.length;
          return restoreState(bytes, nodeCipherSuite);
        },
        check: (st: GroupState) => {
          if (!bytesEqual(st.contextBytes, committer.contextBytes) || st.tree.memberCount !== n) fail('snapshot: the restored state differs');
          return { snapshot: size };
        },
      } as OpCase;
    },
  };

  return {
    impl: 'mlskit',
    members: n,
    committer,
    receiver,
    op: (name) => ops[name](),
  };
}
