/**
 * The public face of a group: one member's view of one MLS group (RFC 9420 §11–§12), with its
 * operations serialized (one at a time, even when called concurrently), stage-then-merge for
 * Commits, and the application's Authentication Service consulted before anything is adopted.
 *
 *   const alice = await MlsGroup.create({ cipherSuite, identity });
 *   const { commit, welcome } = await alice.commit({ add: [bobKeyPackage] });
 *   await alice.confirmCommit();                  // once the delivery service accepted `commit`
 *   const bob = await MlsGroup.join({ welcome, keyPackages: [bobOwnKeyPackage] });
 *   const ct = await bob.encrypt(utf8('hi'));
 *   const r = await alice.process(ct);            // { kind: 'application', data, sender, ... }
 */
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { nodeCipherSuite } from '../crypto/node/provider.js';
import { decode } from '../codec/codec.js';
import type { Credential } from '../credentials/credential.js';
import { UsageError, ValidationError } from '../errors.js';
import type { Extension } from '../extensions/extension.js';
import { WireFormat, type Sender } from '../framing/content.js';
import { mlsMessageCodec } from '../framing/mls-message.js';
import { mlsExporter } from '../key-schedule/key-schedule.js';
import type { KeyPackage } from '../messages/key-package.js';
import { ProposalType, type Proposal } from '../messages/proposal.js';
import type { PskLookup } from '../psk/lookup.js';
import type { PreSharedKeyId } from '../psk/psk-id.js';
import { newExternalPskId, newResumptionPskId } from '../psk/psk-secret.js';
import type { RatchetTree } from '../ratchet-tree/node.js';
import type { LeafIndex } from '../tree-math/index.js';
import { bytesEqual, copy, EMPTY, utf8, wipe } from '../util/bytes.js';
import type { Identity } from './identity.js';
import { LAST_RESORT_EXTENSION_TYPE } from '../extensions/extension.js';
import { createCommit, type CreatedCommit } from '../commit/create.js';
import type { CommitEffects, StagedCommit } from '../commit/process.js';
import { joinFromWelcome, type OwnKeyPackage } from '../join/welcome.js';
import { verifyDeferredLeafSignatures, type DeferredLeafSignature } from '../ratchet-tree/leaf-validation.js';
import { joinByExternalCommit, type ExternalJoinOptions } from '../join/external.js';
import { makeConfig, type CredentialCheck, type GroupConfig } from './config.js';
import { createGroupState, type CreateGroupOptions } from './create.js';
import { assertCanSend, encryptApplication, sendProposal, updateProposal } from './messages.js';
import { processMessage } from './receive.js';
import { restoreState, snapshotState } from './snapshot.js';
import { groupSafetyNumber, memberFingerprint } from './safety-number.js';
import type { GroupState } from './state.js';

/** A member as the roster shows it. */
export interface Member {
  readonly leafIndex: LeafIndex;
  readonly credential: Credential;
  readonly signatureKey: Uint8Array;
  readonly encryptionKey: Uint8Array;
}

/** What `process` returns. A Commit comes back staged: call `merge(staged)` to adopt it. */
export type ProcessResult =
  | { readonly kind: 'application'; readonly sender: LeafIndex; readonly data: Uint8Array; readonly authenticatedData: Uint8Array; readonly epoch: bigint }
  | { readonly kind: 'proposal'; readonly proposal: Proposal; readonly ref: Uint8Array; readonly sender: Sender }
  | { readonly kind: 'commit'; readonly staged: StagedCommitHandle };

/** A received Commit, validated, not yet adopted. */
export interface StagedCommitHandle {
  readonly epoch: bigint;
  readonly effects: CommitEffects;
  /** @internal the state to adopt */
  readonly [STAGED]: StagedCommit;
}
const STAGED = Symbol('staged');

/** What `commit` returns: the messages to send. The new epoch is adopted by `confirmCommit()`. */
export interface CommitMessages {
  readonly commit: Uint8Array;
  readonly welcome?: Uint8Array;
  readonly groupInfo: Uint8Array;
  readonly ratchetTree: Uint8Array;
  readonly effects: CommitEffects;
}

