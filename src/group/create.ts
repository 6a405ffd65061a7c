/**
 * RFC 9420 §11: creating a one-member group. The creator's leaf comes from a fresh KeyPackage of
 * its own (the init key is discarded at once); epoch 0 starts from a random epoch_secret; the
 * interim transcript hash follows from the confirmation tag over the empty confirmed hash.
 */
import type { CipherSuite } from '../crypto/cipher-suite.js';
import type { Extension } from '../extensions/extension.js';
import { encodeGroupContext, type GroupContext } from '../key-schedule/group-context.js';
import { confirmationTag, initialEpochKeys } from '../key-schedule/key-schedule.js';
import { INITIAL_CONFIRMED_TRANSCRIPT_HASH, interimTranscriptHash } from '../key-schedule/transcript-hash.js';
import { createKeyPackage } from '../key-package/create.js';
import type { Capabilities, Lifetime } from '../ratchet-tree/node.js';
import { validateLeafNode } from '../ratchet-tree/leaf-validation.js';
import { treeHash } from '../ratchet-tree/tree-hash.js';
import { PublicTree } from '../ratchet-tree/tree.js';
import { SecretTree } from '../secret-tree/secret-tree.js';
import { PathKeys } from '../treekem/path-keys.js';
import { leafIndex, leafToNode } from '../tree-math/index.js';
import { wipe } from '../util/bytes.js';
import { checkGroupContextExtensions, requiredCapabilitiesOf } from '../proposals/apply.js';
import { makeConfig, type GroupConfig } from './config.js';
import type { Identity } from './identity.js';
import { sealState, type GroupState } from './state.js';

export interface CreateGroupOptions {
  readonly cipherSuite: CipherSuite;
  readonly identity: Identity;
  /** Default: Nh random bytes (§11 SHOULD: unique with overwhelming probability). */
  readonly groupId?: Uint8Array;
  /** GroupContext extensions, e.g. required_capabilities or external_senders. */
  readonly extensions?: readonly Extension[];
  readonly config?: Partial<GroupConfig>;
  /** The creator's leaf capabilities and lifetime (defaults: see createKeyPackage). */
  readonly capabilities?: Capabilities;
  readonly lifetime?: Lifetime;
  readonly leafExtensions?: readonly Extension[];
}

export function createGroupState(options: CreateGroupOptions): GroupState {
  const cs = options.cipherSuite;
  const config = makeConfig(options.config);
  const extensions = options.extensions ?? [];
  checkGroupContextExtensions(extensions, 'R-13.4-04');
  const kp = createKeyPackage({
    cipherSuite: cs,
    credential: options.identity.credential,
    signaturePrivateKey: options.identity.signaturePrivateKey,
    signaturePublicKey: options.identity.signaturePublicKey,
    now: config.now(),
    ...(options.capabilities !== undefined ? { capabilities: options.capabilities } : {}),
    ...(options.lifetime !== undefined ? { lifetime: options.lifetime } : {}),
    ...(options.leafExtensions !== undefined ? { leafNodeExtensions: options.leafExtensions } : {}),
  });
  wipe(kp.privateKeys.initPrivateKey);
  const leaf = kp.keyPackage.leafNode;
  // The creator must itself meet the group's requirements (R-7.3-03).
  const rc = requiredCapabilitiesOf(extensions);
  validateLeafNode(cs, leaf, { context: 'keyPackage', ...(rc !== undefined ? { requiredCapabilities: rc } : {}) }, { checkLifetime: false, sending: true });

  const tree = PublicTree.create(cs, leaf);
  const context: GroupContext = {
    version: 1,
    cipherSuite: cs.id,
    groupId: options.groupId ?? cs.random(cs.Nh),
    epoch: 0n,
    treeHash: treeHash(tree),
    confirmedTranscriptHash: INITIAL_CONFIRMED_TRANSCRIPT_HASH,
    extensions: [...extensions],
  };
  const keys = initialEpochKeys(cs);
  const secretTree = SecretTree.create(cs, keys.encryptionSecret, 1, config.ratchetWindow);
  wipe(keys.encryptionSecret);
  const tag = confirmationTag(cs, keys.secrets.confirmationKey, context.confirmedTranscriptHash);
  const me = leafIndex(0);
  return sealState({
    cs,
    config,
    context,
    contextBytes: encodeGroupContext(context),
    tree,
    myLeaf: me,
    signaturePrivateKey: options.identity.signaturePrivateKey,
    privateKeys: PathKeys.of([[leafToNode(me), { publicKey: leaf.encryptionKey, privateKey: kp.privateKeys.encryptionPrivateKey }]]),
    secrets: keys.secrets,
    secretTree,
    interimTranscriptHash: interimTranscriptHash(cs, context.confirmedTranscriptHash, tag),
    confirmationTag: tag,
    proposals: new Map(),
    pendingUpdates: new Map(),
    resumptionPsks: new Map([[0n, keys.secrets.resumptionPsk]]),
    past: [],
  });
}
