/**
 * Part 1 of the validation checklist, framing: RFC 9420 §6 (R-6-01 … R-6.3.2-02) and D-04. Every
 * message is built from a real member's state (signed with its key, tagged with its epoch's
 * membership key, encrypted with the next key of its ratchet) and changed in one respect only;
 * another member processes it through the public API.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '../../src/codec/codec.js';
import { signWithLabel } from '../../src/crypto/labels.js';
import { ExtensionType, externalSendersCodec } from '../../src/extensions/extension.js';
import { ContentType, framedContentTbs, SenderType, type FramedContent } from '../../src/framing/content.js';
import { mlsMessageCodec, type MlsMessage } from '../../src/framing/mls-message.js';
import { basicCredential } from '../../src/group/identity.js';
import { encodeGroupContext } from '../../src/key-schedule/group-context.js';
import { createCommit } from '../../src/commit/create.js';
import type { Commit } from '../../src/messages/commit.js';
import { ProposalType, type Proposal } from '../../src/messages/proposal.js';
import { EMPTY, fromHex, utf8 } from '../../src/util/bytes.js';
import {
  buildGroup, commitAll, contentOf, craftCommit, cs, decodePublic, flip, keyPackageFor, newIdentity, PRIV, privateBytes, privateMsg,
  proposalMsg, PUB, publicBytes, publicMsg, rejectsRule, signFc, st, type M,
} from './part1-support.test.js';

const removeOf = (leaf: number): Proposal => ({ proposalType: ProposalType.remove, remove: { removed: leaf } });
const app = (text: string) => ({ contentType: ContentType.application, applicationData: utf8(text) }) as const;

function reencode(bytes: Uint8Array, change: (pm: Extract<MlsMessage, { wireFormat: typeof PRIV }>['privateMessage']) => Extract<MlsMessage, { wireFormat: typeof PRIV }>['privateMessage']): Uint8Array {
  const m = decode(mlsMessageCodec, bytes);
  assert.equal(m.wireFormat, PRIV);
  const pm = (m as Extract<MlsMessage, { wireFormat: typeof PRIV }>).privateMessage;
  return encode(mlsMessageCodec, { wireFormat: PRIV, privateMessage: change(pm) });
}

/** The Commit body (with a path) that `member` would send now. */
function commitBody(member: M): Commit {
  const created = createCommit(st(member), { updatePath: true, includePending: false });
  return (decodePublic(created.commit).content as FramedContent & { commit: Commit }).commit;
}

let members: M[];
let a: M; // leaf 0
let b: M; // leaf 1
let c: M; // leaf 2

before(async () => {
  members = await buildGroup(4);
  [a, b, c] = members as [M, M, M];
});

describe('controls: the crafting helpers produce messages members accept', () => {
  test('control: a crafted PublicMessage proposal, a crafted PrivateMessage (zero padding) and a crafted Commit are accepted', async () => {
    const r1 = await b.group.process(proposalMsg(st(c), removeOf(3)));
    assert.equal(r1.kind, 'proposal');
    const r2 = await b.group.process(privateMsg(st(c), app('padded'), { padding: new Uint8Array(13) }));
    assert.ok(r2.kind === 'application' && new TextDecoder().decode(r2.data) === 'padded');
    // A crafted Commit of c (no change): processed (staged) by b without error.
    const r3 = await a.group.process(craftCommit(st(c), { updatePath: true, includePending: false }));
    assert.equal(r3.kind, 'commit');
  });
});

describe('§6: application data only in a PrivateMessage', () => {
  test('R-6-01: a PublicMessage with content_type application is rejected', async () => {
    await rejectsRule(b.group.process(publicMsg(st(a), app('in the clear'))), 'R-6-01', 'validation', 'ERR_VALIDATION_WIRE_FORMAT');
  });
});

