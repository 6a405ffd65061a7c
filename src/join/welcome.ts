/**
 * RFC 9420 §12.4.3.1: joining a group from a Welcome, with every check of that section (each
 * with its checklist id), then the group state of the new member.
 *
 * Order: find our KeyPackage (R-12.4.3.1-02/03), open the GroupSecrets (04), PSKs (05/06, R-8.4-02),
 * open the GroupInfo (07), GroupInfo checks (08, D-01, R-12.4.3-02/03, D-07, R-13.4-02), the tree
 * (01, R-12.4.3-04 signature, 09–13 via validateRatchetTree, 14 our leaf), the path secret (15), the
 * key schedule and the confirmation tag (16), resumption-PSK rules (17).
 */
import { decode, encode } from '../codec/codec.js';
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { decryptWithLabel, makeKeyPackageRef } from '../crypto/labels.js';
import { nodeCipherSuite } from '../crypto/node/provider.js';
import { MlsError, ValidationError } from '../errors.js';
import { ExtensionType, extensionsCodec, type Extension } from '../extensions/extension.js';
import { encodeGroupContext } from '../key-schedule/group-context.js';
import { joinerEpochKeys, joinerWelcomeSecret, verifyConfirmationTag, welcomeKeyAndNonce } from '../key-schedule/key-schedule.js';
import { interimTranscriptHash } from '../key-schedule/transcript-hash.js';
import { groupInfoCodec, type GroupInfo } from '../messages/group-info.js';
import { keyPackageCodec, type KeyPackage } from '../messages/key-package.js';
import { groupSecretsCodec, type GroupSecrets, type Welcome } from '../messages/welcome.js';
import { resolvePsks, type PskLookup } from '../psk/lookup.js';
import { PskType } from '../psk/psk-id.js';
import { computePskSecret, hasValidPskNonce } from '../psk/psk-secret.js';
import type { RatchetTree } from '../ratchet-tree/node.js';
import { validateRatchetTree } from '../ratchet-tree/tree-validation.js';
import type { DeferredLeafSignature } from '../ratchet-tree/leaf-validation.js';
import { PublicTree } from '../ratchet-tree/tree.js';
import { signedGroupTree } from './group-info.js';
import { SecretTree } from '../secret-tree/secret-tree.js';
import { commonAncestor, leafToNode, type LeafIndex } from '../tree-math/index.js';
import { nextPathSecret, nodeKeyPair } from '../treekem/path-secrets.js';
import { PathKeys } from '../treekem/path-keys.js';
import { bytesEqual, toHex, wipe } from '../util/bytes.js';
import { credentialCodec } from '../credentials/credential.js';
import { makeConfig, type CredentialCheck, type GroupConfig } from '../group/config.js';
import { checkGroupContextExtensions, externalSendersOf, greaseRequirement, requiredCapabilitiesOf } from '../proposals/apply.js';
import { sealState, type GroupState } from '../group/state.js';

/** One of the joiner's own KeyPackages, with its private keys. */
export interface OwnKeyPackage {
  readonly keyPackage: KeyPackage;
  readonly privateKeys: { readonly initPrivateKey: Uint8Array; readonly encryptionPrivateKey: Uint8Array; readonly signaturePrivateKey: Uint8Array };
}

export interface JoinOptions {
  readonly welcome: Welcome;
  /** The joiner's unused KeyPackages; the Welcome must be for one of them (R-12.4.3.1-02). */
  readonly keyPackages: readonly OwnKeyPackage[];
  /** The ratchet tree, when the GroupInfo has no ratchet_tree extension (R-12.4.3.1-01). */
  readonly ratchetTree?: RatchetTree | Uint8Array;
  readonly psks?: PskLookup;
  readonly config?: Partial<GroupConfig>;
  /** R-12.4.3-03: is this group id already one of the client's groups? */
  readonly isKnownGroupId?: (groupId: Uint8Array) => boolean;
  /**
   * The group this Welcome resumes, for a reinitialized (§11.2) or branched (§11.3) group: its
   * resumption PSK is taken from it, and the new group is checked against it (R-11.2-01,
   * R-11.3-01/02, R-12.4.3.1-18/19).
   */
  readonly resumptionFrom?: GroupState;
  /**
   * Collect every leaf signature check (R-7.3-02, R-12.4.3.1-10) instead of verifying it inline:
   * the caller MUST then verify them all (`verifyDeferredLeafSignatures`) before using the state.
   * `MlsGroup.join` does this, across cores.
   */
  readonly deferLeafSignatures?: (check: DeferredLeafSignature) => void;
  /** Suite implementation (tests); default: the Node provider. */
  readonly cipherSuite?: (id: number) => CipherSuite;
}

