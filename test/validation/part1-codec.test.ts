/**
 * Part 1 of the validation checklist, wire level: RFC 9420 §2.1 (R-2.1.1-01, R-2.1.2-01/02) and
 * the derived decoding checks D-01 (version), D-02 (closed enums) and D-03 (exact decoding), each
 * on real messages of a real group, patched at one byte and handed to a member.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '../../src/codec/codec.js';
import { Writer } from '../../src/codec/writer.js';
import { credentialCodec } from '../../src/credentials/credential.js';
import { ContentType } from '../../src/framing/content.js';
import { mlsMessageCodec } from '../../src/framing/mls-message.js';
import { decodeGroupContext, encodeGroupContext } from '../../src/key-schedule/group-context.js';
import { commitCodec } from '../../src/messages/commit.js';
import { proposalCodec, proposalOrRefCodec, ProposalType } from '../../src/messages/proposal.js';
import { newResumptionPskId } from '../../src/psk/psk-secret.js';
import { capabilitiesCodec, leafNodeCodec, ratchetTreeCodec } from '../../src/ratchet-tree/node.js';
import { concat, fromHex } from '../../src/util/bytes.js';
import { decodeMlsMessage } from '../../src/index.js';
import { buildGroup, cs, decodePublic, privateBytes, contentOf, signFc, PRIV, rejectsRule, st, type M } from './part1-support.test.js';

/** Where `needle` first occurs in `hay`. */
function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** A copy of `b` with byte `i` set to `v`. */
function patch(b: Uint8Array, i: number, v: number): Uint8Array {
  const out = b.slice();
  out[i] = v;
  return out;
}

/** `b` with the `n` bytes at `at` replaced by `bytes`. */
function splice(b: Uint8Array, at: number, n: number, bytes: number[]): Uint8Array {
  return concat(b.subarray(0, at), new Uint8Array(bytes), b.subarray(at + n));
}

// Offsets in an MLSMessage carrying a member PublicMessage of this group (32-byte group id):
// version 0–1, wire_format 2–3, group_id length 4, group_id 5–36, epoch 37–44, sender_type 45,
// leaf_index 46–49, authenticated_data length 50 (empty), content_type 51.
const GROUP_ID_LEN = 4;
const SENDER_TYPE = 45;
const CONTENT_TYPE = 51;
// In a PrivateMessage: group_id 4–36, epoch 37–44, content_type 45.
const PRIVATE_CONTENT_TYPE = 45;

let members: M[];
let a: M;
let b: M;
let proposal: Uint8Array; // a PublicMessage proposal from a (an empty GroupContextExtensions)
let application: Uint8Array; // a PrivateMessage from a

before(async () => {
  members = await buildGroup(3);
  [a, b] = members as [M, M];
  assert.equal(st(a).context.groupId.length, 32);
  application = await a.group.encrypt('hello');
  proposal = await a.group.proposeGroupContextExtensions([]);
  // Sanity: the unpatched messages are accepted by b (b keeps its state: process returns it).
  const r = await b.group.process(proposal);
  assert.equal(r.kind, 'proposal');
});

