/**
 * External senders (§12.1.8): a server listed in the group's external_senders extension sends
 * proposals as PublicMessages (sender type external, no membership tag, TBS without GroupContext).
 * R-12.1.8-01: the application authorizes them (config.authorizeExternalProposal);
 * R-6.1-03 / R-6.1-04 / R-12.1.8-02 are checked by the framing (see part1/part2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '../../src/codec/codec.js';
import { signContent } from '../../src/framing/auth.js';
import { ContentType, framedContent, SenderType, WireFormat } from '../../src/framing/content.js';
import { mlsMessageCodec } from '../../src/framing/mls-message.js';
import { ExtensionType, externalSendersCodec } from '../../src/extensions/extension.js';
import { ProposalType, type Proposal } from '../../src/messages/proposal.js';
import { processMessage } from '../../src/group/receive.js';
import { basicCredential, generateIdentity } from '../../src/group/identity.js';
import { cipherSuite, MlsError } from '../../src/index.js';
import { assertAgreement, commitAll, deliver, makeGroup } from '../helpers/group.js';
import type { GroupState } from '../../src/group/state.js';

const cs = cipherSuite(1);
const server = generateIdentity(cs, basicCredential('delivery-service'));

function externalProposal(state: GroupState, proposal: Proposal): Uint8Array {
  const content = framedContent(
    { groupId: state.context.groupId, epoch: state.context.epoch, sender: { senderType: SenderType.external, senderIndex: 0 }, authenticatedData: new Uint8Array(0) },
    { contentType: ContentType.proposal, proposal },
  );
  const signature = signContent(cs, server.signaturePrivateKey, WireFormat.mls_public_message, content, undefined);
  return encode(mlsMessageCodec, { wireFormat: WireFormat.mls_public_message, publicMessage: { content, auth: { signature } } });
}

async function groupWithExternalSender() {
  const members = await makeGroup(1, 3);
  const senders = encode(externalSendersCodec, [{ signatureKey: server.signaturePublicKey, credential: server.credential }]);
  await commitAll(members, members[0]!, { groupContextExtensions: [{ extensionType: ExtensionType.externalSenders, extensionData: senders }] });
  return members;
}

test('control: an external sender listed in external_senders proposes a Remove; a member commits it by reference', async () => {
  const members = await groupWithExternalSender();
  const msg = externalProposal(members[0]!.group.state, { proposalType: ProposalType.remove, remove: { removed: 2 } });
  await deliver(members, { name: 'server' } as never, msg);
  await commitAll(members, members[0]!);
  assert.ok(members[2]!.group.removed);
  assertAgreement(members.slice(0, 2));
});

test('R-12.1.8-01: a proposal from an external sender the application does not authorize is rejected', async () => {
  const members = await groupWithExternalSender();
  const state = members[1]!.group.state;
  const msg = externalProposal(state, { proposalType: ProposalType.remove, remove: { removed: 2 } });
  const denying = { ...state, config: { ...state.config, authorizeExternalProposal: () => false } };
  assert.throws(() => processMessage(denying, msg), (e: unknown) => e instanceof MlsError && e.rule === 'R-12.1.8-01');
});

test('R-6.1-03: an external sender proposal in a group without external_senders is rejected', async () => {
  const members = await makeGroup(1, 2);
  const msg = externalProposal(members[0]!.group.state, { proposalType: ProposalType.remove, remove: { removed: 1 } });
  await assert.rejects(members[1]!.group.process(msg), (e: unknown) => e instanceof MlsError && e.rule === 'R-6.1-03');
});