export interface Joined {
  readonly state: GroupState;
  /** Which of `keyPackages` was used: its private keys must now be deleted. */
  readonly keyPackage: OwnKeyPackage;
  /** Every leaf credential, for the application's AS (R-5.3.1-02), before the group is used. */
  readonly credentialChecks: readonly CredentialCheck[];
  readonly groupInfo: GroupInfo;
}

function reject(code: `ERR_VALIDATION_${string}`, rule: string, message: string, field: string, cause?: unknown): never {
  throw new ValidationError(code, rule, message, cause === undefined ? { field } : { field, cause });
}

/** GroupInfo.extensions: no duplicates (R-13.4-02); known types only where allowed (D-07); unknown ones ignored (R-12.4.3-01). */
function checkGroupInfoExtensions(extensions: readonly Extension[]): void {
  const seen = new Set<number>();
  for (const e of extensions) {
    if (seen.has(e.extensionType)) reject('ERR_VALIDATION_EXTENSIONS', 'R-13.4-02', `GroupInfo extensions list type ${e.extensionType} twice`, 'GroupInfo.extensions');
    seen.add(e.extensionType);
    const t = e.extensionType;
    if (t === ExtensionType.applicationId || t === ExtensionType.requiredCapabilities || t === ExtensionType.externalSenders) {
      reject('ERR_VALIDATION_EXTENSIONS', 'D-07', `extension type ${t} is not allowed in a GroupInfo`, 'GroupInfo.extensions');
    }
  }
}

/**
 * R-12.4.3.1-15: the path secret is for the lowest common ancestor of our leaf and the signer's;
 * each non-blank node from there up to the root gets the next path secret (blank nodes were not on
 * the committer's filtered direct path), and every derived public key must match the tree.
 */
function joinerPathKeys(cs: CipherSuite, tree: PublicTree, myLeaf: LeafIndex, signer: LeafIndex, pathSecret: Uint8Array): PathKeys {
  const keys = PathKeys.empty();
  const lca = commonAncestor(leafToNode(myLeaf), leafToNode(signer));
  const dp = tree.directPath(myLeaf);
  let secret: Uint8Array = new Uint8Array(pathSecret);
  for (const x of dp.slice(dp.indexOf(lca))) {
    const node = tree.parentNode(x);
    if (node === undefined) continue;
    const kp = nodeKeyPair(cs, secret);
    if (!bytesEqual(kp.publicKey, node.encryptionKey)) {
      reject('ERR_VALIDATION_PATH_SECRET', 'R-12.4.3.1-15', `the key derived for node ${x} does not match the tree`, 'GroupSecrets.path_secret');
    }
    keys.set(x, kp);
    const next = nextPathSecret(cs, secret);
    wipe(secret);
    secret = next;
  }
  wipe(secret);
  return keys;
}

/** The credentials of every member of a tree, encoded (the default "same identity" of §11.2–§11.3). */
function credentialSet(tree: PublicTree): Set<string> {
  const out = new Set<string>();
  for (const [, leaf] of tree.leaves()) out.add(toHex(encode(credentialCodec, leaf.credential)));
  return out;
}

/**
 * §11.2 / §11.3 and R-12.4.3.1-18/19: the new group against the group it resumes. Members are
 * matched by credential (the application's notion of identity is its AS's; equal credentials are
 * the conservative default).
 */