describe('§2.1 presentation language', () => {
  test('R-2.1.1-01: an optional<UpdatePath> presence octet of 2 in a real Commit is rejected', async () => {
    const state = st(b);
    const { createCommit } = await import('../../src/commit/create.js');
    const created = createCommit(state, { updatePath: true, includePending: false });
    const commit = (decodePublic(created.commit).content as { commit: import('../../src/messages/commit.js').Commit }).commit;
    const at = indexOf(created.commit, encode(commitCodec, commit));
    assert.ok(at > 0);
    assert.equal(created.commit[at], 0x00); // proposals<V>: empty
    assert.equal(created.commit[at + 1], 0x01); // optional<UpdatePath>: present
    await rejectsRule(() => decodeMlsMessage(patch(created.commit, at + 1, 0x02)), 'R-2.1.1-01', 'decode', 'ERR_DECODE_OPTIONAL_FLAG');
    await rejectsRule(a.group.process(patch(created.commit, at + 1, 0xff)), 'R-2.1.1-01', 'decode');
  });

  test('R-2.1.2-01: a non-minimal vector length header (2 bytes for 32) is rejected', async () => {
    assert.equal(proposal[GROUP_ID_LEN], 32);
    const twoBytes = splice(proposal, GROUP_ID_LEN, 1, [0x40, 0x20]);
    await rejectsRule(b.group.process(twoBytes), 'R-2.1.2-01', 'decode', 'ERR_DECODE_VARINT_NON_MINIMAL');
    const fourBytes = splice(application, GROUP_ID_LEN, 1, [0x80, 0x00, 0x00, 0x20]);
    await rejectsRule(b.group.process(fourBytes), 'R-2.1.2-01', 'decode', 'ERR_DECODE_VARINT_NON_MINIMAL');
  });

  test('R-2.1.2-02: a length header with the 11 prefix is rejected', async () => {
    const bad = splice(proposal, GROUP_ID_LEN, 1, [0xc0, 0x00, 0x00, 0x20]);
    await rejectsRule(b.group.process(bad), 'R-2.1.2-02', 'decode', 'ERR_DECODE_VARINT_PREFIX');
  });
});

describe('D-01: the protocol version is mls10', () => {
  test('D-01: an MLSMessage whose version is not mls10 is rejected', async () => {
    await rejectsRule(b.group.process(patch(proposal, 1, 2)), 'D-01', 'decode', 'ERR_DECODE_UNKNOWN_VALUE');
    await rejectsRule(b.group.process(patch(application, 0, 1)), 'D-01', 'decode');
  });

  test('D-01: a GroupContext (as in a GroupInfo) whose version is not mls10 is rejected', async () => {
    const gc = encodeGroupContext(st(b).context);
    assert.deepEqual(decodeGroupContext(gc).epoch, st(b).context.epoch);
    await rejectsRule(() => decodeGroupContext(patch(gc, 1, 2)), 'D-01', 'decode');
  });

  test('D-01: ReInit.version may be higher than mls10 (it decodes)', () => {
    const reinit = { proposalType: ProposalType.reinit, reInit: { groupId: fromHex('01'), version: 2, cipherSuite: 1, extensions: [] } } as const;
    const back = decode(proposalCodec, encode(proposalCodec, reinit));
    assert.equal(back.proposalType === ProposalType.reinit && back.reInit.version, 2);
  });
});