export interface CommitRequest {
  /** KeyPackages to add (by value). */
  readonly add?: readonly KeyPackage[];
  /** Leaves to remove (by value). */
  readonly remove?: readonly number[];
  /** PSKs to inject (by value). */
  readonly psks?: readonly PreSharedKeyId[];
  /** New GroupContext extensions (by value). */
  readonly groupContextExtensions?: readonly Extension[];
  /** Other proposals by value. */
  readonly proposals?: readonly Proposal[];
  /** Include the proposals received in this epoch (default true). */
  readonly includePending?: boolean;
  /** Always update our own path (default: when the proposals require it or the Commit is empty). */
  readonly updatePath?: boolean;
  /** The tree goes in the GroupInfo's ratchet_tree extension (default true); else send `ratchetTree` out of band. */
  readonly ratchetTreeExtension?: boolean;
  /** Publish external_pub in the GroupInfo (default false). */
  readonly externalPub?: boolean;
  readonly authenticatedData?: Uint8Array;
}

export interface GroupOptions {
  /** The application's PSK store (external PSKs, resumption PSKs of other groups). */
  readonly psks?: PskLookup;
}

function decodeWelcome(bytes: Uint8Array) {
  const m = decode(mlsMessageCodec, bytes);
  if (m.wireFormat !== WireFormat.mls_welcome) throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', 'not a Welcome message');
  return m.welcome;
}

/** Runs the application's AS over `checks`; a rejection is a ValidationError with the rule of its context (§5.3.1). */
async function runCredentialChecks(config: GroupConfig, checks: readonly CredentialCheck[]): Promise<void> {
  for (const check of checks) {
    let ok: boolean;
    let cause: unknown;
    try {
      ok = await config.validateCredential(check);
    } catch (err) {
      ok = false;
      cause = err;
    }
    if (!ok) {
      const rule =
        check.reason === 'resync' ? 'R-12.2-16'
        : check.previous !== undefined ? 'R-5.3.1-08'
        : check.reason === 'add' ? 'R-5.3.1-03'
        : check.reason === 'update' ? 'R-5.3.1-04'
        : check.reason === 'commit-path' ? 'R-5.3.1-05'
        : check.reason === 'tree-on-join' ? 'R-5.3.1-02'
        : check.reason === 'external-sender' ? 'R-5.3.1-06'
        : check.reason === 'external-sender-change' ? 'R-5.3.1-07'
        : 'R-5.3.1-01';
      throw new ValidationError('ERR_VALIDATION_CREDENTIAL', rule, `the application rejected a credential (${check.reason})`, { field: 'Credential', cause });
    }
  }
}

/** R-5.3.1-01: the KeyPackages this client itself puts into Adds go to the AS first. */
function ownAddChecks(proposals: readonly Proposal[]): CredentialCheck[] {
  const out: CredentialCheck[] = [];
  for (const p of proposals) {
    if (p.proposalType === ProposalType.add) out.push({ credential: p.add.keyPackage.leafNode.credential, signatureKey: p.add.keyPackage.leafNode.signatureKey, reason: 'key-package' });
  }
  return out;
}

export class MlsGroup {
  #state: GroupState;
  #pending: CreatedCommit | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #psks: PskLookup | undefined;

  private constructor(state: GroupState, options: GroupOptions) {
    this.#state = state;
    this.#psks = options.psks;
  }

  /** Runs `op` after every operation already queued on this group. */
  #serial<T>(op: () => Promise<T> | T): Promise<T> {
    const run = this.#queue.then(op, op);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** §11: a new one-member group. */
  static async create(options: CreateGroupOptions & GroupOptions): Promise<MlsGroup> {
    const state = createGroupState(options);
    await runCredentialChecks(state.config, [{ credential: options.identity.credential, signatureKey: options.identity.signaturePublicKey, reason: 'group-creation' }]);
    return new MlsGroup(state, options);
  }

