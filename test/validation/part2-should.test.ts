/**
 * Part-2 validation tests for the SHOULD / RECOMMENDED behaviours of the checklist (§4, S-ids)
 * that mlskit implements, through the public API. Behaviours left to the application, or not
 * implemented, are marked in docs/validation/part-2.md.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '../../src/codec/codec.js';
import { applicationIdCodec, ExtensionType } from '../../src/extensions/extension.js';
import type { CredentialCheck } from '../../src/group/config.js';
import { basicCredential } from '../../src/group/identity.js';
import { createCommit } from '../../src/commit/create.js';
import { processMessage } from '../../src/group/receive.js';
import { ProposalType } from '../../src/messages/proposal.js';
import { newResumptionPskId } from '../../src/psk/psk-secret.js';
import { utf8 } from '../../src/util/bytes.js';
import { assertAgreement, commitAll, deliver } from '../helpers/group.js';
import { caps, client, craftProposal, cs, customGroup, group, rejectsRule } from './part2-support.test.js';

describe('§4: SHOULD / RECOMMENDED behaviours', () => {
  test('S-2.1.2-01: a message above config.maxMessageBytes is refused before it is decoded', async () => {
    const [a, b] = await group(2, { config: { maxMessageBytes: 1024 } });
    const big = await a!.group.encrypt(new Uint8Array(2000));
    await rejectsRule(b!.group.process(big), 'S-2.1.2-01', 'ERR_VALIDATION_LIMIT');
    const small = await a!.group.encrypt('fits');
    assert.equal((await b!.group.process(small)).kind, 'application');
  });

  test('S-5.3.2-01: a credential change is put to the AS with the credential it replaces (the expiry policy is the application\'s)', async () => {
    const seen: CredentialCheck[] = [];
    const members = await group(3, { config: { validateCredential: (c) => (seen.push(c), true) } });
    const [a, b] = members;
    const up = await b!.group.proposeUpdate({ credential: basicCredential('member-1 (renewed)') });
    await deliver(members, b!, up);
    const updates = seen.filter((c) => c.reason === 'update');
    assert.ok(updates.length >= 1);
    assert.equal(new TextDecoder().decode((updates[0]!.previous as { identity: Uint8Array }).identity), 'member-1');
    await commitAll(members, a!);
    assertAgreement(members);
  });

  test('S-5.3.2-02: signatures of existing members are checked by key only; the AS is not asked again for later messages', async () => {
    let open = true;
    const members = await group(3, { config: { validateCredential: () => open } });
    const [a, b, c] = members;
    open = false; // every credential would now be refused, e.g. because it expired
    const ct = await b!.group.encrypt('after expiry');
    const r = await a!.group.process(ct);
    assert.ok(r.kind === 'application');
    await commitAll(members, c!); // an empty Commit (same credential) is accepted too
    assertAgreement(members);
  });

  test('S-5.3.3-01: two members with the same application_id are accepted (application_id is not treated as unique or authenticated)', async () => {
    const appId = [{ extensionType: ExtensionType.applicationId, extensionData: encode(applicationIdCodec, { applicationId: utf8('same-device') }) }];
    const members = await customGroup([caps(), caps(), caps()], { leafExtensions: [appId, appId, []] });
    await commitAll(members, members[2]!);
    assertAgreement(members);
  });

  test('S-7.3-01: lifetimes of received leaves are checked against the clock config.now (RECOMMENDED, on by default, switchable; S-7.2-01)', async () => {
    const [a, b] = await group(2);
    const expired = client('old').keyPackage(undefined, { now: 1_000_000n }).keyPackage; // valid in 1970
    await rejectsRule(a!.group.commit({ add: [expired] }), 'R-7.3-06'); // our own send: a MUST
    // a real Commit of that Add, from a committer that does not check lifetimes
    const st = a!.group.state;
    const commit = createCommit({ ...st, config: { ...st.config, checkLifetimes: false } }, { proposals: [{ proposalType: ProposalType.add, add: { keyPackage: expired } }] }).commit;
    await rejectsRule(b!.group.process(commit), 'S-7.3-01', 'ERR_VALIDATION_LIFETIME');
    const bs = b!.group.state;
    // the clock is config.now: a receiver whose clock reads 1970 accepts it, and so does one with the check off
    assert.equal(processMessage({ ...bs, config: { ...bs.config, now: () => 1_000_000n } }, commit).kind, 'commit');
    assert.equal(processMessage({ ...bs, config: { ...bs.config, checkLifetimes: false } }, commit).kind, 'commit');
  });

  test('S-8.6-01: only config.resumptionPsks past resumption PSKs are kept', async () => {
    const members = await group(2, { config: { resumptionPsks: 2 } });
    const [a] = members;
    for (let i = 0; i < 3; i++) await commitAll(members, a!);
    assert.ok(a!.group.state.resumptionPsks.size <= 2);
    const epoch = a!.group.epoch;
    await rejectsRule(a!.group.commit({ psks: [newResumptionPskId(cs, 1, a!.group.groupId, epoch - 3n)] }), 'R-12.4.2-02');
    await commitAll(members, a!, { psks: [newResumptionPskId(cs, 1, a!.group.groupId, epoch - 1n)] });
    assertAgreement(members);
  });

  test('S-12.4-01: a Commit that leaves out valid proposals of the epoch is not rejected', async () => {
    const members = await group(3);
    const [a, b, c] = members;
    await deliver(members, b!, await b!.group.proposeRemove(2));
    assert.equal(c!.group.state.proposals.size, 1);
    await commitAll(members, a!, { includePending: false }); // c cached b's Remove but accepts a Commit without it
    assertAgreement(members);
    assert.equal(a!.group.members().length, 3);
  });

  test('S-12.4.2-01: a member removed by a Commit learns it at once and can send nothing more', async () => {
    const members = await group(3);
    const [a, , c] = members;
    await commitAll(members, a!, { remove: [2] });
    assert.ok(c!.group.removed);
    await assert.rejects(c!.group.encrypt('x'));
    await assert.rejects(c!.group.commit());
  });

  test('S-15.3-01: the number of proposals cached in one epoch is bounded (config.maxPendingProposals)', async () => {
    const members = await group(3, { config: { maxPendingProposals: 1 } });
    const [a, b] = members;
    await b!.group.process(await a!.group.proposeRemove(2));
    await rejectsRule(b!.group.process(craftProposal(a!.group.state, { proposalType: ProposalType.remove, remove: { removed: 1 } })), 'S-15.3-01', 'ERR_VALIDATION_LIMIT');
  });

  test('S-15.3-02: an application message too far ahead of the ratchet is rejected (config.ratchetWindow)', async () => {
    const config = { ratchetWindow: { maxForwardDistance: 3, maxSkippedKeys: 8 } };
    const [a, b] = await group(2, { config });
    const msgs: Uint8Array[] = [];
    for (let i = 0; i < 5; i++) msgs.push(await a!.group.encrypt(`m${i}`));
    await rejectsRule(b!.group.process(msgs[4]!), 'S-15.3-02');
    assert.equal((await b!.group.process(msgs[3]!)).kind, 'application');
  });
});
