/**
 * Controls for the part-2 crafting helpers (part2-support.test.ts): used without a change they
 * produce messages that members accept, so a rejection in the other part-2 tests comes from the one
 * change each test makes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCommit } from '../../src/commit/create.js';
import { ContentType, SenderType, type FramedContent } from '../../src/framing/content.js';
import { EMPTY } from '../../src/util/bytes.js';
import { commitOf, craftCommit, craftProposal, group, join, nonMemberMessage, openPublic, openWelcome, pendingWelcome, sealWelcome } from './part2-support.test.js';


describe('part-2 support: controls', () => {
  test('a crafted Commit equal to a real one (same path, tag) is accepted', async () => {
    const members = await group(3);
    const [a, b] = members;
    const real = createCommit(a!.group.state, { includePending: false, updatePath: true });
    const { auth } = openPublic(real.commit);
    const commit = commitOf(real.commit);
    const bytes = craftCommit(a!.group.state, commit.proposals, { path: commit.path!, confirmationTag: auth.confirmationTag! });
    const r = await b!.group.process(bytes);
    assert.equal(r.kind, 'commit');
  });

  test('a crafted proposal is accepted and cached', async () => {
    const [a, b] = await group(3);
    const r = await b!.group.process(craftProposal(a!.group.state, { proposalType: 3, remove: { removed: 2 } }));
    assert.equal(r.kind, 'proposal');
  });

  test('a Welcome opened and resealed unchanged is accepted; so is a re-signed, re-tagged one', async () => {
    const { kp, welcome, signer } = await pendingWelcome(2);
    const o = openWelcome(welcome, kp);
    const g1 = await join(sealWelcome(o.groupSecrets, o.groupInfo, [kp]), kp);
    const g2 = await join(sealWelcome(o.groupSecrets, o.groupInfo, [kp], { retag: true, signer }), kp);
    assert.deepEqual(g1.epochAuthenticator, g2.epochAuthenticator);
  });

  test('a non-member message helper round-trips', () => {
    const content = { groupId: new Uint8Array(4), epoch: 0n, sender: { senderType: SenderType.new_member_commit }, authenticatedData: EMPTY, contentType: ContentType.commit, commit: { proposals: [] } } as FramedContent;
    const bytes = nonMemberMessage(content, { signature: EMPTY, confirmationTag: EMPTY });
    assert.equal(openPublic(bytes).content.sender.senderType, SenderType.new_member_commit);
  });
});