describe('§6.1: signature and sender', () => {
  test('R-6.1-01: a FramedContent signature that does not verify is rejected', async () => {
    const state = st(a);
    const content = contentOf(state, { contentType: ContentType.proposal, proposal: removeOf(3) });
    const good = signFc(state, content);
    await rejectsRule(b.group.process(publicBytes(state, content, { signature: flip(good) })), 'R-6.1-01', 'validation', 'ERR_VALIDATION_SIGNATURE');
    // Another member's key, the other wire format, another GroupContext: all fail.
    await rejectsRule(b.group.process(publicBytes(state, content, { signature: signFc(state, content, { key: st(c).signaturePrivateKey }) })), 'R-6.1-01');
    await rejectsRule(b.group.process(publicBytes(state, content, { signature: signFc(state, content, { wireFormat: PRIV }) })), 'R-6.1-01');
    const otherContext = encodeGroupContext({ ...state.context, epoch: state.context.epoch + 1n });
    await rejectsRule(b.group.process(publicBytes(state, content, { signature: signFc(state, content, { context: otherContext }) })), 'R-6.1-01');
  });

  test('R-6.1-02: a member sender whose leaf_index is outside the tree is rejected', async () => {
    const state = st(a);
    await rejectsRule(b.group.process(publicMsg(state, { contentType: ContentType.proposal, proposal: removeOf(3) }, { sender: { senderType: SenderType.member, leafIndex: 9 } })), 'R-6.1-02', 'validation', 'ERR_VALIDATION_SENDER');
  });

  test('R-6.1-02: a member sender at a blank leaf is rejected', async () => {
    const g = await buildGroup(4);
    const [a2, b2, , d2] = g as [M, M, M, M];
    const stale = st(b2); // b2's state before it is removed
    await commitAll(g, a2, { remove: [1] });
    assert.equal(st(a2).tree.leafNode(1 as never), undefined);
    // b2 (removed, leaf 1 now blank) signs with its own key for the current epoch of the group.
    const content = contentOf(st(a2), { contentType: ContentType.proposal, proposal: removeOf(3) }, { sender: { senderType: SenderType.member, leafIndex: 1 } });
    const signature = signFc(st(a2), content, { key: stale.signaturePrivateKey });
    await rejectsRule(d2.group.process(publicBytes(st(a2), content, { signature })), 'R-6.1-02');
  });

  describe('external senders', () => {
    const ds = cs.signatureScheme.generateKeyPair();
    const externalSenders = [{ extensionType: ExtensionType.externalSenders, extensionData: encode(externalSendersCodec, [{ signatureKey: ds.publicKey, credential: basicCredential('delivery service') }]) }];
    let g: M[];
    before(async () => {
      g = await buildGroup(3, { extensions: externalSenders });
    });
    const external = (state: ReturnType<typeof st>, body: Parameters<typeof contentOf>[1], senderIndex = 0, key = ds.privateKey): Uint8Array => {
      const content = contentOf(state, body, { sender: { senderType: SenderType.external, senderIndex } });
      return publicBytes(state, content, { signature: signFc(state, content, { key }), ...(content.contentType === ContentType.commit ? { confirmationTag: new Uint8Array(32) } : {}) });
    };

    test('control: an external sender listed in external_senders may propose a Remove', async () => {
      const r = await g[1]!.group.process(external(st(g[0]!), { contentType: ContentType.proposal, proposal: removeOf(2) }));
      assert.ok(r.kind === 'proposal' && r.sender.senderType === SenderType.external);
    });

    test('R-6.1-03: an external sender in a group without external_senders is rejected', async () => {
      await rejectsRule(b.group.process(external(st(a), { contentType: ContentType.proposal, proposal: removeOf(2) })), 'R-6.1-03', 'validation', 'ERR_VALIDATION_SENDER');
    });

    test('R-6.1-03: an external sender_index out of range is rejected', async () => {
      await rejectsRule(g[1]!.group.process(external(st(g[0]!), { contentType: ContentType.proposal, proposal: removeOf(2) }, 1)), 'R-6.1-03');
    });

    test('R-6.1-03: the key is external_senders[sender_index].signature_key: another key fails the signature', async () => {
      const other = cs.signatureScheme.generateKeyPair();
      await rejectsRule(g[1]!.group.process(external(st(g[0]!), { contentType: ContentType.proposal, proposal: removeOf(2) }, 0, other.privateKey)), 'R-6.1-01');
    });

    test('R-6.1-04: an external sender may not send a Commit', async () => {
      const content = contentOf(st(g[0]!), { contentType: ContentType.commit, commit: { proposals: [] } }, { sender: { senderType: SenderType.external, senderIndex: 0 } });
      const bytes = publicBytes(st(g[0]!), content, { signature: signFc(st(g[0]!), content, { key: ds.privateKey }), confirmationTag: new Uint8Array(32) });
      await rejectsRule(g[1]!.group.process(bytes), 'R-6.1-04', 'validation', 'ERR_VALIDATION_SENDER');
    });
  });

  test('R-6.1-05: a new_member_commit is verified with path.leaf_node.signature_key', async () => {
    const state = st(a);
    const commit = commitBody(a); // path.leaf_node carries a's signature key
    const content = contentOf(state, { contentType: ContentType.commit, commit }, { sender: { senderType: SenderType.new_member_commit } });
    const auth = (key: Uint8Array) => ({ signature: signFc(state, content, { key }), confirmationTag: new Uint8Array(32) });
    // Signed by another key than the path leaf's: the signature check fails.
    await rejectsRule(b.group.process(publicBytes(state, content, auth(newIdentity('x').signaturePrivateKey))), 'R-6.1-01');
    // Signed by the path leaf's key: framing accepts it and the Commit reaches the external-Commit
    // list checks, where a list without an ExternalInit fails (R-12.2-13).
    await rejectsRule(b.group.process(publicBytes(state, content, auth(state.signaturePrivateKey))), 'R-12.2-13');
  });

  test('R-6.1-06: a new_member_commit sender may only send a Commit', async () => {
    const state = st(a);
    const content = contentOf(state, { contentType: ContentType.proposal, proposal: removeOf(3) }, { sender: { senderType: SenderType.new_member_commit } });
    await rejectsRule(b.group.process(publicBytes(state, content, { signature: signFc(state, content) })), 'R-6.1-06', 'validation', 'ERR_VALIDATION_SENDER');
  });

  test('R-6.1-07: a new_member_proposal is verified with the signature_key of the KeyPackage leaf', async () => {
    const joiner = newIdentity('self-adding joiner');
    const kp = keyPackageFor(joiner).keyPackage;
    const state = st(a);
    const content = contentOf(state, { contentType: ContentType.proposal, proposal: { proposalType: ProposalType.add, add: { keyPackage: kp } } }, { sender: { senderType: SenderType.new_member_proposal } });
    await rejectsRule(b.group.process(publicBytes(state, content, { signature: signFc(state, content, { key: state.signaturePrivateKey }) })), 'R-6.1-01');
    const r = await b.group.process(publicBytes(state, content, { signature: signFc(state, content, { key: joiner.signaturePrivateKey }) }));
    assert.ok(r.kind === 'proposal' && r.sender.senderType === SenderType.new_member_proposal);
  });

  test('R-6.1-08: a new_member_proposal sender may only send an Add proposal', async () => {
    const joiner = newIdentity('joiner');
    const state = st(a);
    const remove = contentOf(state, { contentType: ContentType.proposal, proposal: removeOf(3) }, { sender: { senderType: SenderType.new_member_proposal } });
    await rejectsRule(b.group.process(publicBytes(state, remove, { signature: signFc(state, remove, { key: joiner.signaturePrivateKey }) })), 'R-6.1-08', 'validation', 'ERR_VALIDATION_SENDER');
    const commit = contentOf(state, { contentType: ContentType.commit, commit: { proposals: [] } }, { sender: { senderType: SenderType.new_member_proposal } });
    await rejectsRule(b.group.process(publicBytes(state, commit, { signature: signFc(state, commit, { key: joiner.signaturePrivateKey }), confirmationTag: new Uint8Array(32) })), 'R-6.1-08');
  });
});

