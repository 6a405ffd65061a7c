/**
 * Part 1 of the validation checklist, KeyPackages: RFC 9420 §10 and §10.1. Each KeyPackage is a
 * fresh client's, changed in one respect and correctly re-signed (leaf, then KeyPackage), and
 * reaches a member the way it does in a group: in an Add proposal or inline in a Commit.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signWithLabel } from '../../src/crypto/labels.js';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import { LAST_RESORT_EXTENSION_TYPE } from '../../src/extensions/extension.js';
import { keyPackageTbs } from '../../src/messages/key-package.js';
import { ProposalType } from '../../src/messages/proposal.js';
import { validateKeyPackage } from '../../src/key-package/validate.js';
import { keyPackageMessage, readKeyPackageMessage } from '../../src/index.js';
import { utf8 } from '../../src/util/bytes.js';
import { addMsg, buildGroup, commitAll, commitMsg, craftedKp, cs, flip, keyPackageFor, newIdentity, rejectsRule, st, type M } from './part1-support.test.js';

const GREASE_EXT = 0x3a3a;
const add = (keyPackage: Parameters<typeof addMsg>[1]) => ({ proposalType: ProposalType.add, add: { keyPackage } }) as const;

let members: M[];
let a: M;
let b: M;

before(async () => {
  members = await buildGroup(2);
  [a, b] = members as [M, M];
});

describe('§10: KeyPackage contents', () => {
  test('control: a re-signed, unchanged KeyPackage is accepted in an Add', async () => {
    assert.equal((await b.group.process(addMsg(st(a), craftedKp().keyPackage))).kind, 'proposal');
  });

  test('R-10-01: a KeyPackage whose init_key is not an HPKE public key of the suite is rejected', async () => {
    const { keyPackage } = craftedKp({ kp: { initKey: new Uint8Array(31).fill(1) } });
    await rejectsRule(b.group.process(addMsg(st(a), keyPackage)), 'R-10-01', 'validation', 'ERR_VALIDATION_INVALID_KEY');
  });

  test('R-10-02: a Commit with two Adds sharing an init_key is rejected', async () => {
    const first = keyPackageFor(newIdentity('first')).keyPackage;
    const { keyPackage: second } = craftedKp({ kp: { initKey: first.initKey } }, {}, 'second');
    await rejectsRule(b.group.process(commitMsg(st(a), [add(first), add(second)])), 'R-10-02', 'validation', 'ERR_VALIDATION_PROPOSAL_LIST');
  });

  test('R-10-03: a KeyPackage whose leaf encryption_key or signature_key is not a key of the suite is rejected', async () => {
    const enc = craftedKp({ leaf: (l) => ({ ...l, encryptionKey: new Uint8Array(31).fill(2) }) }).keyPackage;
    await rejectsRule(b.group.process(addMsg(st(a), enc)), 'R-10-03', 'validation', 'ERR_VALIDATION_INVALID_KEY');
    const sig = craftedKp({ leaf: (l) => ({ ...l, signatureKey: new Uint8Array(31).fill(3) }) }).keyPackage;
    await rejectsRule(b.group.process(addMsg(st(a), sig)), 'R-10-03');
  });

  test('R-10-04: a KeyPackage whose version differs from that of its MLSMessage is rejected', async () => {
    const { keyPackage } = craftedKp({ kp: { version: 2 } });
    const received = readKeyPackageMessage(keyPackageMessage(keyPackage)); // an mls10 MLSMessage (D-01)
    await rejectsRule(() => validateKeyPackage(cs, received, { groupVersion: 2, mlsMessageVersion: 1 }), 'R-10-04', 'validation', 'ERR_VALIDATION_KEY_PACKAGE');
  });

  test('R-10-05: a KeyPackage extension of a known non-default type must be listed in the leaf capabilities', async () => {
    const kp = craftedKp({ kp: { extensions: [{ extensionType: 0xff20, extensionData: utf8('x') }] } }).keyPackage;
    await rejectsRule(() => validateKeyPackage(cs, kp, { knownExtensionTypes: [0xff20] }), 'R-10-05', 'validation', 'ERR_VALIDATION_CAPABILITIES');
    await rejectsRule(() => validateKeyPackage(cs, kp, { strictKeyPackageExtensions: true }), 'R-10-05');
    validateKeyPackage(cs, kp, {}); // unknown to the application: ignored (R-10-06, A-4)
    // In a group: last_resort (0x000a) is the one non-default KeyPackage extension this library
    // knows; a Commit adding a KeyPackage that carries it unlisted is rejected.
    const lr = craftedKp({ kp: { extensions: [{ extensionType: LAST_RESORT_EXTENSION_TYPE, extensionData: new Uint8Array(0) }] } }).keyPackage;
    assert.ok(!lr.leafNode.capabilities.extensions.includes(LAST_RESORT_EXTENSION_TYPE));
    await rejectsRule(b.group.process(commitMsg(st(a), [add(lr)])), 'R-10-05');
  });

  test('R-10-06: unknown and GREASE KeyPackage extensions (not in capabilities) are ignored', async () => {
    const g = await buildGroup(2);
    const [ga, gb] = g as [M, M];
    const kp = craftedKp({ kp: { extensions: [{ extensionType: 0xff21, extensionData: utf8('?') }, { extensionType: GREASE_EXT, extensionData: new Uint8Array(0) }] } }).keyPackage;
    assert.ok(!kp.leafNode.capabilities.extensions.includes(0xff21));
    await commitAll(g, ga, { add: [kp] });
    assert.equal(gb.group.members().length, 3);
  });
});

describe('§10.1: KeyPackage validation', () => {
  test("R-10.1-01: a KeyPackage for another cipher suite or version than the group's is rejected", async () => {
    const suite3 = craftedKp({ kp: { cipherSuite: 3 } }).keyPackage;
    await rejectsRule(b.group.process(addMsg(st(a), suite3)), 'R-10.1-01', 'validation', 'ERR_VALIDATION_KEY_PACKAGE');
    const v2 = craftedKp({ kp: { version: 2 } }).keyPackage;
    await rejectsRule(b.group.process(addMsg(st(a), v2)), 'R-10.1-01');
    // A genuine suite-3 KeyPackage (same key types as suite 1) is rejected for the same reason.
    const cs3 = nodeCipherSuite(3);
    const id = newIdentity('suite 3');
    const { createKeyPackage } = await import('../../src/key-package/create.js');
    const genuine = createKeyPackage({ cipherSuite: cs3, credential: id.credential, signaturePrivateKey: id.signaturePrivateKey }).keyPackage;
    await rejectsRule(b.group.process(addMsg(st(a), genuine)), 'R-10.1-01');
  });

  test('R-10.1-02: a KeyPackage whose leaf fails §7.3 is rejected (with the §7.3 rule id)', async () => {
    const noVersion = craftedKp({ leaf: (l) => ({ ...l, capabilities: { ...l.capabilities, versions: [] } }) }).keyPackage;
    await rejectsRule(b.group.process(addMsg(st(a), noVersion)), 'R-7.2-02');
    const { identity, keyPackage } = craftedKp();
    const badLeafSig = { ...keyPackage, leafNode: { ...keyPackage.leafNode, signature: flip(keyPackage.leafNode.signature) } };
    const resigned = { ...badLeafSig, signature: signWithLabel(cs, identity.signaturePrivateKey, 'KeyPackageTBS', keyPackageTbs(badLeafSig)) };
    await rejectsRule(b.group.process(addMsg(st(a), resigned)), 'R-7.3-02');
  });

  test('R-10.1-03: a KeyPackage whose signature does not verify is rejected', async () => {
    const { identity, keyPackage } = craftedKp();
    await rejectsRule(b.group.process(addMsg(st(a), { ...keyPackage, signature: flip(keyPackage.signature) })), 'R-10.1-03', 'validation', 'ERR_VALIDATION_SIGNATURE');
    // R-5.1.2-02: signed under another label ("LeafNodeTBS") it fails too.
    const otherLabel = { ...keyPackage, signature: signWithLabel(cs, identity.signaturePrivateKey, 'LeafNodeTBS', keyPackageTbs(keyPackage)) };
    await rejectsRule(b.group.process(addMsg(st(a), otherLabel)), 'R-10.1-03');
    // Signed with another key than leaf_node.signature_key.
    const otherKey = { ...keyPackage, signature: signWithLabel(cs, newIdentity('x').signaturePrivateKey, 'KeyPackageTBS', keyPackageTbs(keyPackage)) };
    await rejectsRule(b.group.process(addMsg(st(a), otherKey)), 'R-10.1-03');
  });

  test('R-10.1-04: a KeyPackage whose leaf encryption_key equals its init_key is rejected', async () => {
    const { keyPackage } = craftedKp({ leaf: (l) => l });
    const same = craftedKp({ kp: { initKey: keyPackage.leafNode.encryptionKey }, leaf: (l) => ({ ...l, encryptionKey: keyPackage.leafNode.encryptionKey }) }).keyPackage;
    await rejectsRule(b.group.process(addMsg(st(a), same)), 'R-10.1-04', 'validation', 'ERR_VALIDATION_KEY_PACKAGE');
  });
});
