/**
 * Interop adapter (test-only): one `Peer` interface over two MLS implementations — mlskit (this
 * repository) and ts-mls 2.0.0-rc.10 (https://github.com/LukaJCB/ts-mls), driven through its
 * public API only (the names exported by `ts-mls`'s index). Everything that crosses between the two
 * is MLSMessage bytes (or, for a ratchet tree sent out of band, the RFC 9420 §12.4.3.3
 * `optional<Node> ratchet_tree<V>` bytes), never an object of the other library.
 *
 * Workarounds for ts-mls (also in docs/interop.md):
 *  - ts-mls imports @noble/hashes (crypto/implementation/noble/makeHashImpl.js) without declaring
 *    it as a dependency or peer dependency (1.6.4 and 2.0.0-rc.10); it is a dev dependency here.
 *  - ECDSA suites: ts-mls's key generation yields compressed public keys (RFC 9420 §5.1.1 requires
 *    the uncompressed point); ts-mls KeyPackages are built from ts-mls's own key pair with the
 *    public key re-encoded uncompressed (@noble/curves, one of ts-mls's peers), through
 *    generateKeyPackageWithKey. See tsGenerateKeyPackage.
 *  - ts-mls exports no ratchet-tree encoder/decoder. A tree received out of band is decoded with
 *    the exported `clientStateDecoder` (ClientState = GroupContext ‖ ratchet_tree ‖ GroupState): we
 *    splice the tree bytes between the GroupContext and GroupState bytes of a template state of
 *    the same suite. A ts-mls tree is encoded the same way in reverse. `joinGroup` then checks the
 *    tree against the GroupInfo's tree hash, so a bad splice cannot pass silently.
 *  - ts-mls's processMessage passes an empty externalPsks to processPrivateMessage: messages are
 *    dispatched to processPublicMessage / processPrivateMessage by wire format instead.
 *  - ts-mls has no API to send an Update proposal (it updates its leaf only with a Commit path),
 *    and no option to force a path into a Commit that covers proposals.
 *  - ts-mls's createCommit resolves resumption PSKs against `resumingFromState`, which its public
 *    CreateCommitParams do not have, so a ts-mls member cannot commit a resumption PSK of its own
 *    group (receiving one works).
 */
import * as T from 'ts-mls';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import {
  MlsGroup,
  basicCredential,
  cipherSuite,
  createKeyPackage,
  generateIdentity,
  keyPackageMessage,
  readKeyPackageMessage,
  validateKeyPackage,
  externalPsks,
  decodeMlsMessage,
  encodeMlsMessage,
  ExtensionType,
  WireFormat,
  type GroupConfig,
  type PreSharedKeyId,
} from '../../src/index.js';
import { toHex } from '../../src/util/bytes.js';
import { decode, encode } from '../../src/codec/codec.js';
import { Writer } from '../../src/codec/writer.js';
import { externalPubCodec } from '../../src/extensions/extension.js';
import { groupInfoTbs } from '../../src/messages/group-info.js';
import { newExternalPskId } from '../../src/psk/psk-secret.js';

export type Impl = 'mlskit' | 'ts-mls';
export const IMPLS: readonly Impl[] = ['mlskit', 'ts-mls'];
export const other = (impl: Impl): Impl => (impl === 'mlskit' ? 'ts-mls' : 'mlskit');

/** The seven RFC 9420 §17.1 suites; ts-mls 2.0.0-rc.10 implements all of them. */
export const RFC_SUITES = [1, 2, 3, 4, 5, 6, 7] as const;

const enc = new TextEncoder();
const dec = new TextDecoder();
export const utf8 = (s: string): Uint8Array => enc.encode(s);
export const text = (b: Uint8Array): string => dec.decode(b);

/** A PSK as the test names it; each implementation builds its own PreSharedKeyID (fresh nonce). */
export type PskSpec = { readonly kind: 'external'; readonly id: Uint8Array } | { readonly kind: 'resumption'; readonly epoch: bigint };

/** The external PSKs every client of a test knows (id → secret). */
export type PskTable = ReadonlyArray<readonly [Uint8Array, Uint8Array]>;

export interface CommitSpec {
  /** KeyPackages (MLSMessage bytes) to add by value. */
  readonly add?: readonly Uint8Array[];
  /** Leaf indices to remove by value. */
  readonly remove?: readonly number[];
  readonly psks?: readonly PskSpec[];
  /** Force a path (mlskit only: ts-mls has no such option and adds one only when it decides to). */
  readonly updatePath?: boolean;
  /** Put the tree in the GroupInfo's ratchet_tree extension (default true), else send it out of band. */
  readonly treeInGroupInfo?: boolean;
}