describe('§6.2: PublicMessage', () => {
  test('R-6.2-01: a PublicMessage with a wrong membership_tag is rejected', async () => {
    const state = st(a);
    const content = contentOf(state, { contentType: ContentType.proposal, proposal: removeOf(3) });
    const auth = { signature: signFc(state, content) };
    const good = decodePublic(publicBytes(state, content, auth)).membershipTag!;
    await rejectsRule(b.group.process(publicBytes(state, content, auth, { tag: flip(good) })), 'R-6.2-01', 'validation', 'ERR_VALIDATION_MEMBERSHIP_TAG');
    await rejectsRule(b.group.process(publicBytes(state, content, auth, { membershipKey: new Uint8Array(32).fill(1) })), 'R-6.2-01');
    await rejectsRule(b.group.process(publicBytes(state, content, auth, { tag: EMPTY })), 'R-6.2-01');
  });

  test('R-6.2-02: a Commit PublicMessage is accepted only with a valid signature and confirmation_tag', async () => {
    const state = st(a);
    const created = createCommit(state, { updatePath: true, includePending: false });
    const pm = decodePublic(created.commit);
    const bad = { ...pm.auth, confirmationTag: flip(pm.auth.confirmationTag!) };
    await rejectsRule(b.group.process(publicBytes(state, pm.content, bad)), 'R-12.4.2-06');
    await rejectsRule(b.group.process(publicBytes(state, pm.content, { ...pm.auth, signature: flip(pm.auth.signature) })), 'R-6.1-01');
    const r = await b.group.process(created.commit); // control: the original is accepted (staged)
    assert.equal(r.kind, 'commit');
  });
});

