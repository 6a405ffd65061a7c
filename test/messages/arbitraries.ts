/**
 * fast-check generators for the RFC 9420 wire structures, and the shared assertions of the codec
 * property tests (round trip; every strict prefix rejected with a DecodeError). Test-only.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode, encode, type Codec } from '../../src/codec/codec.js';
import { CredentialType, type Credential } from '../../src/credentials/credential.js';
import type { Extension } from '../../src/extensions/extension.js';
import { DecodeError } from '../../src/errors.js';
import type { Commit, HpkeCiphertext, UpdatePath } from '../../src/messages/commit.js';
import type { GroupContext } from '../../src/key-schedule/group-context.js';
import type { GroupInfo } from '../../src/messages/group-info.js';
import type { KeyPackage } from '../../src/messages/key-package.js';
import { ProposalOrRefType, ProposalType, type Proposal, type ProposalOrRef } from '../../src/messages/proposal.js';
import type { GroupSecrets, Welcome } from '../../src/messages/welcome.js';
import { PskType, type PreSharedKeyId } from '../../src/psk/psk-id.js';
import { LeafNodeSource, NodeType, type Capabilities, type LeafNode, type Node, type ParentNode } from '../../src/ratchet-tree/node.js';

/** Asserts `f` throws a DecodeError with `code` (and `rule`, when given). */
export function decodeError(f: () => unknown, code: string, rule?: string): void {
  assert.throws(f, (err: unknown) => {
    assert.ok(err instanceof DecodeError, `expected a DecodeError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (rule !== undefined) assert.equal(err.rule, rule);
    return true;
  });
}

/** encode∘decode is the identity on values, decode∘encode on bytes; every strict prefix is a DecodeError. */
export function checkCodec<T>(c: Codec<T>, value: T): void {
  const bytes = encode(c, value);
  const back = decode(c, bytes);
  assert.deepStrictEqual(back, value);
  assert.deepStrictEqual(encode(c, back), bytes);
  for (let n = 0; n < bytes.length; n++) {
    try {
      decode(c, bytes.subarray(0, n));
    } catch (err) {
      if (err instanceof DecodeError) continue;
      throw new Error(`${c.name}: prefix of ${n}/${bytes.length} bytes threw a non-DecodeError: ${String(err)}`, { cause: err });
    }
    assert.fail(`${c.name}: prefix of ${n}/${bytes.length} bytes decoded`);
  }
}

/** fc.record without null-prototype objects (decoders build ordinary objects; deepStrictEqual compares prototypes). */
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true }) as unknown as fc.Arbitrary<T>;
}

const bytes = (maxLength = 12): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
const u16List = fc.array(u16, { maxLength: 4 });

export const credentialArb: fc.Arbitrary<Credential> = fc.oneof(
  bytes().map((identity): Credential => ({ credentialType: CredentialType.basic, identity })),
  fc
    .array(bytes().map((certData) => ({ certData })), { maxLength: 3 })
    .map((certificates): Credential => ({ credentialType: CredentialType.x509, certificates })),
);

export const extensionArb: fc.Arbitrary<Extension> = rec({ extensionType: u16, extensionData: bytes() });
export const extensionsArb = fc.array(extensionArb, { maxLength: 3 });

export const capabilitiesArb: fc.Arbitrary<Capabilities> = rec({
  versions: u16List,
  cipherSuites: u16List,
  extensions: u16List,
  proposals: u16List,
  credentials: u16List,
});

const leafFields = rec({
  encryptionKey: bytes(),
  signatureKey: bytes(),
  credential: credentialArb,
  capabilities: capabilitiesArb,
  extensions: extensionsArb,
  signature: bytes(),
});

export const leafNodeArb: fc.Arbitrary<LeafNode> = fc.oneof(
  fc
    .tuple(leafFields, u64, u64)
    .map(([f, notBefore, notAfter]): LeafNode => ({ ...f, leafNodeSource: LeafNodeSource.keyPackage, lifetime: { notBefore, notAfter } })),
  leafFields.map((f): LeafNode => ({ ...f, leafNodeSource: LeafNodeSource.update })),
  fc.tuple(leafFields, bytes()).map(([f, parentHash]): LeafNode => ({ ...f, leafNodeSource: LeafNodeSource.commit, parentHash })),
);

export const parentNodeArb: fc.Arbitrary<ParentNode> = rec({
  encryptionKey: bytes(),
  parentHash: bytes(),
  unmergedLeaves: fc.array(u32, { maxLength: 4 }),
});

export const nodeArb: fc.Arbitrary<Node> = fc.oneof(
  leafNodeArb.map((leafNode): Node => ({ nodeType: NodeType.leaf, leafNode })),
  parentNodeArb.map((parentNode): Node => ({ nodeType: NodeType.parent, parentNode })),
);

export const keyPackageArb: fc.Arbitrary<KeyPackage> = rec({
  version: u16,
  cipherSuite: u16,
  initKey: bytes(),
  leafNode: leafNodeArb,
  extensions: extensionsArb,
  signature: bytes(),
});

export const pskIdArb: fc.Arbitrary<PreSharedKeyId> = fc.oneof(
  fc.tuple(bytes(), bytes()).map(([pskId, pskNonce]): PreSharedKeyId => ({ pskType: PskType.external, pskId, pskNonce })),
  fc
    .tuple(fc.constantFrom(1 as const, 2 as const, 3 as const), bytes(), u64, bytes())
    .map(([usage, pskGroupId, pskEpoch, pskNonce]): PreSharedKeyId => ({ pskType: PskType.resumption, usage, pskGroupId, pskEpoch, pskNonce })),
);

export const proposalArb: fc.Arbitrary<Proposal> = fc.oneof(
  keyPackageArb.map((keyPackage): Proposal => ({ proposalType: ProposalType.add, add: { keyPackage } })),
  leafNodeArb.map((leafNode): Proposal => ({ proposalType: ProposalType.update, update: { leafNode } })),
  u32.map((removed): Proposal => ({ proposalType: ProposalType.remove, remove: { removed } })),
  pskIdArb.map((psk): Proposal => ({ proposalType: ProposalType.psk, preSharedKey: { psk } })),
  rec({ groupId: bytes(), version: u16, cipherSuite: u16, extensions: extensionsArb })
    .map((reInit): Proposal => ({ proposalType: ProposalType.reinit, reInit })),
  bytes().map((kemOutput): Proposal => ({ proposalType: ProposalType.externalInit, externalInit: { kemOutput } })),
  extensionsArb.map((extensions): Proposal => ({ proposalType: ProposalType.groupContextExtensions, groupContextExtensions: { extensions } })),
);

export const proposalOrRefArb: fc.Arbitrary<ProposalOrRef> = fc.oneof(
  proposalArb.map((proposal): ProposalOrRef => ({ type: ProposalOrRefType.proposal, proposal })),
  bytes(32).map((reference): ProposalOrRef => ({ type: ProposalOrRefType.reference, reference })),
);

export const hpkeCiphertextArb: fc.Arbitrary<HpkeCiphertext> = rec({ kemOutput: bytes(), ciphertext: bytes() });

export const updatePathArb: fc.Arbitrary<UpdatePath> = rec({
  leafNode: leafNodeArb,
  nodes: fc.array(rec({ encryptionKey: bytes(), encryptedPathSecret: fc.array(hpkeCiphertextArb, { maxLength: 2 }) }), { maxLength: 3 }),
});

export const commitArb: fc.Arbitrary<Commit> = fc
  .tuple(fc.array(proposalOrRefArb, { maxLength: 3 }), fc.option(updatePathArb, { nil: undefined }))
  .map(([proposals, path]): Commit => (path === undefined ? { proposals } : { proposals, path }));

/** GroupContext.version is mls10: the shared codec rejects anything else (D-01). */
export const groupContextArb: fc.Arbitrary<GroupContext> = rec({
  version: fc.constant(1 as const),
  cipherSuite: u16,
  groupId: bytes(),
  epoch: u64,
  treeHash: bytes(),
  confirmedTranscriptHash: bytes(),
  extensions: extensionsArb,
});

export const groupInfoArb: fc.Arbitrary<GroupInfo> = rec({
  groupContext: groupContextArb,
  extensions: extensionsArb,
  confirmationTag: bytes(),
  signer: u32,
  signature: bytes(),
});

export const groupSecretsArb: fc.Arbitrary<GroupSecrets> = fc
  .tuple(bytes(), fc.option(bytes(), { nil: undefined }), fc.array(pskIdArb, { maxLength: 3 }))
  .map(([joinerSecret, ps, psks]): GroupSecrets => (ps === undefined ? { joinerSecret, psks } : { joinerSecret, pathSecret: { pathSecret: ps }, psks }));

export const welcomeArb: fc.Arbitrary<Welcome> = rec({
  cipherSuite: u16,
  secrets: fc.array(rec({ newMember: bytes(), encryptedGroupSecrets: hpkeCiphertextArb }), { maxLength: 3 }),
  encryptedGroupInfo: bytes(40),
});

/** A small, fixed LeafNode for hand-built tests. */
export function sampleLeaf(source: LeafNodeSource = LeafNodeSource.keyPackage): LeafNode {
  const fields = {
    encryptionKey: new Uint8Array([1, 2, 3]),
    signatureKey: new Uint8Array([4, 5]),
    credential: { credentialType: CredentialType.basic, identity: new Uint8Array([0x61]) } as Credential,
    capabilities: { versions: [1], cipherSuites: [1], extensions: [0x0a0a], proposals: [], credentials: [1] },
    extensions: [{ extensionType: 0x0a0a, extensionData: new Uint8Array([9]) }],
    signature: new Uint8Array([0xee, 0xff]),
  };
  if (source === LeafNodeSource.keyPackage) return { ...fields, leafNodeSource: source, lifetime: { notBefore: 1n, notAfter: 2n ** 64n - 1n } };
  if (source === LeafNodeSource.update) return { ...fields, leafNodeSource: source };
  return { ...fields, leafNodeSource: source, parentHash: new Uint8Array([7, 7]) };
}

export function sampleKeyPackage(): KeyPackage {
  return {
    version: 1,
    cipherSuite: 1,
    initKey: new Uint8Array([0x10, 0x11]),
    leafNode: sampleLeaf(),
    extensions: [],
    signature: new Uint8Array([0xab]),
  };
}