export interface CommitOutput {
  readonly commit: Uint8Array;
  readonly welcome?: Uint8Array;
  /** The new epoch's ratchet tree, RFC-encoded, for joiners when the GroupInfo lacks it. */
  readonly ratchetTree: Uint8Array;
}

export type Processed = { readonly kind: 'application'; readonly data: Uint8Array } | { readonly kind: 'proposal' } | { readonly kind: 'commit' };

/** What a test may ask of a member, whichever implementation it is. */
export interface Peer {
  readonly impl: Impl;
  readonly name: string;
  readonly suite: number;
  readonly epoch: bigint;
  readonly leafIndex: number;
  readonly removed: boolean;
  epochAuthenticator(): Uint8Array;
  exportSecret(label: string, context: Uint8Array, length: number): Promise<Uint8Array>;
  /** "leafIndex:identity" for every member, in leaf order. */
  roster(): string[];
  encrypt(data: Uint8Array): Promise<Uint8Array>;
  /** Processes a handshake or application message; a Commit is adopted at once. */
  process(message: Uint8Array): Promise<Processed>;
  proposeAdd(keyPackage: Uint8Array): Promise<Uint8Array>;
  proposeRemove(leaf: number): Promise<Uint8Array>;
  /** Update proposal by reference (mlskit only; ts-mls throws Unsupported). */
  proposeUpdate(): Promise<Uint8Array>;
  proposePsk(psk: PskSpec): Promise<Uint8Array>;
  /** Creates a Commit; the new epoch is adopted by confirm() once it was delivered. */
  commit(spec?: CommitSpec): Promise<CommitOutput>;
  confirm(): Promise<void>;
  /** Drops the pending Commit (the delivery service refused it). */
  discard(): Promise<void>;
}

/** A client that is not (yet) in a group: its published KeyPackage and how it joins. */
export interface Client {
  readonly impl: Impl;
  readonly name: string;
  readonly keyPackage: Uint8Array;
  join(welcome: Uint8Array, ratchetTree?: Uint8Array): Promise<Peer>;
}

export interface ClientOptions {
  readonly psks?: PskTable;
  /** Handshake messages (proposals, Commits) as PublicMessage or PrivateMessage. */
  readonly handshake?: 'public' | 'private';
}

export class Unsupported extends Error {}

// =================================================================================================
// mlskit