function checkResumption(prior: GroupState, usage: number, pskEpoch: bigint, gc: GroupInfo['groupContext'], tree: PublicTree): void {
  if (usage === 2) {
    // R-11.2-01: the reinit PSK is for the epoch the ReInit Commit created — the old group's last.
    const ri = prior.reinit;
    if (ri === undefined || pskEpoch !== prior.context.epoch) {
      reject('ERR_VALIDATION_WELCOME', 'R-11.2-01', 'the resumed group did not end with a ReInit Commit at the PSK epoch', 'GroupSecrets.psks');
    }
    // R-12.4.3.1-18: the new group is the one the ReInit described.
    const same =
      bytesEqual(gc.groupId, ri.groupId) && gc.version === ri.version && gc.cipherSuite === ri.cipherSuite &&
      bytesEqual(encode(extensionsCodec, [...gc.extensions]), encode(extensionsCodec, [...ri.extensions]));
    if (!same) reject('ERR_VALIDATION_WELCOME', 'R-12.4.3.1-18', 'the new group does not match the ReInit proposal', 'GroupContext');
    // R-12.4.3.1-19: every member of the old group is a member of the new one.
    const now = credentialSet(tree);
    for (const c of credentialSet(prior.tree)) {
      if (!now.has(c)) reject('ERR_VALIDATION_WELCOME', 'R-12.4.3.1-19', 'a member of the reinitialized group is missing from the new group', 'ratchet_tree');
    }
  } else {
    // R-11.3-01: a branch keeps the version and the cipher suite.
    if (gc.version !== prior.context.version || gc.cipherSuite !== prior.context.cipherSuite) {
      reject('ERR_VALIDATION_WELCOME', 'R-11.3-01', 'a branch must keep the version and cipher suite of the old group', 'GroupContext');
    }
    // R-11.3-02: every member of the branch was a member of the old group.
    const before = credentialSet(prior.tree);
    for (const c of credentialSet(tree)) {
      if (!before.has(c)) reject('ERR_VALIDATION_WELCOME', 'R-11.3-02', 'a member of the branch is not a member of the old group', 'ratchet_tree');
    }
  }
}

