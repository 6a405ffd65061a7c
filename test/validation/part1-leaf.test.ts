/**
 * Part 1 of the validation checklist, LeafNodes and credentials: RFC 9420 §5.1–§5.3.1 (keys,
 * signatures, credentials and the Authentication Service hook), §7.1 (unmerged_leaves), §7.2 and
 * §7.3 (LeafNode contents and validation) and D-06. LeafNodes arrive the way a receiver meets them:
 * in an Update proposal re-signed by the member it belongs to, in the KeyPackage of an Add, in the
 * path of a Commit re-signed by its committer, or in the ratchet tree of a Welcome.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '../../src/codec/codec.js';
import { signWithLabel } from '../../src/crypto/labels.js';
import { CredentialType, type Credential } from '../../src/credentials/credential.js';
import { ExtensionType, externalSendersCodec, requiredCapabilitiesCodec } from '../../src/extensions/extension.js';
import type { CredentialCheck } from '../../src/group/config.js';
import { MlsGroup } from '../../src/group/group.js';
import { basicCredential } from '../../src/group/identity.js';
import { sendProposal } from '../../src/group/messages.js';
import { processMessage } from '../../src/group/receive.js';
import { createCommit } from '../../src/commit/create.js';
import { leafNodeTbs, LeafNodeSource, NodeType, ratchetTreeCodec, type Capabilities, type LeafNode, type Node } from '../../src/ratchet-tree/node.js';
import { validateLeafNode } from '../../src/ratchet-tree/leaf-validation.js';
import { ProposalType } from '../../src/messages/proposal.js';
import type { FramedContent } from '../../src/framing/content.js';
import type { Commit } from '../../src/messages/commit.js';
import type { LeafIndex } from '../../src/tree-math/index.js';
import { fromHex, utf8 } from '../../src/util/bytes.js';
import {
  addMsg, buildGroup, capsWith, commitAll, commitMsg, copyOwn, craftCommit, craftedKp, cs, decodePublic, keyPackageFor, newIdentity, proposalMsg, rejectsRule,
  resignPathLeaf, st, updateLeaf, updateMsg, withConfig, type M,
} from './part1-support.test.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const nameOf = (c: Credential) => (c.credentialType === CredentialType.basic ? text(c.identity) : '');
const x509 = (certificates: { certData: Uint8Array }[]): Credential => ({ credentialType: CredentialType.x509, certificates });
const GREASE = 0x0a0a;
const DAY = 86400n;
const nowSeconds = () => BigInt(Math.floor(Date.now() / 1000));
const plainCaps = (credentials: number[], extensions: number[] = []): Capabilities => ({ versions: [1], cipherSuites: [1], extensions, proposals: [], credentials });
const externalSendersExt = (...names: [string, Uint8Array][]) => ({
  extensionType: ExtensionType.externalSenders,
  extensionData: encode(externalSendersCodec, names.map(([n, key]) => ({ signatureKey: key, credential: basicCredential(n) }))),
});

let members: M[];
let a: M;
let b: M;
let c: M;

before(async () => {
  members = await buildGroup(3);
  [a, b, c] = members as [M, M, M];
});

// ------------------------------------------------------------------------------------------------
describe('§5.1: public keys and signatures', () => {
  test('control: a crafted Update (fresh key, re-signed) is accepted', async () => {
    const r = await b.group.process(updateMsg(st(c)));
    assert.equal(r.kind, 'proposal');
  });

  test('R-5.1.1-01: an Update whose encryption_key is not an HPKE public key of the suite is rejected', async () => {
    await rejectsRule(b.group.process(updateMsg(st(c), (l) => ({ ...l, encryptionKey: new Uint8Array(31).fill(3) }))), 'R-5.1.1-01', 'validation', 'ERR_VALIDATION_PUBLIC_KEY');
  });

  test('R-5.1.1-01: a Commit whose UpdatePath parent encryption_key is not a valid key is rejected', async () => {
    const bytes = craftCommit(st(a), { updatePath: true, includePending: false }, (cm) => ({
      ...cm,
      path: { ...cm.path!, nodes: cm.path!.nodes.map((n, i) => (i === 0 ? { ...n, encryptionKey: new Uint8Array(31).fill(4) } : n)) },
    }));
    await rejectsRule(b.group.process(bytes), 'R-5.1.1-01', 'validation', 'ERR_VALIDATION_PUBLIC_KEY');
  });

  test('R-5.1.1-01: a GroupContextExtensions whose external_senders signature_key is not a key of the suite is rejected', async () => {
    const gce = { proposalType: ProposalType.groupContextExtensions, groupContextExtensions: { extensions: [externalSendersExt(['ds', new Uint8Array(31).fill(6)])] } } as const;
    await rejectsRule(b.group.process(commitMsg(st(a), [gce])), 'R-5.1.1-01', 'validation', 'ERR_VALIDATION_PUBLIC_KEY');
    await rejectsRule(a.group.commit({ groupContextExtensions: gce.groupContextExtensions.extensions }), 'R-5.1.1-01'); // the committer refuses it too
  });

  test("R-5.1.2-01: an Update whose signature_key is not a key of the suite's signature scheme is rejected", async () => {
    await rejectsRule(b.group.process(updateMsg(st(c), (l) => ({ ...l, signatureKey: new Uint8Array(31).fill(5) }))), 'R-5.1.2-01', 'validation', 'ERR_VALIDATION_PUBLIC_KEY');
  });

  test('R-5.1.2-02: a LeafNode signed under another label ("KeyPackageTBS") is rejected', async () => {
    const state = st(c);
    const leaf = updateLeaf(state);
    const wrong = { ...leaf, signature: signWithLabel(cs, state.signaturePrivateKey, 'KeyPackageTBS', leafNodeTbs(leaf, state.context.groupId, state.myLeaf)) };
    await rejectsRule(b.group.process(proposalMsg(state, { proposalType: ProposalType.update, update: { leafNode: wrong } })), 'R-7.3-02');
  });
});

// ------------------------------------------------------------------------------------------------
describe('§5.3: credentials', () => {
  test('R-5.3-01: an X.509 credential without certificates is rejected', async () => {
    const msg = updateMsg(st(c), (l) => ({ ...l, credential: x509([]), capabilities: capsWith(st(c), { credentials: [1, 2] }) }));
    await rejectsRule(b.group.process(msg), 'R-5.3-01', 'validation', 'ERR_VALIDATION_CREDENTIAL');
  });
});

describe('§5.3.1: the Authentication Service', () => {
  const rejecting = (pred: (c: CredentialCheck) => boolean) => ({ validateCredential: (check: CredentialCheck) => !pred(check) });

  test('R-5.3.1-01: the client refuses to propose or commit an Add whose credential its AS rejects', async () => {
    const g = await buildGroup(2, { config: () => rejecting((k) => nameOf(k.credential) === 'rejected') });
    const [ga] = g as [M];
    const kp = keyPackageFor(newIdentity('rejected')).keyPackage;
    await rejectsRule(ga.group.commit({ add: [kp] }), 'R-5.3.1-01', 'validation', 'ERR_VALIDATION_CREDENTIAL');
    await rejectsRule(ga.group.proposeAdd(kp), 'R-5.3.1-01');
    assert.equal(ga.group.hasPendingCommit, false);
    assert.equal(st(ga).proposals.size, 0);
    // control: another client is fine
    await ga.group.proposeAdd(keyPackageFor(newIdentity('accepted')).keyPackage);
  });

  test('R-5.3.1-02: a joiner whose AS rejects a credential of the tree does not join', async () => {
    const g = await buildGroup(2);
    const joiner = newIdentity('joiner');
    const kp = keyPackageFor(joiner);
    const { welcome } = await g[0]!.group.commit({ add: [kp.keyPackage] });
    const config = rejecting((k) => k.reason === 'tree-on-join' && nameOf(k.credential) === 'member-1');
    await rejectsRule(MlsGroup.join({ welcome: welcome!, keyPackages: [kp], config }), 'R-5.3.1-02', 'validation', 'ERR_VALIDATION_CREDENTIAL');
  });

  test('R-5.3.1-03: a received Add (by reference or inline) whose credential the AS rejects is rejected', async () => {
    const g = await buildGroup(2, { config: (i) => (i === 0 ? {} : rejecting((k) => k.reason === 'add' && nameOf(k.credential) === 'rejected')) });
    const [ga, gb] = g as [M, M];
    const kp = keyPackageFor(newIdentity('rejected')).keyPackage;
    await rejectsRule(gb.group.process(await ga.group.proposeAdd(kp)), 'R-5.3.1-03', 'validation', 'ERR_VALIDATION_CREDENTIAL');
    const out = await ga.group.commit({ add: [kp], includePending: false });
    await rejectsRule(gb.group.process(out.commit), 'R-5.3.1-03');
  });

  test("R-5.3.1-04: an Update's credential the AS rejects is rejected (validateLeafNode hook, update context)", async () => {
    const state = st(c);
    const leaf = updateLeaf(state, (l) => ({ ...l, credential: basicCredential('member-2 renamed') }));
    const ctx = { context: 'update', groupId: state.context.groupId, leafIndex: state.myLeaf, tree: state.tree } as const;
    validateLeafNode(cs, leaf, ctx, { validateCredential: () => true });
    await rejectsRule(() => validateLeafNode(cs, leaf, ctx, { validateCredential: () => false }), 'R-5.3.1-04', 'validation', 'ERR_VALIDATION_CREDENTIAL');
  });

  test("R-5.3.1-05: a Commit path LeafNode's credential the AS rejects is rejected (validateLeafNode hook, commit context)", async () => {
    const state = st(a);
    const created = createCommit(state, { updatePath: true, includePending: false });
    const leaf = (decodePublic(created.commit).content as FramedContent & { commit: Commit }).commit.path!.leafNode;
    const ctx = { context: 'commit', groupId: state.context.groupId, leafIndex: state.myLeaf, tree: state.tree } as const;
    validateLeafNode(cs, leaf, ctx, { validateCredential: () => true });
    await rejectsRule(() => validateLeafNode(cs, leaf, ctx, { validateCredential: () => false }), 'R-5.3.1-05', 'validation', 'ERR_VALIDATION_CREDENTIAL');
  });

  test('R-5.3.1-06: a GroupContextExtensions that adds external_senders with a credential the AS rejects is rejected', async () => {
    const g = await buildGroup(2, { config: (i) => (i === 0 ? {} : rejecting((k) => k.reason === 'external-sender' && nameOf(k.credential) === 'ds-rejected')) });
    const [ga, gb] = g as [M, M];
    const key = cs.signatureScheme.generateKeyPair().publicKey;
    const out = await ga.group.commit({ groupContextExtensions: [externalSendersExt(['ds-rejected', key])] });
    await rejectsRule(gb.group.process(out.commit), 'R-5.3.1-06', 'validation', 'ERR_VALIDATION_CREDENTIAL');
  });

  test('R-5.3.1-07: a GroupContextExtensions that changes external_senders sends only the new or changed senders to the AS', async () => {
    const k1 = cs.signatureScheme.generateKeyPair().publicKey;
    const k2 = cs.signatureScheme.generateKeyPair().publicKey;
    const seen: string[] = [];
    // The AS starts rejecting "…rejected" names only once the group is built (a joiner also shows it
    // the external senders already listed, A-17: that check is tested below).
    let armed = false;
    const g = await buildGroup(2, {
      extensions: [externalSendersExt(['ds-old-rejected', k1])],
      config: (i) => (i === 0 ? {} : { validateCredential: (k: CredentialCheck) => (k.reason.startsWith('external-sender') && seen.push(nameOf(k.credential)), !(armed && nameOf(k.credential).includes('rejected'))) }),
    });
    armed = true;
    assert.deepEqual(seen, ['ds-old-rejected'], 'A-17: the joiner showed the listed external sender to its AS');
    const [ga, gb] = g as [M, M];
    // Adding a sender whose credential is rejected: R-5.3.1-07 (the extension existed).
    const bad = await ga.group.commit({ groupContextExtensions: [externalSendersExt(['ds-old-rejected', k1], ['ds-new-rejected', k2])] });
    await rejectsRule(gb.group.process(bad.commit), 'R-5.3.1-07', 'validation', 'ERR_VALIDATION_CREDENTIAL');
    await ga.group.discardCommit();
    // The same key with a changed credential is checked too.
    const changed = await ga.group.commit({ groupContextExtensions: [externalSendersExt(['ds-changed-rejected', k1])] });
    await rejectsRule(gb.group.process(changed.commit), 'R-5.3.1-07');
    await ga.group.discardCommit();
    // Unchanged senders are not re-validated: the old (rejected-looking) one passes, the new one is checked.
    seen.length = 0;
    const ok = await ga.group.commit({ groupContextExtensions: [externalSendersExt(['ds-old-rejected', k1], ['ds-new-ok', k2])] });
    const r = await gb.group.process(ok.commit);
    assert.equal(r.kind, 'commit');
    assert.deepEqual(seen, ['ds-new-ok']);
  });

  test('R-5.3.1-08: an Update with a new credential the AS does not accept as a successor is rejected', async () => {
    const g = await buildGroup(3, { config: (i) => (i === 0 ? {} : rejecting((k) => k.previous !== undefined && nameOf(k.credential) === 'renamed')) });
    const [, gb, gc] = g as [M, M, M];
    const msg = await gc.group.proposeUpdate({ credential: basicCredential('renamed') });
    await rejectsRule(gb.group.process(msg), 'R-5.3.1-08', 'validation', 'ERR_VALIDATION_CREDENTIAL');
  });
});

// ------------------------------------------------------------------------------------------------
describe('§7.1: ParentNode.unmerged_leaves; D-06: node positions (on join)', () => {
  let welcome: Uint8Array;
  let nodes: (Node | undefined)[];
  let kp: ReturnType<typeof keyPackageFor>;

  before(async () => {
    // A tree whose root lists two unmerged leaves: a gives everyone the root key, c removes b and d
    // (c's path resets the root only), then a adds e and f, who land under the root.
    const g = await buildGroup(4, { withPath: true });
    await commitAll(g, g[2]!, { remove: [1, 3] });
    kp = keyPackageFor(newIdentity('e'));
    const out = await g[0]!.group.commit({ add: [kp.keyPackage, keyPackageFor(newIdentity('f')).keyPackage], ratchetTreeExtension: false });
    welcome = out.welcome!;
    nodes = [...decode(ratchetTreeCodec, out.ratchetTree)];
    const root = nodes[3];
    assert.ok(root?.nodeType === NodeType.parent);
    assert.deepEqual(root.parentNode.unmergedLeaves, [1, 3]);
  });

  test('control: the genuine tree, handed out of band, joins', async () => {
    const g = await MlsGroup.join({ welcome, keyPackages: [copyOwn(kp)], ratchetTree: nodes });
    assert.equal(g.members().length, 4);
  });

  test('R-7.1-01: unmerged_leaves that is not in strictly increasing order is rejected on join', async () => {
    const root = nodes[3] as Extract<Node, { nodeType: typeof NodeType.parent }>;
    for (const unmergedLeaves of [[3, 1], [1, 1, 3]]) {
      const tree = nodes.slice();
      tree[3] = { nodeType: NodeType.parent, parentNode: { ...root.parentNode, unmergedLeaves } };
      await rejectsRule(MlsGroup.join({ welcome, keyPackages: [copyOwn(kp)], ratchetTree: tree }), 'R-7.1-01', 'validation', 'ERR_VALIDATION_RATCHET_TREE');
    }
  });

  test('D-06: a parent node at a leaf position (or a leaf at a parent position) is rejected on join', async () => {
    const swapped = nodes.slice();
    [swapped[0], swapped[1]] = [nodes[1], nodes[0]];
    await rejectsRule(MlsGroup.join({ welcome, keyPackages: [copyOwn(kp)], ratchetTree: swapped }), 'D-06', 'validation', 'ERR_VALIDATION_RATCHET_TREE');
  });
});

// ------------------------------------------------------------------------------------------------
describe('§7.2: LeafNode contents', () => {
  // the group policy `strictDefaultCapabilities` decides; the default accepts (see docs/validation.md).
  const strict = (m: ReturnType<typeof st>) => ({ ...m, config: { ...m.config, strictDefaultCapabilities: true } });

  test('R-7.2-01: an Update whose capabilities list a default proposal or extension type is rejected (strict policy)', async () => {
    await rejectsRule(() => processMessage(strict(st(b)), updateMsg(st(c), (l) => ({ ...l, capabilities: capsWith(st(c), { proposals: [ProposalType.add] }) }))), 'R-7.2-01', 'validation', 'ERR_VALIDATION_CAPABILITIES');
    await rejectsRule(() => processMessage(strict(st(b)), updateMsg(st(c), (l) => ({ ...l, capabilities: capsWith(st(c), { extensions: [ExtensionType.ratchetTree] }) }))), 'R-7.2-01');
    // The default (lenient) policy accepts such a leaf.
    const ok = processMessage(st(b), updateMsg(st(c), (l) => ({ ...l, capabilities: capsWith(st(c), { proposals: [ProposalType.add] }) })));
    assert.equal(ok.kind, 'proposal');
  });

  test('R-7.2-01: a Commit that adds a KeyPackage whose capabilities list a default type is rejected (strict policy)', async () => {
    const { keyPackage } = craftedKp({ leaf: (l) => ({ ...l, capabilities: { ...l.capabilities, proposals: [ProposalType.remove] } }) });
    const add = { proposalType: ProposalType.add, add: { keyPackage } } as const;
    // The receiving side (a Commit carrying it inline) and the sending side (createCommit) both refuse it.
    await rejectsRule(() => processMessage(strict(st(b)), commitMsg(st(a), [add])), 'R-7.2-01', 'validation', 'ERR_VALIDATION_CAPABILITIES');
    await rejectsRule(() => createCommit(strict(st(a)), { proposals: [add], includePending: false }), 'R-7.2-01');
  });

  test("R-7.2-02: an Update whose capabilities omit the group's version or cipher suite is rejected", async () => {
    await rejectsRule(b.group.process(updateMsg(st(c), (l) => ({ ...l, capabilities: capsWith(st(c), { versions: [GREASE] }) }))), 'R-7.2-02', 'validation', 'ERR_VALIDATION_CAPABILITIES');
    await rejectsRule(b.group.process(updateMsg(st(c), (l) => ({ ...l, capabilities: capsWith(st(c), { cipherSuites: [2, 3] }) }))), 'R-7.2-02');
  });

  test('R-7.2-03: an Update carrying a non-default extension not listed in capabilities is rejected', async () => {
    const msg = updateMsg(st(c), (l) => ({ ...l, extensions: [{ extensionType: 0xff01, extensionData: utf8('x') }] }));
    await rejectsRule(b.group.process(msg), 'R-7.2-03', 'validation', 'ERR_VALIDATION_CAPABILITIES');
    // Listed, it is accepted (R-13.4-01: the unknown extension itself is ignored).
    const listed = updateMsg(st(c), (l) => ({ ...l, extensions: [{ extensionType: 0xff01, extensionData: utf8('x') }], capabilities: capsWith(st(c), { extensions: [0xff01] }) }));
    assert.equal((await b.group.process(listed)).kind, 'proposal');
  });

  test("R-7.2-04: an Update whose capabilities.credentials omit its own credential type is rejected", async () => {
    await rejectsRule(b.group.process(updateMsg(st(c), (l) => ({ ...l, capabilities: capsWith(st(c), { credentials: [CredentialType.x509] }) }))), 'R-7.2-04', 'validation', 'ERR_VALIDATION_CAPABILITIES');
  });

  test('R-7.2-05: unknown and GREASE values in every capabilities list are ignored (Update and KeyPackage)', async () => {
    const caps: Capabilities = { versions: [1, 0x0005, GREASE], cipherSuites: [1, 0x1a1a, 0xf00d], extensions: [0x2a2a, 0xff02], proposals: [0x3a3a, 0xff03], credentials: [1, 0x4a4a, 0xff04] };
    assert.equal((await b.group.process(updateMsg(st(c), (l) => ({ ...l, capabilities: caps })))).kind, 'proposal');
    const { keyPackage } = craftedKp({ leaf: (l) => ({ ...l, capabilities: caps }) });
    assert.equal((await b.group.process(addMsg(st(a), keyPackage))).kind, 'proposal');
  });

  test('R-7.2-06: a KeyPackage whose lifetime span exceeds the configured maximum is rejected', async () => {
    const now = nowSeconds();
    const lifetime = { notBefore: now - 60n, notAfter: now + 29n * DAY };
    // Every member's own leaf must meet the maximum too (b checks the whole tree when it joins).
    const g = await buildGroup(2, { config: (i) => (i === 1 ? { maxLifetimeSeconds: 30n * DAY } : {}), keyPackage: () => ({ lifetime }) });
    const [ga, gb] = g as [M, M];
    const kp = keyPackageFor(newIdentity('long-lived')).keyPackage; // 90 days + 1 hour by default
    const msg = await ga.group.proposeAdd(kp);
    await rejectsRule(gb.group.process(msg), 'R-7.2-06', 'validation', 'ERR_VALIDATION_LIFETIME');
    // Within the maximum it is accepted.
    const short = keyPackageFor(newIdentity('short-lived'), { lifetime }).keyPackage;
    assert.equal((await gb.group.process(await ga.group.proposeAdd(short))).kind, 'proposal');
    // A joiner with the maximum refuses a tree holding a longer-lived key_package leaf.
    const joiner = keyPackageFor(newIdentity('strict joiner'), { lifetime });
    const { welcome } = await ga.group.commit({ add: [joiner.keyPackage], includePending: false });
    await MlsGroup.join({ welcome: welcome!, keyPackages: [copyOwn(joiner)], config: { maxLifetimeSeconds: 30n * DAY } });
    await rejectsRule(MlsGroup.join({ welcome: welcome!, keyPackages: [copyOwn(joiner)], config: { maxLifetimeSeconds: 10n * DAY } }), 'R-7.2-06');
  });
});

// ------------------------------------------------------------------------------------------------
describe('§7.3: LeafNode validation', () => {
  test('R-7.3-01: a LeafNode whose credential the AS rejects is rejected (received Add: R-5.3.1-03)', async () => {
    const g = await buildGroup(2, { config: (i) => (i === 0 ? {} : { validateCredential: (k: CredentialCheck) => nameOf(k.credential) !== 'untrusted' }) });
    const kp = keyPackageFor(newIdentity('untrusted')).keyPackage;
    await rejectsRule(g[1]!.group.process(addMsg(st(g[0]!), kp)), 'R-5.3.1-03');
  });

  test('R-7.3-02: an Update LeafNode whose signature does not verify is rejected', async () => {
    const state = st(c);
    const leaf = updateLeaf(state);
    const bad = (l: LeafNode) => proposalMsg(state, { proposalType: ProposalType.update, update: { leafNode: l } });
    await rejectsRule(b.group.process(bad({ ...leaf, signature: leaf.signature.map((x, i) => (i === 0 ? x ^ 1 : x)) })), 'R-7.3-02', 'validation', 'ERR_VALIDATION_SIGNATURE');
    // Signed for another leaf index or another group: the TBS binds both.
    await rejectsRule(b.group.process(updateMsg(state, undefined, { leafIndex: 0 })), 'R-7.3-02');
    await rejectsRule(b.group.process(updateMsg(state, undefined, { groupId: utf8('another group') })), 'R-7.3-02');
  });

  test("R-7.3-03: a LeafNode that does not support the group's required_capabilities is rejected", async () => {
    const rc = { extensionType: ExtensionType.requiredCapabilities, extensionData: encode(requiredCapabilitiesCodec, { extensionTypes: [0xff05], proposalTypes: [], credentialTypes: [] }) };
    const g = await buildGroup(3, { extensions: [rc], keyPackage: () => ({ capabilities: plainCaps([1], [0xff05]) }) });
    const [ga, gb, gc] = g as [M, M, M];
    await rejectsRule(gb.group.process(updateMsg(st(gc), (l) => ({ ...l, capabilities: plainCaps([1]) }))), 'R-7.3-03', 'validation', 'ERR_VALIDATION_CAPABILITIES');
    const kp = keyPackageFor(newIdentity('lacks 0xff05'), { capabilities: plainCaps([1]) }).keyPackage;
    await rejectsRule(gb.group.process(addMsg(st(ga), kp)), 'R-7.3-03');
    const ok = keyPackageFor(newIdentity('has 0xff05'), { capabilities: plainCaps([1], [0xff05]) }).keyPackage;
    assert.equal((await gb.group.process(addMsg(st(ga), ok))).kind, 'proposal');
  });

  test('R-7.3-04: a LeafNode whose credential type some member does not support is rejected', async () => {
    const msg = updateMsg(st(c), (l) => ({ ...l, credential: x509([{ certData: fromHex('3082') }]), capabilities: capsWith(st(c), { credentials: [1, 2] }) }));
    await rejectsRule(b.group.process(msg), 'R-7.3-04', 'validation', 'ERR_VALIDATION_CAPABILITIES');
  });

  test('R-7.3-05: a LeafNode that does not support a credential type other members use is rejected', async () => {
    const g = await buildGroup(3, { keyPackage: () => ({ capabilities: plainCaps([1, 2]) }) });
    const [, gb, gc] = g as [M, M, M];
    const msg = updateMsg(st(gc), (l) => ({ ...l, credential: x509([{ certData: fromHex('3082') }]), capabilities: plainCaps([2]) }));
    await rejectsRule(gb.group.process(msg), 'R-7.3-05', 'validation', 'ERR_VALIDATION_CAPABILITIES');
    // Listing both types, the capability checks pass; the placeholder certificate then fails to parse (R-5.3-01).
    const both = updateMsg(st(gc), (l) => ({ ...l, credential: x509([{ certData: fromHex('3082') }]), capabilities: plainCaps([1, 2]) }));
    await rejectsRule(gb.group.process(both), 'R-5.3-01');
  });

  test('R-7.3-06: the client refuses to send an Add whose KeyPackage is outside its lifetime', async () => {
    const kp = keyPackageFor(newIdentity('expires')).keyPackage;
    const later = withConfig(st(a), { now: () => nowSeconds() + 365n * DAY });
    const add = { proposalType: ProposalType.add, add: { keyPackage: kp } } as const;
    await rejectsRule(() => createCommit(later, { proposals: [add], includePending: false }), 'R-7.3-06', 'validation', 'ERR_VALIDATION_LIFETIME');
    await rejectsRule(() => sendProposal(later, add), 'R-7.3-06');
    const earlier = withConfig(st(a), { now: () => nowSeconds() - 365n * DAY });
    await rejectsRule(() => sendProposal(earlier, add), 'R-7.3-06');
    // Received, the same check is the RECOMMENDED S-7.3-01, on by default.
    await rejectsRule(() => processMessage(withConfig(st(b), { now: () => nowSeconds() + 365n * DAY }), addMsg(st(a), kp)), 'S-7.3-01');
  });

  test('R-7.3-07: a KeyPackage whose LeafNode source is not key_package is rejected', async () => {
    const { keyPackage } = craftedKp({
      leaf: (l) => ({ encryptionKey: l.encryptionKey, signatureKey: l.signatureKey, credential: l.credential, capabilities: l.capabilities, extensions: l.extensions, signature: l.signature, leafNodeSource: LeafNodeSource.update }),
    });
    await rejectsRule(b.group.process(addMsg(st(a), keyPackage)), 'R-7.3-07', 'validation', 'ERR_VALIDATION_LEAF_NODE');
  });

  test('R-7.3-08: an Update whose LeafNode source is not update is rejected', async () => {
    const now = nowSeconds();
    const asKp = updateMsg(st(c), (l) => ({ ...l, leafNodeSource: LeafNodeSource.keyPackage, lifetime: { notBefore: now - 60n, notAfter: now + DAY } }));
    await rejectsRule(b.group.process(asKp), 'R-7.3-08', 'validation', 'ERR_VALIDATION_LEAF_NODE');
    const asCommit = updateMsg(st(c), (l) => ({ ...l, leafNodeSource: LeafNodeSource.commit, parentHash: new Uint8Array(32) }));
    await rejectsRule(b.group.process(asCommit), 'R-7.3-08');
  });

  test('R-7.3-09: an Update that keeps the encryption_key of the leaf it replaces is rejected', async () => {
    const own = st(c).tree.leafNode(st(c).myLeaf)!.encryptionKey;
    await rejectsRule(b.group.process(updateMsg(st(c), (l) => ({ ...l, encryptionKey: own }))), 'R-7.3-09', 'validation', 'ERR_VALIDATION_DUPLICATE_KEY');
  });

  test('R-7.3-10: a Commit whose UpdatePath LeafNode source is not commit is rejected', async () => {
    const state = st(a);
    const bytes = craftCommit(state, { updatePath: true, includePending: false }, (cm) =>
      resignPathLeaf(state, cm, (l) => ({ encryptionKey: l.encryptionKey, signatureKey: l.signatureKey, credential: l.credential, capabilities: l.capabilities, extensions: l.extensions, signature: l.signature, leafNodeSource: LeafNodeSource.update })),
    );
    await rejectsRule(b.group.process(bytes), 'R-7.3-10', 'validation', 'ERR_VALIDATION_LEAF_NODE');
  });

  test("R-7.3-11: a LeafNode with another member's signature_key is rejected", async () => {
    const other = st(b).tree.leafNode(st(b).myLeaf)!.signatureKey;
    // c's Update carries b's signature key (and is signed with b's private key, so only uniqueness fails).
    const msg = updateMsg(st(c), (l) => ({ ...l, signatureKey: other }), { key: st(b).signaturePrivateKey });
    await rejectsRule(a.group.process(msg), 'R-7.3-11', 'validation', 'ERR_VALIDATION_DUPLICATE_KEY');
    // In a Commit path too.
    const state = st(a);
    const bytes = craftCommit(state, { updatePath: true, includePending: false }, (cm) => resignPathLeaf(state, cm, (l) => ({ ...l, signatureKey: other }), st(b).signaturePrivateKey));
    await rejectsRule(c.group.process(bytes), 'R-7.3-11');
  });

  test("R-7.3-12: a LeafNode with another member's encryption_key is rejected", async () => {
    const other = st(a).tree.leafNode(0 as LeafIndex)!.encryptionKey;
    await rejectsRule(b.group.process(updateMsg(st(c), (l) => ({ ...l, encryptionKey: other }))), 'R-7.3-12', 'validation', 'ERR_VALIDATION_DUPLICATE_KEY');
    // In an Add: the receiver of a Commit carrying it, and the committer, refuse it.
    const { keyPackage } = craftedKp({ leaf: (l) => ({ ...l, encryptionKey: other }) });
    await rejectsRule(b.group.process(commitMsg(st(a), [{ proposalType: ProposalType.add, add: { keyPackage } }])), 'R-7.3-12');
    await rejectsRule(a.group.commit({ add: [keyPackage], includePending: false }), 'R-7.3-12');
  });
});