export class MlskitPeer implements Peer {
  readonly impl = 'mlskit' as const;
  constructor(
    readonly name: string,
    readonly suite: number,
    readonly group: MlsGroup,
  ) {}
  get epoch(): bigint {
    return this.group.epoch;
  }
  get leafIndex(): number {
    return this.group.myLeafIndex;
  }
  get removed(): boolean {
    return this.group.removed;
  }
  epochAuthenticator(): Uint8Array {
    return this.group.epochAuthenticator;
  }
  exportSecret(label: string, context: Uint8Array, length: number): Promise<Uint8Array> {
    return Promise.resolve(this.group.exportSecret(label, context, length));
  }
  roster(): string[] {
    return this.group.members().map((m) => `${m.leafIndex}:${text(m.credential.credentialType === 1 ? m.credential.identity : new Uint8Array())}`);
  }
  encrypt(data: Uint8Array): Promise<Uint8Array> {
    return this.group.encrypt(data);
  }
  async process(message: Uint8Array): Promise<Processed> {
    const r = await this.group.process(message);
    if (r.kind === 'commit') {
      await this.group.merge(r.staged);
      return { kind: 'commit' };
    }
    if (r.kind === 'application') return { kind: 'application', data: r.data };
    return { kind: 'proposal' };
  }
  #keyPackage(bytes: Uint8Array) {
    // KeyPackages of either implementation must pass mlskit's §10.1 validation.
    return validateKeyPackage(cipherSuite(this.suite), readKeyPackageMessage(bytes));
  }
  proposeAdd(keyPackage: Uint8Array): Promise<Uint8Array> {
    return this.group.proposeAdd(this.#keyPackage(keyPackage));
  }
  proposeRemove(leaf: number): Promise<Uint8Array> {
    return this.group.proposeRemove(leaf);
  }
  proposeUpdate(): Promise<Uint8Array> {
    return this.group.proposeUpdate();
  }
  #pskId(psk: PskSpec): PreSharedKeyId {
    return psk.kind === 'external' ? this.group.externalPskId(psk.id) : this.group.resumptionPskId(psk.epoch);
  }
  proposePsk(psk: PskSpec): Promise<Uint8Array> {
    return this.group.proposePsk(this.#pskId(psk));
  }
  async commit(spec: CommitSpec = {}): Promise<CommitOutput> {
    const out = await this.group.commit({
      add: (spec.add ?? []).map((kp) => this.#keyPackage(kp)),
      remove: spec.remove ?? [],
      psks: (spec.psks ?? []).map((p) => this.#pskId(p)),
      ratchetTreeExtension: spec.treeInGroupInfo ?? true,
      ...(spec.updatePath !== undefined ? { updatePath: spec.updatePath } : {}),
    });
    return { commit: out.commit, ...(out.welcome !== undefined ? { welcome: out.welcome } : {}), ratchetTree: out.ratchetTree };
  }
  confirm(): Promise<void> {
    return this.group.confirmCommit();
  }
  discard(): Promise<void> {
    return this.group.discardCommit();
  }
}

function mlskitConfig(options: ClientOptions): Partial<GroupConfig> {
  return { handshakeWireFormat: options.handshake ?? 'public' };
}

function mlskitClient(suite: number, name: string, options: ClientOptions): Client {
  const cs = cipherSuite(suite);
  const identity = generateIdentity(cs, basicCredential(name));
  const kp = createKeyPackage({ cipherSuite: cs, credential: identity.credential, signaturePrivateKey: identity.signaturePrivateKey, signaturePublicKey: identity.signaturePublicKey });
  return {
    impl: 'mlskit',
    name,
    keyPackage: keyPackageMessage(kp.keyPackage),
    async join(welcome, ratchetTree) {
      const group = await MlsGroup.join({
        welcome,
        keyPackages: [kp],
        config: mlskitConfig(options),
        psks: externalPsks(options.psks ?? []),
        ...(ratchetTree !== undefined ? { ratchetTree } : {}),
      });
      return new MlskitPeer(name, suite, group);
    },
  };
}

async function mlskitCreate(suite: number, name: string, options: ClientOptions): Promise<Peer> {
  const cs = cipherSuite(suite);
  const identity = generateIdentity(cs, basicCredential(name));
  const group = await MlsGroup.create({ cipherSuite: cs, identity, config: mlskitConfig(options), psks: externalPsks(options.psks ?? []) });
  return new MlskitPeer(name, suite, group);
}

// =================================================================================================
// ts-mls

const suiteNames = new Map<number, T.CiphersuiteName>((Object.entries(T.ciphersuites) as [T.CiphersuiteName, number][]).map(([n, id]) => [id, n]));
const impls = new Map<number, Promise<T.CiphersuiteImpl>>();

/** ts-mls's implementation of `suite` (default crypto provider). */
export function tsSuite(suite: number): Promise<T.CiphersuiteImpl> {
  let p = impls.get(suite);
  if (p === undefined) {
    const name = suiteNames.get(suite);
    if (name === undefined) throw new Unsupported(`ts-mls has no cipher suite ${suite}`);
    p = T.getCiphersuiteImpl(name);
    impls.set(suite, p);
  }
  return p;
}

function tsContext(impl: T.CiphersuiteImpl, options: ClientOptions): T.MlsContext {
  const psks: Record<string, Uint8Array> = {};
  for (const [id, secret] of options.psks ?? []) psks[T.bytesToBase64(id)] = secret;
  return { cipherSuite: impl, authService: T.unsafeTestingAuthenticationService, externalPsks: psks };
}

function tsDecode(bytes: Uint8Array): T.MlsMessage {
  const m = T.decode(T.mlsMessageDecoder, bytes);
  if (m === undefined) throw new Error('ts-mls could not decode the MLSMessage');
  return m;
}

function tsFramed(bytes: Uint8Array): T.MlsFramedMessage {
  const m = tsDecode(bytes);
  if (m.wireformat !== T.wireformats.mls_public_message && m.wireformat !== T.wireformats.mls_private_message) throw new Error(`not a framed message (wire format ${m.wireformat})`);
  return m;
}

function tsKeyPackage(bytes: Uint8Array): T.KeyPackage {
  const m = tsDecode(bytes);
  if (m.wireformat !== T.wireformats.mls_key_package) throw new Error('not a KeyPackage message');
  return m.keyPackage;
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** [GroupContext bytes, GroupState bytes] of a ts-mls state: ClientState encodes as GC ‖ tree ‖ GS. */
function tsStateFrame(state: T.ClientState): [Uint8Array, Uint8Array] {
  const gs = T.encode(T.groupStateEncoder, state);
  const withEmptyTree = T.encode(T.clientStateEncoder, { ...state, ratchetTree: [] });
  // an empty optional<Node> ratchet_tree<V> is the single length byte 0x00
  const gc = withEmptyTree.subarray(0, withEmptyTree.length - 1 - gs.length);
  return [gc, gs];
}

/** The RFC 9420 encoding of a ts-mls ratchet tree (see the header: no exported tree encoder). */
export function tsTreeBytes(state: T.ClientState): Uint8Array {
  const full = T.encode(T.clientStateEncoder, state);
  const [gc, gs] = tsStateFrame(state);
  return full.slice(gc.length, full.length - gs.length);
}

/** A ts-mls RatchetTree from RFC 9420 bytes, decoded with ts-mls's own decoder (via `template`'s frame). */
function tsTreeFromBytes(bytes: Uint8Array, template: T.ClientState): T.RatchetTree {
  const [gc, gs] = tsStateFrame(template);
  const s = T.decode(T.clientStateDecoder, concat(gc, bytes, gs));
  if (s === undefined) throw new Error('ts-mls could not decode the ratchet tree');
  return s.ratchetTree;
}

const templates = new Map<number, Promise<T.ClientState>>();
/** A throwaway one-member ts-mls group of `suite`: only its encoding frame is used. */
function tsTemplate(suite: number): Promise<T.ClientState> {
  let p = templates.get(suite);
  if (p === undefined) {
    p = (async () => {
      const impl = await tsSuite(suite);
      const kp = await T.generateKeyPackage({ credential: { credentialType: T.defaultCredentialTypes.basic, identity: utf8('template') }, cipherSuite: impl });
      return T.createGroup({ context: tsContext(impl, {}), groupId: utf8('template'), keyPackage: kp.publicPackage, privateKeyPackage: kp.privatePackage });
    })();
    templates.set(suite, p);
  }
  return p;
}

function tsPskId(impl: T.CiphersuiteImpl, state: T.ClientState, psk: PskSpec): T.PskId {
  const pskNonce = impl.rng.randomBytes(impl.kdf.size);
  return psk.kind === 'external'
    ? { psktype: T.pskTypes.external, pskId: psk.id, pskNonce }
    : { psktype: T.pskTypes.resumption, usage: T.resumptionPSKUsages.application, pskGroupId: state.groupContext.groupId, pskEpoch: psk.epoch, pskNonce };
}

export class TsMlsPeer implements Peer {
  readonly impl = 'ts-mls' as const;
  #pending: T.ClientState | undefined;
  constructor(
    readonly name: string,
    readonly suite: number,
    readonly cs: T.CiphersuiteImpl,
    readonly context: T.MlsContext,
    public state: T.ClientState,
    readonly handshake: 'public' | 'private',
  ) {}
  get epoch(): bigint {
    return this.state.groupContext.epoch;
  }
  get leafIndex(): number {
    return this.state.privatePath.leafIndex;
  }
  get removed(): boolean {
    return this.state.groupActiveState.kind === 'removedFromGroup';
  }
  epochAuthenticator(): Uint8Array {
    return this.state.keySchedule.epochAuthenticator;
  }
  exportSecret(label: string, context: Uint8Array, length: number): Promise<Uint8Array> {
    return T.mlsExporter(this.state.keySchedule.exporterSecret, label, context, length, this.cs);
  }
  roster(): string[] {
    const out: string[] = [];
    this.state.ratchetTree.forEach((node, i) => {
      if (i % 2 === 0 && node !== undefined && node.nodeType === T.nodeTypes.leaf) {
        const c = node.leaf.credential;
        out.push(`${i / 2}:${c.credentialType === T.defaultCredentialTypes.basic && 'identity' in c ? text(c.identity) : ''}`);
      }
    });
    return out;
  }
  #noPending(): void {
    if (this.#pending !== undefined) throw new Error(`${this.name}: a commit is pending`);
  }
  async encrypt(data: Uint8Array): Promise<Uint8Array> {
    this.#noPending();
    const r = await T.createApplicationMessage({ context: this.context, state: this.state, message: data });
    this.state = r.newState;
    return T.encode(T.mlsMessageEncoder, r.message);
  }
  async process(message: Uint8Array): Promise<Processed> {
    const before = this.state.groupContext.epoch;
    // Not T.processMessage: for a PrivateMessage it drops context.externalPsks (a ts-mls defect,
    // docs/interop.md), so a private Commit with an external PSK fails. Dispatch by wire format.
    const m = tsFramed(message);
    const r =
      m.wireformat === T.wireformats.mls_private_message
        ? await T.processPrivateMessage({ context: this.context, state: this.state, privateMessage: m.privateMessage })
        : { kind: 'newState' as const, ...(await T.processPublicMessage({ context: this.context, state: this.state, publicMessage: m.publicMessage })) };
    this.state = r.newState;
    if (r.kind === 'applicationMessage') return { kind: 'application', data: r.message };
    // ts-mls reports proposals and Commits alike as a new state: a Commit is the one that moves the epoch.
    return { kind: r.newState.groupContext.epoch !== before ? 'commit' : 'proposal' };
  }
  async #propose(proposal: T.Proposal): Promise<Uint8Array> {
    this.#noPending();
    const r = await T.createProposal({ context: this.context, state: this.state, proposal, wireAsPublicMessage: this.handshake === 'public' });
    this.state = r.newState;
    return T.encode(T.mlsMessageEncoder, r.message);
  }
  proposeAdd(keyPackage: Uint8Array): Promise<Uint8Array> {
    return this.#propose({ proposalType: T.defaultProposalTypes.add, add: { keyPackage: tsKeyPackage(keyPackage) } });
  }
  proposeRemove(leaf: number): Promise<Uint8Array> {
    return this.#propose({ proposalType: T.defaultProposalTypes.remove, remove: { removed: leaf } });
  }
  proposeUpdate(): Promise<Uint8Array> {
    return Promise.reject(new Unsupported('ts-mls 2.0.0-rc.10 has no API to send an Update proposal'));
  }
  proposePsk(psk: PskSpec): Promise<Uint8Array> {
    return this.#propose({ proposalType: T.defaultProposalTypes.psk, psk: { preSharedKeyId: tsPskId(this.cs, this.state, psk) } });
  }
  async commit(spec: CommitSpec = {}): Promise<CommitOutput> {
    this.#noPending();
    if (spec.updatePath === true) throw new Unsupported('ts-mls 2.0.0-rc.10 cannot be told to include a path');
    const extraProposals: T.Proposal[] = [
      ...(spec.remove ?? []).map((removed): T.Proposal => ({ proposalType: T.defaultProposalTypes.remove, remove: { removed } })),
      ...(spec.add ?? []).map((kp): T.Proposal => ({ proposalType: T.defaultProposalTypes.add, add: { keyPackage: tsKeyPackage(kp) } })),
      ...(spec.psks ?? []).map((p): T.Proposal => ({ proposalType: T.defaultProposalTypes.psk, psk: { preSharedKeyId: tsPskId(this.cs, this.state, p) } })),
    ];
    const r = await T.createCommit({
      context: this.context,
      state: this.state,
      extraProposals,
      ratchetTreeExtension: spec.treeInGroupInfo ?? true,
      wireAsPublicMessage: this.handshake === 'public',
    });
    this.#pending = r.newState;
    return {
      commit: T.encode(T.mlsMessageEncoder, r.commit),
      ...(r.welcome !== undefined ? { welcome: T.encode(T.mlsMessageEncoder, r.welcome) } : {}),
      ratchetTree: tsTreeBytes(r.newState),
    };
  }
  confirm(): Promise<void> {
    if (this.#pending === undefined) return Promise.reject(new Error(`${this.name}: no pending commit`));
    this.state = this.#pending;
    this.#pending = undefined;
    return Promise.resolve();
  }
  discard(): Promise<void> {
    this.#pending = undefined;
    return Promise.resolve();
  }
}

/**
 * ts-mls's ECDSA key generation (noble's getPublicKey with its default, compressed) yields a
 * 33/49/67-byte compressed point; RFC 9420 §5.1.1 requires the UncompressedPointRepresentation, and
 * mlskit rejects the compressed form (R-10-03). Known peer defect, docs/interop.md. Workaround:
 * keep ts-mls's key pair, re-encode the public key uncompressed, and build the KeyPackage with
 * ts-mls's own generateKeyPackageWithKey.
 */
const ECDSA: Record<number, { getPublicKey(secretKey: Uint8Array, isCompressed?: boolean): Uint8Array }> = { 2: p256, 5: p521, 7: p384 };

/** A ts-mls KeyPackage for `name`: ts-mls's defaults, except the ECDSA workaround above (`defaults` true: none). */
export async function tsGenerateKeyPackage(suite: number, name: string, defaults = false): Promise<{ publicPackage: T.KeyPackage; privatePackage: T.PrivateKeyPackage }> {
  const impl = await tsSuite(suite);
  const credential: T.Credential = { credentialType: T.defaultCredentialTypes.basic, identity: utf8(name) };
  const ecdsa = ECDSA[suite];
  if (ecdsa === undefined || defaults) return T.generateKeyPackage({ credential, cipherSuite: impl });
  const { signKey } = await impl.signature.keygen();
  return T.generateKeyPackageWithKey({ credential, cipherSuite: impl, signatureKeyPair: { signKey, publicKey: ecdsa.getPublicKey(signKey, false) } });
}

/** A ts-mls KeyPackage as the MLSMessage it publishes. */
export function tsKeyPackageMessage(keyPackage: T.KeyPackage): Uint8Array {
  return T.encode(T.mlsMessageEncoder, { wireformat: T.wireformats.mls_key_package, version: T.protocolVersions.mls10, keyPackage });
}

async function tsClient(suite: number, name: string, options: ClientOptions): Promise<Client> {
  const impl = await tsSuite(suite);
  const context = tsContext(impl, options);
  const kp = await tsGenerateKeyPackage(suite, name);
  return {
    impl: 'ts-mls',
    name,
    keyPackage: tsKeyPackageMessage(kp.publicPackage),
    async join(welcome, ratchetTree) {
      const m = tsDecode(welcome);
      if (m.wireformat !== T.wireformats.mls_welcome) throw new Error('not a Welcome message');
      const tree = ratchetTree !== undefined ? tsTreeFromBytes(ratchetTree, await tsTemplate(suite)) : undefined;
      const state = await T.joinGroup({ context, welcome: m.welcome, keyPackage: kp.publicPackage, privateKeys: kp.privatePackage, ...(tree !== undefined ? { ratchetTree: tree } : {}) });
      return new TsMlsPeer(name, suite, impl, context, state, options.handshake ?? 'private');
    },
  };
}

async function tsCreate(suite: number, name: string, options: ClientOptions): Promise<Peer> {
  const impl = await tsSuite(suite);
  const context = tsContext(impl, options);
  const kp = await tsGenerateKeyPackage(suite, name);
  const state = await T.createGroup({ context, groupId: impl.rng.randomBytes(16), keyPackage: kp.publicPackage, privateKeyPackage: kp.privatePackage });
  return new TsMlsPeer(name, suite, impl, context, state, options.handshake ?? 'private');
}

// =================================================================================================
// Either

export function newClient(impl: Impl, suite: number, name: string, options: ClientOptions = {}): Promise<Client> {
  return impl === 'mlskit' ? Promise.resolve(mlskitClient(suite, name, options)) : tsClient(suite, name, options);
}

export function createGroup(impl: Impl, suite: number, name: string, options: ClientOptions = {}): Promise<Peer> {
  return impl === 'mlskit' ? mlskitCreate(suite, name, options) : tsCreate(suite, name, options);
}

/** The wire format of an MLSMessage, read with mlskit's strict decoder (so both sides' bytes must decode there). */
export function wireFormatOf(message: Uint8Array): number {
  return decodeMlsMessage(message).wireFormat;
}
export { WireFormat, toHex };

// =================================================================================================
// External commits (RFC 9420 §12.4.3.2)
//
// Workaround (docs/interop.md, D9): ts-mls 2.0.0-rc.10 puts the bare HPKE public key in the
// external_pub extension of a GroupInfo, where RFC 9420 §12.4.3.2 has the struct
// `ExternalPub { HPKEPublicKey external_pub; }` — with HPKEPublicKey = opaque<V> (§5.1.1), i.e. a
// varint length before the key. Neither side can read the other's external_pub, and the extension
// is covered by the GroupInfo signature. So a GroupInfo that crosses over is re-encoded to the
// reader's form and re-signed with the publisher's own signature key (SignWithLabel(.,
// "GroupInfoTBS", GroupInfoTBS), §12.4.3), everything else left as the publisher made it. ts-mls
// exports no GroupInfo signer, so the TBS is built with mlskit's codec and signed by ts-mls's
// signature primitive with the ts-mls member's key.

/** A GroupInfo with external_pub, as a member published it for the current epoch. */
export interface PublishedGroupInfo {
  readonly publisher: Peer;
  /** The GroupInfo MLSMessage exactly as the publisher's implementation made it. */
  readonly groupInfo: Uint8Array;
  /** The tree (RFC encoding), for a joiner when the GroupInfo has no ratchet_tree extension. */
  readonly ratchetTree: Uint8Array;
  readonly treeInGroupInfo: boolean;
  /**
   * mlskit publishes a GroupInfo only with a Commit (an empty one, with a path); the publisher has
   * adopted its epoch, the other members must process it before anyone joins.
   */
  readonly commit?: Uint8Array;
  /** The GroupInfo that a joiner of `impl` can read (the D9 workaround above). */
  groupInfoFor(impl: Impl): Uint8Array;
}

/** "MLS 1.0 GroupInfoTBS" SignContent (§5.1.2) over a GroupInfoTBS. */
function groupInfoSignContent(tbs: Uint8Array): Uint8Array {
  return new Writer(tbs.length + 32).opaque(utf8('MLS 1.0 GroupInfoTBS')).opaque(tbs).finish();
}

/** `groupInfo` with its external_pub extension data replaced by `edit(data)`, re-signed by `sign`. */
async function resignGroupInfo(groupInfo: Uint8Array, edit: (data: Uint8Array) => Uint8Array, sign: (signContent: Uint8Array) => Promise<Uint8Array>): Promise<Uint8Array> {
  const m = decodeMlsMessage(groupInfo);
  if (m.wireFormat !== WireFormat.mls_group_info) throw new Error('not a GroupInfo message');
  const extensions = m.groupInfo.extensions.map((e) => (e.extensionType === ExtensionType.externalPub ? { ...e, extensionData: edit(e.extensionData) } : e));
  const unsigned = { ...m.groupInfo, extensions };
  const signature = await sign(groupInfoSignContent(groupInfoTbs(unsigned)));
  return encodeMlsMessage({ wireFormat: WireFormat.mls_group_info, groupInfo: { ...unsigned, signature } });
}

/** RFC form → ts-mls form: the bare key. */
const externalPubToTsMls = (data: Uint8Array): Uint8Array => decode(externalPubCodec, data).externalPub;
/** ts-mls form → RFC form: ExternalPub{opaque external_pub<V>}. */
const externalPubToRfc = (data: Uint8Array): Uint8Array => encode(externalPubCodec, { externalPub: data });

/**
 * `peer` publishes a GroupInfo with external_pub. mlskit: `commit({ externalPub: true })` (an
 * empty Commit, adopted here; deliver `commit` to the others). ts-mls: createGroupInfoWithExternalPub
 * (AndRatchetTree) for the current epoch.
 */
export async function publishGroupInfo(peer: Peer, treeInGroupInfo = true): Promise<PublishedGroupInfo> {
  if (peer instanceof MlskitPeer) {
    const out = await peer.group.commit({ externalPub: true, ratchetTreeExtension: treeInGroupInfo });
    await peer.group.confirmCommit();
    const key = peer.group.state.signaturePrivateKey;
    const cs = cipherSuite(peer.suite);
    const forTsMls = await resignGroupInfo(out.groupInfo, externalPubToTsMls, (c) => Promise.resolve(cs.signatureScheme.sign(key, c)));
    return { publisher: peer, groupInfo: out.groupInfo, ratchetTree: out.ratchetTree, treeInGroupInfo, commit: out.commit, groupInfoFor: (impl) => (impl === 'mlskit' ? out.groupInfo : forTsMls) };
  }
  if (peer instanceof TsMlsPeer) {
    const make = treeInGroupInfo ? T.createGroupInfoWithExternalPubAndRatchetTree : T.createGroupInfoWithExternalPub;
    const gi = await make(peer.state, [], peer.cs);
    const groupInfo = T.encode(T.mlsMessageEncoder, { wireformat: T.wireformats.mls_group_info, version: T.protocolVersions.mls10, groupInfo: gi });
    const key = peer.state.signaturePrivateKey;
    const forMlskit = await resignGroupInfo(groupInfo, externalPubToRfc, (c) => peer.cs.signature.sign(key, c));
    return { publisher: peer, groupInfo, ratchetTree: tsTreeBytes(peer.state), treeInGroupInfo, groupInfoFor: (impl) => (impl === 'ts-mls' ? groupInfo : forMlskit) };
  }
  throw new Error('unknown peer');
}

export interface ExternalJoinSpec {
  /** The GroupInfo MLSMessage the joiner reads (see PublishedGroupInfo.groupInfoFor). */
  readonly groupInfo: Uint8Array;
  /** The tree, when the GroupInfo has no ratchet_tree extension. */
  readonly ratchetTree?: Uint8Array;
  /**
   * Resync: the member (same implementation, same name) whose leaf the Commit removes. mlskit
   * names the leaf (`resync: leafIndex`) and uses a fresh signature key; ts-mls finds the leaf by
   * the signature key of its KeyPackage (`resync: true`), so the KeyPackage reuses that member's key.
   */
  readonly resync?: Peer;
  /** PSKs the joiner injects (mlskit only; ts-mls's joinGroupExternal has no PSK parameter). */
  readonly psks?: readonly PskSpec[];
}

/** A client of `impl` joins by external Commit; send `commit` to every member. */
export async function joinExternal(impl: Impl, suite: number, name: string, spec: ExternalJoinSpec, options: ClientOptions = {}): Promise<{ peer: Peer; commit: Uint8Array }> {
  if (spec.resync !== undefined && (spec.resync.impl !== impl || spec.resync.name !== name)) throw new Error('a resync replaces a member of the same implementation and name');
  if (impl === 'mlskit') {
    const cs = cipherSuite(suite);
    const identity = generateIdentity(cs, basicCredential(name));
    const pskIds = (spec.psks ?? []).map((p): PreSharedKeyId => {
      if (p.kind !== 'external') throw new Unsupported('an external joiner has no resumption PSK of the group');
      return newExternalPskId(cs, p.id);
    });
    const { group, commit } = await MlsGroup.joinExternal({
      groupInfo: spec.groupInfo,
      identity,
      config: mlskitConfig(options),
      psks: externalPsks(options.psks ?? []),
      ...(spec.ratchetTree !== undefined ? { ratchetTree: spec.ratchetTree } : {}),
      ...(spec.resync !== undefined ? { resync: spec.resync.leafIndex } : {}),
      ...(pskIds.length > 0 ? { pskIds } : {}),
    });
    return { peer: new MlskitPeer(name, suite, group), commit };
  }
  if ((spec.psks ?? []).length > 0) throw new Unsupported('ts-mls 2.0.0-rc.10 cannot inject a PSK in an external Commit');
  const cs = await tsSuite(suite);
  const context = tsContext(cs, options);
  const m = tsDecode(spec.groupInfo);
  if (m.wireformat !== T.wireformats.mls_group_info) throw new Error('not a GroupInfo message');
  let kp: { publicPackage: T.KeyPackage; privatePackage: T.PrivateKeyPackage };
  if (spec.resync instanceof TsMlsPeer) {
    const old = spec.resync;
    const leaf = old.state.ratchetTree[2 * old.leafIndex];
    if (leaf === undefined || leaf.nodeType !== T.nodeTypes.leaf) throw new Error('the resynced member has no leaf');
    kp = await T.generateKeyPackageWithKey({
      credential: { credentialType: T.defaultCredentialTypes.basic, identity: utf8(name) },
      cipherSuite: cs,
      signatureKeyPair: { signKey: old.state.signaturePrivateKey, publicKey: leaf.leaf.signaturePublicKey },
    });
  } else {
    kp = await tsGenerateKeyPackage(suite, name);
  }
  const tree = spec.ratchetTree !== undefined ? tsTreeFromBytes(spec.ratchetTree, await tsTemplate(suite)) : undefined;
  const r = await T.joinGroupExternal({
    context,
    groupInfo: m.groupInfo,
    keyPackage: kp.publicPackage,
    privateKeys: kp.privatePackage,
    resync: spec.resync !== undefined,
    ...(tree !== undefined ? { tree } : {}),
  });
  const commit = T.encode(T.mlsMessageEncoder, { wireformat: T.wireformats.mls_public_message, version: T.protocolVersions.mls10, publicMessage: r.publicMessage });
  return { peer: new TsMlsPeer(name, suite, cs, context, r.newState, options.handshake ?? 'private'), commit };
}
