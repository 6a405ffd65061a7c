/**
 * §11.2 reinitialization and §11.3 branching, end to end, and the joiner's checks that bind the new
 * group to the old one (R-11.2-01, R-11.3-01, R-11.3-02, R-12.4.3.1-17/18/19, R-12.4.2-08).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MlsGroup, MlsError, ProposalType, cipherSuite } from '../../src/index.js';
import { assertAgreement, commitAll, makeGroup, newClient, type Member } from '../helpers/group.js';

const rejectsRule = (p: Promise<unknown>, rule: string) => assert.rejects(p, (e: unknown) => e instanceof MlsError && e.rule === rule);

async function reinitGroup(fromSuite: number, toSuite: number) {
  const members = await makeGroup(fromSuite, 3);
  const newId = cipherSuite(toSuite).random(16);
  await commitAll(members, members[1]!, { proposals: [{ proposalType: ProposalType.reinit, reInit: { groupId: newId, version: 1, cipherSuite: toSuite, extensions: [] } }] });
  return { members, newId };
}

describe('reinitialization (§11.2)', () => {
  test('a ReInit Commit stops the group; a member recreates it with a new suite and everyone joins', async () => {
    const { members, newId } = await reinitGroup(1, 3);
    for (const m of members) await assert.rejects(m.group.encrypt('old group'), (e: unknown) => e instanceof MlsError && e.rule === 'R-12.4.2-08');
    // Members publish KeyPackages for the new suite (same identities: suites 1 and 3 share Ed25519).
    const clients = members.slice(1).map((m) => ({ m, kp: newKp(m, 3) }));
    const { group, messages } = await members[0]!.group.reinitialize({ keyPackages: clients.map((c) => c.kp.keyPackage) });
    await group.confirmCommit();
    assert.deepEqual(group.groupId, newId);
    assert.equal(group.epoch, 1n);
    const next: Member[] = [{ ...members[0]!, group }];
    for (const c of clients) next.push({ ...c.m, group: await MlsGroup.join({ welcome: messages.welcome!, keyPackages: [c.kp], resumptionFrom: c.m.group }) });
    assertAgreement(next);
    assert.equal(next[1]!.group.cipherSuite, 3);
  });

  test('R-12.4.3.1-18: a Welcome whose group does not match the ReInit is rejected', async () => {
    const { members } = await reinitGroup(1, 1);
    const kp = newKp(members[2]!, 1);
    // A member builds a "reinitialized" group but as a branch-like group with another group id.
    const fake = await members[0]!.group.branch({ keyPackages: [kp.keyPackage] }).catch(() => undefined);
    assert.equal(fake, undefined, 'a reinitialized group can no longer branch (R-12.4.2-08 state)');
    const { messages } = await members[0]!.group.reinitialize({ keyPackages: [kp.keyPackage] });
    // Joining it as the reinitialization of another group (wrong resumptionFrom) fails.
    const other = await makeGroup(1, 1);
    await rejectsRule(MlsGroup.join({ welcome: messages.welcome!, keyPackages: [kp], resumptionFrom: other[0]!.group }), 'R-12.4.3.1-05');
  });

  test('R-12.4.3.1-19: every member of the old group must be in the new group', async () => {
    const { members } = await reinitGroup(1, 1);
    const kp = newKp(members[1]!, 1);
    // Only one of the two others is added.
    const { messages } = await members[0]!.group.reinitialize({ keyPackages: [kp.keyPackage] });
    await rejectsRule(MlsGroup.join({ welcome: messages.welcome!, keyPackages: [kp], resumptionFrom: members[1]!.group }), 'R-12.4.3.1-19');
  });

  test('R-11.2-01: a Welcome offered as a reinitialization must carry the reinit PSK', async () => {
    const { members } = await reinitGroup(1, 1);
    const c = newClient(1, 'outsider');
    const kp = c.keyPackage();
    const plain = await makeGroup(1, 1);
    const welcome = await commitAll(plain, plain[0]!, { add: [kp.keyPackage] });
    await rejectsRule(MlsGroup.join({ welcome: welcome!, keyPackages: [kp], resumptionFrom: members[1]!.group }), 'R-11.2-01');
  });
});

describe('branching (§11.3)', () => {
  test('a subgroup branches off with a branch PSK; its members join and agree', async () => {
    const members = await makeGroup(1, 4);
    const kps = [members[1]!, members[2]!].map((m) => ({ m, kp: newKp(m, 1) }));
    const { group, messages } = await members[0]!.group.branch({ keyPackages: kps.map((k) => k.kp.keyPackage) });
    await group.confirmCommit();
    const sub: Member[] = [{ ...members[0]!, group }];
    for (const k of kps) sub.push({ ...k.m, group: await MlsGroup.join({ welcome: messages.welcome!, keyPackages: [k.kp], resumptionFrom: k.m.group }) });
    assertAgreement(sub);
    assert.equal(group.members().length, 3);
    // The old group carries on.
    await commitAll(members, members[3]!);
    assertAgreement(members);
  });

  test('R-11.3-02: every member of a branch must come from the old group', async () => {
    const members = await makeGroup(1, 2);
    const stranger = newClient(1, 'stranger');
    const skp = stranger.keyPackage();
    const kp = newKp(members[1]!, 1);
    const { messages } = await members[0]!.group.branch({ keyPackages: [kp.keyPackage, skp.keyPackage] });
    await rejectsRule(MlsGroup.join({ welcome: messages.welcome!, keyPackages: [kp], resumptionFrom: members[1]!.group }), 'R-11.3-02');
  });

  test('R-11.3-01: a branch keeps the cipher suite (a Welcome for another suite is rejected)', async () => {
    // A branch created in suite 1 but joined as resuming a suite-3 group with the same group id is caught.
    const members = await makeGroup(1, 2);
    const kp = newKp(members[1]!, 1);
    const { messages } = await members[0]!.group.branch({ keyPackages: [kp.keyPackage] });
    const state = members[1]!.group.state;
    const tampered = { ...state, context: { ...state.context, cipherSuite: 3 } };
    const { joinFromWelcome } = await import('../../src/join/welcome.js');
    const { decodeMlsMessage } = await import('../../src/index.js');
    const w = decodeMlsMessage(messages.welcome!);
    assert.ok(w.wireFormat === 3);
    assert.throws(() => joinFromWelcome({ welcome: w.welcome, keyPackages: [kp], resumptionFrom: tampered }), (e: unknown) => e instanceof MlsError && e.rule === 'R-11.3-01');
  });
});

/** A fresh KeyPackage of `member`'s identity for `suite` (same signature key: suites 1/3 share Ed25519). */
function newKp(member: Member, suite: number) {
  const { createKeyPackage } = requireIndex;
  return createKeyPackage({ cipherSuite: cipherSuite(suite), credential: member.identity.credential, signaturePrivateKey: member.identity.signaturePrivateKey, signaturePublicKey: member.identity.signaturePublicKey });
}
import * as requireIndex from '../../src/index.js';