/** §12.4.3.1: validates a Welcome and builds the joiner's group state. */
export function joinFromWelcome(options: JoinOptions): Joined {
  const { welcome } = options;
  const config = makeConfig(options.config);
  let cs: CipherSuite;
  try {
    cs = (options.cipherSuite ?? nodeCipherSuite)(welcome.cipherSuite);
  } catch (cause) {
    reject('ERR_VALIDATION_CIPHER_SUITE', 'R-12.4.3.1-03', `the Welcome's cipher suite ${welcome.cipherSuite} is not supported`, 'Welcome.cipher_suite', cause);
  }

  // R-12.4.3.1-02 / -03: one of our KeyPackages, for this suite.
  let own: OwnKeyPackage | undefined;
  let entry: Welcome['secrets'][number] | undefined;
  for (const kp of options.keyPackages) {
    const ref = makeKeyPackageRef(cs, encode(keyPackageCodec, kp.keyPackage));
    const e = welcome.secrets.find((s) => bytesEqual(s.newMember, ref));
    if (e !== undefined) {
      own = kp;
      entry = e;
      break;
    }
  }
  if (own === undefined || entry === undefined) reject('ERR_VALIDATION_WELCOME', 'R-12.4.3.1-02', 'the Welcome is for none of our KeyPackages', 'Welcome.secrets');
  if (own.keyPackage.cipherSuite !== welcome.cipherSuite) {
    reject('ERR_VALIDATION_WELCOME', 'R-12.4.3.1-03', "the KeyPackage's cipher suite differs from the Welcome's", 'Welcome.cipher_suite');
  }

  // R-12.4.3.1-04: open and decode the GroupSecrets.
  let groupSecrets: GroupSecrets;
  try {
    const plain = decryptWithLabel(cs, own.privateKeys.initPrivateKey, 'Welcome', welcome.encryptedGroupInfo, entry.encryptedGroupSecrets.kemOutput, entry.encryptedGroupSecrets.ciphertext);
    groupSecrets = decode(groupSecretsCodec, plain);
  } catch (cause) {
    reject('ERR_VALIDATION_WELCOME', 'R-12.4.3.1-04', 'the GroupSecrets do not decrypt or decode', 'EncryptedGroupSecrets', cause);
  }

  // R-12.4.3.1-05 / -06, R-8.4-02: the PSKs.
  let special = 0;
  for (const id of groupSecrets.psks) {
    if (!hasValidPskNonce(cs, id)) reject('ERR_VALIDATION_PSK', 'R-8.4-02', `psk_nonce must be ${cs.Nh} bytes`, 'GroupSecrets.psks');
    if (id.pskType === PskType.resumption && id.usage !== 1) special++;
  }
  if (special > 1) reject('ERR_VALIDATION_PSK', 'R-12.4.3.1-06', 'more than one reinit/branch resumption PSK', 'GroupSecrets.psks');
  const prior = options.resumptionFrom;
  const specialId = groupSecrets.psks.find((id) => id.pskType === PskType.resumption && id.usage !== 1);
  const priorPsks = prior !== undefined ? { groupId: prior.context.groupId, psks: prior.resumptionPsks } : undefined;
  const pskSecret = computePskSecret(cs, resolvePsks(groupSecrets.psks, options.psks, priorPsks, 'R-12.4.3.1-05'));

  // R-12.4.3.1-07: open and decode the GroupInfo.
  const welcomeSecret = joinerWelcomeSecret(cs, groupSecrets.joinerSecret, pskSecret);
  const wkn = welcomeKeyAndNonce(cs, welcomeSecret);
  wipe(welcomeSecret);
  let groupInfo: GroupInfo;
  try {
    groupInfo = decode(groupInfoCodec, cs.open(wkn.key, wkn.nonce, new Uint8Array(0), welcome.encryptedGroupInfo));
  } catch (cause) {
    // D-01 (unsupported version) surfaces here as a decode error with its own rule.
    if (cause instanceof MlsError && cause.kind === 'decode' && cause.rule !== undefined) throw cause;
    reject('ERR_VALIDATION_WELCOME', 'R-12.4.3.1-07', 'the GroupInfo does not decrypt or decode', 'Welcome.encrypted_group_info', cause);
  }
  const gc = groupInfo.groupContext;
  if (gc.cipherSuite !== own.keyPackage.cipherSuite) reject('ERR_VALIDATION_WELCOME', 'R-12.4.3.1-08', "the GroupInfo's cipher suite differs from the KeyPackage's", 'GroupContext.cipher_suite');
  checkGroupContextExtensions(gc.extensions, 'R-12.4.3-02');
  checkGroupInfoExtensions(groupInfo.extensions);
  if (options.isKnownGroupId?.(gc.groupId) === true) reject('ERR_VALIDATION_WELCOME', 'R-12.4.3-03', 'this client is already in a group with this group id', 'GroupContext.group_id');

  // The tree (R-12.4.3.1-01) and the GroupInfo signature by its signer (R-12.4.3-04).
  const tree = signedGroupTree(cs, groupInfo, options.ratchetTree, config.maxLeaves);
  const signer = groupInfo.signer;

  // R-12.4.3.1-09…13, R-7.9.2-01: the whole tree.
  const rc = requiredCapabilitiesOf(gc.extensions);
  // R-13.5-03: our own capabilities exclude GREASE, so our leaf cannot meet a GREASE requirement (R-7.3-03).
  const grease = greaseRequirement(rc);
  if (grease !== undefined) reject('ERR_VALIDATION_CAPABILITIES', 'R-7.3-03', `required type ${grease} is a GREASE value, which this client does not support (R-13.5-03)`, 'GroupContext.extensions');
  validateRatchetTree(
    tree,
    { groupId: gc.groupId, treeHash: gc.treeHash, version: gc.version, ...(rc !== undefined ? { requiredCapabilities: rc } : {}) },
    {
      checkLifetime: config.checkLifetimes,
      now: config.now(),
      maxLifetime: config.maxLifetimeSeconds,
      allowDefaultTypesInCapabilities: !config.strictDefaultCapabilities,
      ...(options.deferLeafSignatures !== undefined ? { deferSignature: options.deferLeafSignatures } : {}),
    },
  );
  const credentialChecks: CredentialCheck[] = [];
  for (const [l, leaf] of tree.leaves()) credentialChecks.push({ credential: leaf.credential, signatureKey: leaf.signatureKey, reason: 'tree-on-join', leafIndex: l });
  // R-5.1.1-01 and A-17: the external senders the group already lists are valid keys, and the AS sees them.
  for (const es of externalSendersOf(gc.extensions) ?? []) {
    if (!cs.signatureScheme.isValidPublicKey(es.signatureKey)) reject('ERR_VALIDATION_PUBLIC_KEY', 'R-5.1.1-01', 'an external sender key is not a key of the suite', 'ExternalSender.signature_key');
    credentialChecks.push({ credential: es.credential, signatureKey: es.signatureKey, reason: 'external-sender' });
  }

  // R-12.4.3.1-14: our own leaf.
  const myLeaf = tree.findLeaf(own.keyPackage.leafNode);
  if (myLeaf === undefined) reject('ERR_VALIDATION_WELCOME', 'R-12.4.3.1-14', 'the tree has no leaf equal to our KeyPackage leaf', 'ratchet_tree');

  // R-12.4.3.1-15: private keys of the path above the common ancestor with the signer.
  const keys =
    groupSecrets.pathSecret !== undefined
      ? joinerPathKeys(cs, tree, myLeaf, signer as LeafIndex, groupSecrets.pathSecret.pathSecret)
      : PathKeys.empty();
  keys.set(leafToNode(myLeaf), { publicKey: own.keyPackage.leafNode.encryptionKey, privateKey: own.privateKeys.encryptionPrivateKey });

  // The key schedule and R-12.4.3.1-16.
  const contextBytes = encodeGroupContext(gc);
  const epoch = joinerEpochKeys(cs, groupSecrets.joinerSecret, pskSecret, contextBytes);
  wipe(groupSecrets.joinerSecret);
  if (!verifyConfirmationTag(cs, epoch.secrets.confirmationKey, gc.confirmedTranscriptHash, groupInfo.confirmationTag)) {
    reject('ERR_VALIDATION_CONFIRMATION_TAG', 'R-12.4.3.1-16', 'the GroupInfo confirmation tag does not verify', 'GroupInfo.confirmation_tag');
  }
  // R-12.4.3.1-17: a reinit or branch PSK means a new group: its first epoch.
  if (special > 0 && gc.epoch !== 1n) reject('ERR_VALIDATION_WELCOME', 'R-12.4.3.1-17', 'a reinit/branch Welcome must start the group at epoch 1', 'GroupContext.epoch');
  if (specialId !== undefined && specialId.pskType === PskType.resumption) {
    if (prior === undefined || !bytesEqual(prior.context.groupId, specialId.pskGroupId)) {
      reject('ERR_VALIDATION_PSK', 'R-12.4.3.1-05', 'the Welcome resumes a group this client was not given (resumptionFrom)', 'GroupSecrets.psks');
    }
    checkResumption(prior, specialId.usage, specialId.pskEpoch, gc, tree);
  } else if (prior !== undefined) {
    // R-11.2-01: a Welcome offered as the reinitialization of `prior` must carry its reinit PSK.
    reject('ERR_VALIDATION_PSK', 'R-11.2-01', 'the Welcome carries no reinit or branch PSK for the resumed group', 'GroupSecrets.psks');
  }

  const secretTree = SecretTree.create(cs, epoch.encryptionSecret, tree.leafCount, config.ratchetWindow);
  wipe(epoch.encryptionSecret);
  const state = sealState({
    cs,
    config,
    context: { ...gc, extensions: [...gc.extensions] },
    contextBytes,
    tree,
    myLeaf,
    signaturePrivateKey: own.privateKeys.signaturePrivateKey,
    privateKeys: keys,
    secrets: epoch.secrets,
    secretTree,
    interimTranscriptHash: interimTranscriptHash(cs, gc.confirmedTranscriptHash, groupInfo.confirmationTag),
    confirmationTag: new Uint8Array(groupInfo.confirmationTag),
    proposals: new Map(),
    pendingUpdates: new Map(),
    resumptionPsks: new Map([[gc.epoch, epoch.secrets.resumptionPsk]]),
    past: [],
  });
  return { state, keyPackage: own, credentialChecks, groupInfo };
}
