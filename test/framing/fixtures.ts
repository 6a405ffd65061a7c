/**
 * Shared fixtures for the framing tests (RFC 9420 §6): a suite, a member's signing key, a
 * GroupContext, contents of each type and sender, and an error assertion that checks the rule id.
 * Test-only.
 */
import assert from 'node:assert/strict';
import type { CipherSuite, KeyPair } from '../../src/crypto/cipher-suite.js';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import { MlsError, ValidationError } from '../../src/errors.js';
import { ContentType, framedContent, SenderType, type FramedBody, type FramedContent, type Sender } from '../../src/framing/content.js';
import { encodeGroupContext, ProtocolVersion } from '../../src/key-schedule/group-context.js';
import { ProposalType, type Proposal } from '../../src/messages/proposal.js';
import type { Commit } from '../../src/messages/commit.js';
import { fromHex, utf8 } from '../../src/util/bytes.js';

export const cs: CipherSuite = nodeCipherSuite(1);

/** One signing key pair for the whole file (generation is the slow part of a signature test). */
export const signer: KeyPair = cs.signatureScheme.generateKeyPair();

export const GROUP_ID = utf8('framing test group');
export const EPOCH = 0x1234_5678_9abc_def0n; // above 2^53: bigint end to end

export function groupContextFor(suite: CipherSuite, epoch: bigint = EPOCH): Uint8Array {
  return encodeGroupContext({
    version: ProtocolVersion.mls10,
    cipherSuite: suite.id,
    groupId: GROUP_ID,
    epoch,
    treeHash: new Uint8Array(suite.Nh).fill(0x11),
    confirmedTranscriptHash: new Uint8Array(suite.Nh).fill(0x22),
    extensions: [],
  });
}

export const groupContext = groupContextFor(cs);

export const removeProposal: Proposal = { proposalType: ProposalType.remove, remove: { removed: 2 } };
export const addlessCommit: Commit = { proposals: [{ type: 1, proposal: removeProposal }] };

export const bodies = {
  application: { contentType: ContentType.application, applicationData: utf8('hello, group') },
  proposal: { contentType: ContentType.proposal, proposal: removeProposal },
  commit: { contentType: ContentType.commit, commit: addlessCommit },
} as const satisfies Record<string, FramedBody>;

export const senders = {
  member: { senderType: SenderType.member, leafIndex: 3 },
  external: { senderType: SenderType.external, senderIndex: 0 },
  newMemberProposal: { senderType: SenderType.new_member_proposal },
  newMemberCommit: { senderType: SenderType.new_member_commit },
} as const satisfies Record<string, Sender>;

export function content(sender: Sender, body: FramedBody, authenticatedData: Uint8Array = fromHex('a0a1')): FramedContent {
  return framedContent({ groupId: GROUP_ID, epoch: EPOCH, sender, authenticatedData }, body);
}

/** Asserts `f` throws a ValidationError carrying `rule` (and `code`, when given). */
export function throwsRule(f: () => unknown, rule: string, code?: string): void {
  assert.throws(f, (err: unknown) => {
    assert.ok(err instanceof ValidationError, `expected a ValidationError, got ${String(err)}`);
    assert.equal(err.rule, rule);
    if (code !== undefined) assert.equal(err.code, code);
    return true;
  });
}

/** Asserts `f` throws an MlsError of `kind` with `code`. */
export function throwsCode(f: () => unknown, kind: MlsError['kind'], code: string): void {
  assert.throws(f, (err: unknown) => {
    assert.ok(err instanceof MlsError, `expected an MlsError, got ${String(err)}`);
    assert.equal(err.kind, kind);
    assert.equal(err.code, code);
    return true;
  });
}

/** Asserts `f` throws an MlsError about `field` (any kind: caller mistakes may be reported as decode or usage errors). */
export function throwsField(f: () => unknown, field: string): void {
  assert.throws(f, (err: unknown) => {
    assert.ok(err instanceof MlsError, `expected an MlsError, got ${String(err)}`);
    assert.equal(err.field, field);
    return true;
  });
}

/** A copy of `b` with one bit of byte `i` (default: the last) flipped. */
export function flip(b: Uint8Array, i = b.length - 1): Uint8Array {
  const out = b.slice();
  out[i] = out[i]! ^ 0x01;
  return out;
}