  /** §12.4.3.1: joins from a Welcome (MLSMessage bytes). Delete the used KeyPackage's private keys afterwards. */
  static async join(options: {
    readonly welcome: Uint8Array;
    readonly keyPackages: readonly OwnKeyPackage[];
    readonly ratchetTree?: RatchetTree | Uint8Array;
    readonly config?: Partial<GroupConfig>;
    readonly isKnownGroupId?: (groupId: Uint8Array) => boolean;
    readonly cipherSuite?: (id: number) => CipherSuite;
    /** The group this Welcome reinitializes (§11.2) or branches from (§11.3). */
    readonly resumptionFrom?: MlsGroup;
  } & GroupOptions): Promise<MlsGroup> {
    // S-2.1.2-01 on this input path too: a Welcome (or an out-of-band tree) carries the whole ratchet
    // tree, whose in-memory form can be ~100 times its encoding (a run of blank nodes).
    const limit = makeConfig(options.config).maxWelcomeBytes;
    for (const [what, b] of [['Welcome', options.welcome], ['ratchet_tree', options.ratchetTree]] as const) {
      if (b instanceof Uint8Array && b.length > limit) {
        throw new ValidationError('ERR_VALIDATION_LIMIT', 'S-2.1.2-01', `${what} of ${b.length} bytes exceeds the limit of ${limit}`, { field: what === 'Welcome' ? 'MLSMessage' : 'ratchet_tree' });
      }
    }
    const { resumptionFrom, ...rest } = options;
    // Every leaf signature of the tree (the bulk of a join's cost) is verified in one batch across
    // cores, before the state is used; the rest of the validation runs inline.
    const leafSignatures: DeferredLeafSignature[] = [];
    const joined = joinFromWelcome({
      ...rest,
      deferLeafSignatures: (c) => leafSignatures.push(c),
      welcome: decodeWelcome(options.welcome),
      ...(options.psks !== undefined ? { psks: options.psks } : {}),
      ...(resumptionFrom !== undefined ? { resumptionFrom: resumptionFrom.#state } : {}),
    });
    await verifyDeferredLeafSignatures(joined.state.cs, leafSignatures);
    await runCredentialChecks(joined.state.config, joined.credentialChecks);
    // §16.8: a KeyPackage is used once; its init key has done its job (the group state holds its
    // own copies of the leaf and signature keys). A last-resort KeyPackage's keys are the app's to keep.
    const used = joined.keyPackage;
    if (!used.keyPackage.extensions.some((e) => e.extensionType === LAST_RESORT_EXTENSION_TYPE)) wipe(used.privateKeys.initPrivateKey);
    return new MlsGroup(joined.state, options);
  }

  /**
   * §12.4.3.2: joins by external Commit, from a GroupInfo (MLSMessage) that carries external_pub.
   * Send `commit` to the group; use `group` once the delivery service accepted it. With `resync`,
   * the Commit also removes our own earlier appearance at that leaf.
   */
  static async joinExternal(options: ExternalJoinOptions & GroupOptions): Promise<{ group: MlsGroup; commit: Uint8Array }> {
    const joined = joinByExternalCommit({ ...options, ...(options.psks !== undefined ? { pskLookup: options.psks } : {}) });
    await runCredentialChecks(joined.state.config, joined.credentialChecks);
    return { group: new MlsGroup(joined.state, options), commit: joined.commit };
  }

  /** Restores a group from `snapshot()` bytes. */
  static restore(bytes: Uint8Array, options: GroupOptions & { readonly config?: Partial<GroupConfig>; readonly cipherSuite?: (id: number) => CipherSuite } = {}): MlsGroup {
    return new MlsGroup(restoreState(bytes, options.cipherSuite ?? nodeCipherSuite, options.config), options);
  }

  // ----------------------------------------------------------------------------------------------
  // Reading

  get groupId(): Uint8Array {
    return copy(this.#state.context.groupId);
  }
  get epoch(): bigint {
    return this.#state.context.epoch;
  }
  get cipherSuite(): number {
    return this.#state.cs.id;
  }
  get myLeafIndex(): LeafIndex {
    return this.#state.myLeaf;
  }
  /** §8.7: equal for every member in the same epoch of the same group (compare it out of band). */
  get epochAuthenticator(): Uint8Array {
    return copy(this.#state.secrets.epochAuthenticator);
  }
  /** A 30-digit code for people to compare: equal for every member in the same epoch of this group. */
  get safetyNumber(): string {
    return groupSafetyNumber(this.#state.cs, this.#state.context.groupId, this.#state.secrets.epochAuthenticator);
  }

  /** A 30-digit fingerprint of a member's credential and signature key ("is this really Alice?"). */
  fingerprint(member: Pick<Member, 'credential' | 'signatureKey'>): string {
    return memberFingerprint(this.#state.cs, member.credential, member.signatureKey);
  }

  /** Is a Commit of ours waiting for confirmCommit() / discardCommit()? */
  get hasPendingCommit(): boolean {
    return this.#pending !== undefined;
  }
  /** The GroupContext extensions. */
  get extensions(): readonly Extension[] {
    return this.#state.context.extensions;
  }

  /** The cipher suite object (for createKeyPackage, generateIdentity, …). */
  get suite(): CipherSuite {
    return this.#state.cs;
  }

  /** The member at `leafIndex`, or undefined for a blank or out-of-range leaf. O(1). */
  member(leafIndex: number): Member | undefined {
    const t = this.#state.tree;
    const leaf = leafIndex >= 0 && leafIndex < t.leafCount ? t.leafNode(leafIndex as LeafIndex) : undefined;
    if (leaf === undefined) return undefined;
    return { leafIndex: leafIndex as LeafIndex, credential: leaf.credential, signatureKey: leaf.signatureKey, encryptionKey: leaf.encryptionKey };
  }

  /** The member whose signature key is `signatureKey` (O(1), through the tree index). */
  memberBySignatureKey(signatureKey: Uint8Array): Member | undefined {
    const l = this.#state.tree.index.signatureKeyHolder(signatureKey);
    return l === undefined ? undefined : this.member(l);
  }

  /** The roster: every non-blank leaf. */
  members(): Member[] {
    const out: Member[] = [];
    for (const [leafIndex, leaf] of this.#state.tree.leaves()) {
      out.push({ leafIndex, credential: leaf.credential, signatureKey: leaf.signatureKey, encryptionKey: leaf.encryptionKey });
    }
    return out;
  }

  /** §8.5 MLS-Exporter(label, context, length). */
  exportSecret(label: string, context: Uint8Array = EMPTY, length = 32): Uint8Array {
    return mlsExporter(this.#state.cs, this.#state.secrets.exporterSecret, label, context, length);
  }

  /** The internal state (for tests, benchmarks and storage adapters; not a stable API). */
  get state(): GroupState {
    return this.#state;
  }

  // ----------------------------------------------------------------------------------------------
  // Sending

  /** §6.3: encrypts application data (a PrivateMessage MLSMessage). */
  encrypt(data: Uint8Array | string, options: { readonly authenticatedData?: Uint8Array } = {}): Promise<Uint8Array> {
    return this.#serial(() => {
      this.#noPending();
      return encryptApplication(this.#state, typeof data === 'string' ? utf8(data) : data, options.authenticatedData ?? EMPTY);
    });
  }

  /** Sends a proposal by reference; it is cached for the next Commit. Returns the MLSMessage. */
  propose(proposal: Proposal, options: { readonly authenticatedData?: Uint8Array } = {}): Promise<Uint8Array> {
    return this.#serial(async () => {
      this.#noPending();
      await runCredentialChecks(this.#state.config, ownAddChecks([proposal])); // R-5.3.1-01
      const r = sendProposal(this.#state, proposal, options.authenticatedData ?? EMPTY);
      this.#state = r.state;
      return r.message;
    });
  }

  proposeAdd(keyPackage: KeyPackage): Promise<Uint8Array> {
    return this.propose({ proposalType: ProposalType.add, add: { keyPackage } });
  }
  proposeRemove(leaf: number): Promise<Uint8Array> {
    return this.propose({ proposalType: ProposalType.remove, remove: { removed: leaf } });
  }
  /** §12.1.2: a new key (and optionally a new credential) for our leaf, applied when someone commits it. */
  proposeUpdate(options: { readonly credential?: Credential } = {}): Promise<Uint8Array> {
    return this.#serial(() => {
      this.#noPending();
      const u = updateProposal(this.#state, options);
      const r = sendProposal(u.state, u.proposal);
      this.#state = r.state;
      return r.message;
    });
  }
  proposePsk(psk: PreSharedKeyId): Promise<Uint8Array> {
    return this.propose({ proposalType: ProposalType.psk, preSharedKey: { psk } });
  }
  proposeGroupContextExtensions(extensions: readonly Extension[]): Promise<Uint8Array> {
    return this.propose({ proposalType: ProposalType.groupContextExtensions, groupContextExtensions: { extensions } });
  }

  /** A fresh PreSharedKeyID for an external PSK the application shares with the group. */
  externalPskId(pskId: Uint8Array): PreSharedKeyId {
    return newExternalPskId(this.#state.cs, pskId);
  }
  /** A fresh PreSharedKeyID for this group's resumption PSK of `epoch` (§8.6; usage application). */
  resumptionPskId(epoch: bigint): PreSharedKeyId {
    return newResumptionPskId(this.#state.cs, 1, this.#state.context.groupId, epoch);
  }

  /**
   * §12.4.1: a Commit over the pending proposals and `request`. The new epoch stays pending until
   * confirmCommit() (after the delivery service accepted the Commit) or discardCommit().
   * Every KeyPackage added is validated first (§10.1: signature, suite, capabilities, lifetime,
   * and the application's credential check); `effects.added` lists the new members, whose
   * KeyPackages the returned Welcome is encrypted to.
   */
  commit(request: CommitRequest = {}): Promise<CommitMessages> {
    return this.#serial(async () => {
      this.#noPending();
      const proposals: Proposal[] = [
        ...(request.groupContextExtensions !== undefined ? [{ proposalType: ProposalType.groupContextExtensions, groupContextExtensions: { extensions: request.groupContextExtensions } } as const] : []),
        ...(request.remove ?? []).map((removed) => ({ proposalType: ProposalType.remove, remove: { removed } }) as const),
        ...(request.add ?? []).map((keyPackage) => ({ proposalType: ProposalType.add, add: { keyPackage } }) as const),
        ...(request.psks ?? []).map((psk) => ({ proposalType: ProposalType.psk, preSharedKey: { psk } }) as const),
        ...(request.proposals ?? []),
      ];
      await runCredentialChecks(this.#state.config, ownAddChecks(proposals)); // R-5.3.1-01
      const created = createCommit(this.#state, {
        proposals,
        ...(request.includePending !== undefined ? { includePending: request.includePending } : {}),
        ...(request.updatePath !== undefined ? { updatePath: request.updatePath } : {}),
        ...(request.ratchetTreeExtension !== undefined ? { ratchetTreeExtension: request.ratchetTreeExtension } : {}),
        ...(request.externalPub !== undefined ? { externalPub: request.externalPub } : {}),
        ...(request.authenticatedData !== undefined ? { authenticatedData: request.authenticatedData } : {}),
        ...(this.#psks !== undefined ? { psks: this.#psks } : {}),
      });
      this.#pending = created;
      return {
        commit: created.commit,
        ...(created.welcome !== undefined ? { welcome: created.welcome } : {}),
        // Built on first access (O(n): they hold the whole tree), see commit/create.ts.
        get groupInfo() {
          return created.groupInfo;
        },
        get ratchetTree() {
          return created.ratchetTree;
        },
        effects: created.effects,
      };
    });
  }

  /** Adopts our pending Commit's epoch (the delivery service accepted it). */
  confirmCommit(): Promise<void> {
    return this.#serial(() => {
      if (this.#pending === undefined) throw new UsageError('ERR_USAGE_INVALID_STATE', 'no pending commit');
      this.#adopt(this.#pending.state);
      this.#pending = undefined;
    });
  }

  /** Drops our pending Commit (the delivery service refused it); the group stays in its epoch. */
  discardCommit(): Promise<void> {
    return this.#serial(() => {
      if (this.#pending === undefined) throw new UsageError('ERR_USAGE_INVALID_STATE', 'no pending commit');
      this.#pending = undefined;
    });
  }

  /**
   * §11.2 step 3: after a Commit with a ReInit was merged, creates the new group the ReInit
   * describes (group id, version, suite, extensions), adds the other members' KeyPackages (for the
   * new suite) and links it to this group with a reinit PSK. `identity` is needed when the suite
   * changes (a signature key of the new suite); by default this member's credential and key are reused.
   */
  async reinitialize(options: { readonly keyPackages: readonly KeyPackage[]; readonly identity?: Identity; readonly config?: Partial<GroupConfig> }): Promise<{ group: MlsGroup; messages: CommitMessages }> {
    const ri = this.#state.reinit;
    if (ri === undefined) throw new UsageError('ERR_USAGE_INVALID_STATE', 'no ReInit Commit was merged in this group');
    return this.#resume(2, ri.groupId, ri.cipherSuite, ri.extensions, options);
  }

  /**
   * §11.3: a subgroup of this group's members (their fresh KeyPackages), same version and suite,
   * linked to this group by a branch PSK. `groupId` defaults to a fresh random one.
   */
  async branch(options: { readonly keyPackages: readonly KeyPackage[]; readonly groupId?: Uint8Array; readonly extensions?: readonly Extension[]; readonly config?: Partial<GroupConfig> }): Promise<{ group: MlsGroup; messages: CommitMessages }> {
    this.#noPending();
    assertCanSend(this.#state);
    const cs = this.#state.cs;
    return this.#resume(3, options.groupId ?? cs.random(cs.Nh), cs.id, options.extensions ?? this.#state.context.extensions, options);
  }

  async #resume(
    usage: 2 | 3,
    groupId: Uint8Array,
    suiteId: number,
    extensions: readonly Extension[],
    options: { readonly keyPackages: readonly KeyPackage[]; readonly identity?: Identity; readonly config?: Partial<GroupConfig> },
  ): Promise<{ group: MlsGroup; messages: CommitMessages }> {
    const old = this.#state;
    const cs = suiteId === old.cs.id ? old.cs : nodeCipherSuite(suiteId);
    const me = old.tree.leafNode(old.myLeaf)!;
    const identity: Identity =
      options.identity ?? (cs.signatureScheme.id === old.cs.signatureScheme.id ? { credential: me.credential, signaturePublicKey: me.signatureKey, signaturePrivateKey: old.signaturePrivateKey } : (() => {
        throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', 'the new group uses another signature scheme: give an identity with a signature key of that suite');
      })());
    const created = createGroupState({ cipherSuite: cs, identity, groupId, extensions, config: { ...old.config, ...options.config } });
    // The resumption PSK of the old group's current epoch: for a reinit, the epoch its ReInit Commit created.
    const pskId = newResumptionPskId(cs, usage, old.context.groupId, old.context.epoch);
    const oldPsks = old.resumptionPsks;
    const oldGroupId = old.context.groupId;
    const lookup: PskLookup = { resumption: (g, e) => (bytesEqual(g, oldGroupId) ? oldPsks.get(e) : undefined) };
    const out = createCommit(created, {
      proposals: [
        ...options.keyPackages.map((keyPackage) => ({ proposalType: ProposalType.add, add: { keyPackage } }) as const),
        { proposalType: ProposalType.psk, preSharedKey: { psk: pskId } },
      ],
      updatePath: true,
      psks: lookup,
      resumptionUsage: usage,
    });
    const group = new MlsGroup(created, this.#psks !== undefined ? { psks: this.#psks } : {});
    group.#pending = out;
    return { group, messages: { commit: out.commit, ...(out.welcome !== undefined ? { welcome: out.welcome } : {}), groupInfo: out.groupInfo, ratchetTree: out.ratchetTree, effects: out.effects } };
  }

  // ----------------------------------------------------------------------------------------------
  // Receiving

  /**
   * Processes any incoming group message (PublicMessage or PrivateMessage). Application data and
   * proposals take effect at once; a Commit comes back staged — `merge(result.staged)` adopts it.
   * A message that fails any check throws a typed MlsError and changes nothing.
   */
  process(message: Uint8Array): Promise<ProcessResult> {
    return this.#serial(async () => {
      const r = processMessage(this.#state, message, this.#psks !== undefined ? { psks: this.#psks } : {});
      switch (r.kind) {
        case 'application':
          return r;
        case 'proposal':
          await runCredentialChecks(this.#state.config, r.credentialChecks);
          this.#state = r.state;
          return { kind: 'proposal', proposal: r.proposal, ref: r.cached.ref, sender: r.sender };
        case 'commit': {
          await runCredentialChecks(this.#state.config, r.staged.credentialChecks);
          const handle: StagedCommitHandle = { epoch: r.staged.epoch, effects: r.staged.effects, [STAGED]: r.staged };
          return { kind: 'commit', staged: handle };
        }
      }
    });
  }

  /**
   * Adopts a staged Commit. If it removed us, the group is over: every later call fails.
   * A staged Commit is only valid for the epoch it was staged in.
   */
  merge(staged: StagedCommitHandle): Promise<void> {
    return this.#serial(() => {
      const s = staged[STAGED];
      if (s.epoch !== this.#state.context.epoch + 1n) throw new UsageError('ERR_USAGE_INVALID_STATE', 'this staged commit is for another epoch');
      this.#pending = undefined; // a Commit of someone else's won the epoch
      if (s.state === undefined) {
        this.#removed = true;
        return;
      }
      this.#adopt(s.state);
    });
  }

  #removed = false;

  /** True once a merged Commit removed this member. */
  get removed(): boolean {
    return this.#removed;
  }

  #adopt(next: GroupState): void {
    next.tree.merge();
    const prev = this.#state;
    this.#state = next;
    // §9.2 (R-9.2-02): the previous epoch's init_secret was consumed by the new key schedule.
    // §7.5 (R-7.5-04): the previous epoch's private path keys (the staged state holds its own copy,
    // with replaced and blanked keys dropped) and the private keys of our own pending Updates.
    if (prev !== next) {
      wipe(prev.secrets.initSecret);
      if (prev.privateKeys !== next.privateKeys) prev.privateKeys.destroy();
      if (prev.pendingUpdates !== next.pendingUpdates) for (const k of prev.pendingUpdates.values()) wipe(k);
      // §9.2 (R-9.2-01): secret trees the new state does not keep (the previous epoch's when no past
      // epoch is retained, past epochs that fell out of the window) are wiped, not just dropped.
      const kept = new Set([next.secretTree, ...next.past.map((p) => p.secretTree)]);
      for (const t of [prev.secretTree, ...prev.past.map((p) => p.secretTree)]) if (!kept.has(t)) t.destroy();
      // §9.2: likewise the previous epoch's other secrets (Table 4), except what the new state still
      // holds: the sender data secrets of retained past epochs and the retained resumption PSKs.
      const keptSecrets = new Set<Uint8Array>([...Object.values(next.secrets), ...next.past.map((p) => p.senderDataSecret), ...next.resumptionPsks.values()]);
      const s = prev.secrets;
      for (const b of [s.senderDataSecret, s.exporterSecret, s.externalSecret, s.confirmationKey, s.membershipKey, s.epochAuthenticator, s.resumptionPsk, ...prev.past.map((p) => p.senderDataSecret), ...prev.resumptionPsks.values()]) {
        if (!keptSecrets.has(b)) wipe(b);
      }
    }
  }

  #noPending(): void {
    if (this.#removed) throw new UsageError('ERR_USAGE_INVALID_STATE', 'this member was removed from the group');
    if (this.#pending !== undefined) throw new UsageError('ERR_USAGE_INVALID_STATE', 'a commit is pending: confirmCommit() or discardCommit() first');
  }

  // ----------------------------------------------------------------------------------------------
  // Storage

  /** The whole state as bytes (versioned msgpack). It holds secrets: store it as such. */
  snapshot(): Uint8Array {
    if (this.#pending !== undefined) throw new UsageError('ERR_USAGE_INVALID_STATE', 'a commit is pending: confirm or discard it before taking a snapshot');
    return snapshotState(this.#state);
  }
}