describe('§6.3: PrivateMessage', () => {
  test('R-6.3.1-01: a PrivateMessageContent whose padding has a non-zero byte is rejected', async () => {
    const padding = new Uint8Array(16);
    padding[15] = 1;
    await rejectsRule(b.group.process(privateMsg(st(c), app('x'), { padding })), 'R-6.3.1-01', 'validation', 'ERR_VALIDATION_PADDING');
    const r = await b.group.process(privateMsg(st(c), app('x'), { padding: new Uint8Array(16) }));
    assert.equal(r.kind, 'application');
  });

  test('R-6.3.1-02: content that does not decrypt (AEAD failure) is rejected', async () => {
    const ct = await c.group.encrypt('hello, bob');
    await rejectsRule(b.group.process(reencode(ct, (pm) => ({ ...pm, ciphertext: flip(pm.ciphertext) }))), 'R-6.3.1-02', 'validation', 'ERR_VALIDATION_DECRYPT');
    // The key was not consumed by the failure: the genuine message still decrypts.
    const r = await b.group.process(ct);
    assert.equal(r.kind, 'application');
  });

  test('R-6.3.1-03: the content nonce is XORed with SenderData.reuse_guard (another guard fails)', async () => {
    const guard = fromHex('a1b2c3d4');
    await rejectsRule(b.group.process(privateMsg(st(c), app('x'), { senderData: { reuseGuard: guard }, contentGuard: fromHex('a1b2c3d5') })), 'R-6.3.1-02');
    await rejectsRule(b.group.process(privateMsg(st(c), app('x'), { senderData: { reuseGuard: guard }, contentGuard: new Uint8Array(4) })), 'R-6.3.1-02');
    const r = await b.group.process(privateMsg(st(c), app('x'), { senderData: { reuseGuard: guard } }));
    assert.equal(r.kind, 'application');
  });

  test('R-6.3.1-04: PrivateMessage content is accepted only with a valid signature (and, for a Commit, confirmation_tag)', async () => {
    const state = st(c);
    const content = contentOf(state, app('forged'));
    await rejectsRule(b.group.process(privateBytes(state, content, { signature: signFc(state, content, { key: st(a).signaturePrivateKey, wireFormat: PRIV }) })), 'R-6.1-01');
    await rejectsRule(b.group.process(privateBytes(state, content, { signature: signFc(state, content, { wireFormat: PUB }) })), 'R-6.1-01');
    // A Commit whose signature is right but whose confirmation_tag is not.
    const commit = contentOf(state, { contentType: ContentType.commit, commit: commitBody(c) });
    const auth = { signature: signFc(state, commit, { wireFormat: PRIV }), confirmationTag: new Uint8Array(32).fill(5) };
    await rejectsRule(b.group.process(privateBytes(state, commit, auth)), 'R-12.4.2-06');
  });

  test('R-6.3.2-01: encrypted_sender_data that does not decrypt is rejected', async () => {
    const ct = await c.group.encrypt('hello');
    await rejectsRule(b.group.process(reencode(ct, (pm) => ({ ...pm, encryptedSenderData: flip(pm.encryptedSenderData) }))), 'R-6.3.2-01', 'validation', 'ERR_VALIDATION_DECRYPT');
    await rejectsRule(b.group.process(reencode(ct, (pm) => ({ ...pm, authenticatedData: fromHex('01') }))), 'R-6.3.1-02'); // AAD binds authenticated_data
  });

  test('R-6.3.2-02: SenderData.leaf_index outside the tree is rejected', async () => {
    await rejectsRule(b.group.process(privateMsg(st(c), app('x'), { senderData: { leafIndex: 9 } })), 'R-6.3.2-02', 'validation', 'ERR_VALIDATION_SENDER');
  });

  test('R-6.3.2-02: SenderData.leaf_index at a blank leaf is rejected', async () => {
    const g = await buildGroup(4);
    const [a2, b2, c2] = g as [M, M, M];
    await commitAll(g, a2, { remove: [1] });
    // c2 encrypts a message whose SenderData names the blank leaf 1.
    await rejectsRule(a2.group.process(privateMsg(st(c2), app('x'), { senderData: { leafIndex: 1 } })), 'R-6.3.2-02');
    assert.ok(b2.group.removed);
  });
});