describe('D-02: closed enums', () => {
  test('D-02: MLSMessage.wire_format reserved(0) or undefined (6) is malformed', async () => {
    await rejectsRule(b.group.process(patch(proposal, 3, 0)), 'D-02', 'decode', 'ERR_DECODE_UNKNOWN_VALUE');
    await rejectsRule(b.group.process(patch(proposal, 3, 6)), 'D-02', 'decode');
  });

  test('D-02: Sender.sender_type 0 or 5 is malformed', async () => {
    assert.equal(proposal[SENDER_TYPE], 1);
    await rejectsRule(b.group.process(patch(proposal, SENDER_TYPE, 0)), 'D-02', 'decode');
    await rejectsRule(b.group.process(patch(proposal, SENDER_TYPE, 5)), 'D-02', 'decode');
  });

  test('D-02: FramedContent.content_type and PrivateMessage.content_type 0 or 4 are malformed', async () => {
    assert.equal(proposal[CONTENT_TYPE], ContentType.proposal);
    await rejectsRule(b.group.process(patch(proposal, CONTENT_TYPE, 0)), 'D-02', 'decode');
    await rejectsRule(b.group.process(patch(proposal, CONTENT_TYPE, 4)), 'D-02', 'decode');
    assert.equal(application[PRIVATE_CONTENT_TYPE], ContentType.application);
    await rejectsRule(b.group.process(patch(application, PRIVATE_CONTENT_TYPE, 0)), 'D-02', 'decode');
    await rejectsRule(b.group.process(patch(application, PRIVATE_CONTENT_TYPE, 4)), 'D-02', 'decode');
  });

  test('D-02: PreSharedKeyID.psktype and ResumptionPSKUsage reserved or undefined values are malformed', async () => {
    const psk = { proposalType: ProposalType.psk, preSharedKey: { psk: newResumptionPskId(cs, 1, st(a).context.groupId, 0n) } } as const;
    const bytes = encode(proposalCodec, psk);
    assert.deepEqual([...bytes.subarray(0, 4)], [0, 4, 2, 1]); // proposal_type psk, psktype resumption, usage application
    for (const v of [0, 3]) await rejectsRule(() => decode(proposalCodec, patch(bytes, 2, v)), 'D-02', 'decode');
    for (const v of [0, 4]) await rejectsRule(() => decode(proposalCodec, patch(bytes, 3, v)), 'D-02', 'decode');
  });

  test('D-02: ProposalOrRefType, LeafNodeSource and NodeType reserved or undefined values are malformed', async () => {
    for (const t of ['00', '03']) await rejectsRule(() => decode(proposalOrRefCodec, fromHex(`${t}00`)), 'D-02', 'decode');
    const leaf = st(a).tree.leafNode(st(a).myLeaf)!;
    const leafBytes = encode(leafNodeCodec, leaf);
    const prefix = new Writer().opaque(leaf.encryptionKey).opaque(leaf.signatureKey).finish();
    const sourceAt = prefix.length + encode(credentialCodec, leaf.credential).length + encode(capabilitiesCodec, leaf.capabilities).length;
    assert.equal(leafBytes[sourceAt], leaf.leafNodeSource);
    for (const v of [0, 4]) await rejectsRule(() => decode(leafNodeCodec, patch(leafBytes, sourceAt, v)), 'D-02', 'decode');
    const tree = st(a).tree.encode();
    const body = 1 << (tree[0]! >>> 6); // size of the ratchet_tree<V> length header
    assert.equal(tree[body], 1); // present
    assert.equal(tree[body + 1], 1); // node_type leaf
    for (const v of [0, 3]) await rejectsRule(() => decode(ratchetTreeCodec, patch(tree, body + 1, v)), 'D-02', 'decode');
  });
});

describe('D-03: exact decoding', () => {
  test('D-03: trailing bytes after a complete MLSMessage are malformed', async () => {
    await rejectsRule(b.group.process(concat(proposal, fromHex('00'))), 'D-03', 'decode', 'ERR_DECODE_TRAILING_BYTES');
    await rejectsRule(b.group.process(concat(application, fromHex('00'))), 'D-03', 'decode', 'ERR_DECODE_TRAILING_BYTES');
  });

  test('D-03: a truncated message, or a vector longer than the input, is malformed', async () => {
    await rejectsRule(b.group.process(proposal.subarray(0, proposal.length - 1)), 'D-03', 'decode', 'ERR_DECODE_TRUNCATED');
    await rejectsRule(b.group.process(proposal.subarray(0, GROUP_ID_LEN)), 'D-03', 'decode', 'ERR_DECODE_TRUNCATED');
    await rejectsRule(() => decode(mlsMessageCodec, fromHex('0001000105aabb')), 'D-03', 'decode', 'ERR_DECODE_TRUNCATED');
  });

  test('D-03: a SenderData whose reuse_guard is not 4 bytes, or with trailing bytes, is malformed', async () => {
    const state = st(a);
    const content = contentOf(state, { contentType: ContentType.application, applicationData: fromHex('01') });
    const auth = { signature: signFc(state, content, { wireFormat: PRIV }) };
    const sd = (n: number) => concat(new Writer().u32(state.myLeaf).u32(state.secretTree.nextGeneration(state.myLeaf, 'application')).finish(), new Uint8Array(n).fill(7));
    await rejectsRule(b.group.process(privateBytes(state, content, auth, { senderDataBytes: sd(3) })), 'D-03', 'decode', 'ERR_DECODE_TRUNCATED');
    await rejectsRule(b.group.process(privateBytes(state, content, auth, { senderDataBytes: sd(5) })), 'D-03', 'decode', 'ERR_DECODE_TRAILING_BYTES');
    // Control: a 4-byte guard is accepted.
    const ok = await b.group.process(privateBytes(state, content, auth, { senderDataBytes: sd(4), contentGuard: new Uint8Array(4).fill(7) }));
    assert.equal(ok.kind, 'application');
  });
});