describe('D-04: the group id', () => {
  test('D-04: a PublicMessage for another group_id is rejected', async () => {
    await rejectsRule(b.group.process(publicMsg(st(a), { contentType: ContentType.proposal, proposal: removeOf(3) }, { groupId: utf8('another group') })), 'D-04', 'validation', 'ERR_VALIDATION_GROUP_ID');
  });

  test('D-04: a PrivateMessage for another group_id is rejected', async () => {
    const state = st(c);
    const content = contentOf(state, app('x'), { groupId: utf8('another group') });
    await rejectsRule(b.group.process(privateBytes(state, content, { signature: signFc(state, content, { wireFormat: PRIV }) })), 'D-04');
  });
});

describe('§5.1.2: signatures are bound to their label', () => {
  test('R-5.1.2-02: a FramedContent signed under another label ("LeafNodeTBS") is rejected', async () => {
    const state = st(a);
    const content = contentOf(state, { contentType: ContentType.proposal, proposal: removeOf(3) });
    const tbs = framedContentTbs(PUB, content, state.contextBytes);
    await rejectsRule(b.group.process(publicBytes(state, content, { signature: signWithLabel(cs, state.signaturePrivateKey, 'LeafNodeTBS', tbs) })), 'R-6.1-01');
    await rejectsRule(b.group.process(publicBytes(state, content, { signature: signFc(state, content, { label: 'GroupInfoTBS' }) })), 'R-6.1-01');
  });
});
