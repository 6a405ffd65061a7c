/** RFC 9420 §12.1 proposals and §12.4 ProposalOrRef. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode, encode } from '../../src/codec/codec.js';
import { UsageError } from '../../src/errors.js';
import { keyPackageCodec } from '../../src/messages/key-package.js';
import {
  addCodec,
  externalInitCodec,
  groupContextExtensionsCodec,
  preSharedKeyCodec,
  proposalCodec,
  proposalOrRefCodec,
  ProposalOrRefType,
  ProposalType,
  reInitCodec,
  removeCodec,
  updateCodec,
  type Proposal,
} from '../../src/messages/proposal.js';
import { PskType, ResumptionPskUsage } from '../../src/psk/psk-id.js';
import { leafNodeCodec, LeafNodeSource } from '../../src/ratchet-tree/node.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { checkCodec, decodeError, proposalArb, proposalOrRefArb, sampleKeyPackage, sampleLeaf } from './arbitraries.js';

describe('proposal bodies (§12.1.1–§12.1.7)', () => {
  test('Add is a bare KeyPackage', () => {
    const kp = sampleKeyPackage();
    assert.deepEqual(encode(addCodec, { keyPackage: kp }), encode(keyPackageCodec, kp));
    checkCodec(addCodec, { keyPackage: kp });
  });

  test('Update is a bare LeafNode', () => {
    const leaf = sampleLeaf(LeafNodeSource.update);
    assert.deepEqual(encode(updateCodec, { leafNode: leaf }), encode(leafNodeCodec, leaf));
    checkCodec(updateCodec, { leafNode: leaf });
  });

  test('Remove is a uint32', () => {
    assert.equal(toHex(encode(removeCodec, { removed: 0x24575cdb })), '24575cdb');
    checkCodec(removeCodec, { removed: 0xffffffff });
    decodeError(() => decode(removeCodec, fromHex('000000')), 'ERR_DECODE_TRUNCATED');
  });

  test('PreSharedKey is a PreSharedKeyID', () => {
    const ext = { psk: { pskType: PskType.external, pskId: fromHex('aa'), pskNonce: fromHex('bbcc') } } as const;
    assert.equal(toHex(encode(preSharedKeyCodec, ext)), '01' + '01aa' + '02bbcc');
    checkCodec(preSharedKeyCodec, ext);
    const res = {
      psk: { pskType: PskType.resumption, usage: ResumptionPskUsage.branch, pskGroupId: fromHex('01'), pskEpoch: 7n, pskNonce: fromHex('') },
    } as const;
    assert.equal(toHex(encode(preSharedKeyCodec, res)), '02' + '03' + '0101' + '0000000000000007' + '00');
    checkCodec(preSharedKeyCodec, res);
  });

  test('ReInit: group_id<V>, version, cipher_suite, extensions<V> (version may be above mls10)', () => {
    const v = { groupId: fromHex('6767'), version: 2, cipherSuite: 3, extensions: [{ extensionType: 0x0a0a, extensionData: fromHex('') }] };
    assert.equal(toHex(encode(reInitCodec, v)), '026767' + '0002' + '0003' + '03' + '0a0a00');
    checkCodec(reInitCodec, v);
  });

  test('ExternalInit and GroupContextExtensions', () => {
    assert.equal(toHex(encode(externalInitCodec, { kemOutput: fromHex('0102') })), '020102');
    checkCodec(externalInitCodec, { kemOutput: fromHex('0102') });
    assert.equal(toHex(encode(groupContextExtensionsCodec, { extensions: [] })), '00');
    checkCodec(groupContextExtensionsCodec, { extensions: [{ extensionType: 5, extensionData: fromHex('00') }] });
  });
});

describe('Proposal (§12.1)', () => {
  test('hand-built: proposal_type (uint16) then the body', () => {
    const p: Proposal = { proposalType: ProposalType.remove, remove: { removed: 5 } };
    assert.equal(toHex(encode(proposalCodec, p)), '0003' + '00000005');
    assert.deepEqual(decode(proposalCodec, fromHex('000300000005')), p);
    const gce: Proposal = { proposalType: ProposalType.groupContextExtensions, groupContextExtensions: { extensions: [] } };
    assert.equal(toHex(encode(proposalCodec, gce)), '000700');
  });

  test('every known type round-trips', () => {
    const proposals: Proposal[] = [
      { proposalType: ProposalType.add, add: { keyPackage: sampleKeyPackage() } },
      { proposalType: ProposalType.update, update: { leafNode: sampleLeaf(LeafNodeSource.update) } },
      { proposalType: ProposalType.remove, remove: { removed: 1 } },
      { proposalType: ProposalType.psk, preSharedKey: { psk: { pskType: PskType.external, pskId: fromHex('01'), pskNonce: fromHex('02') } } },
      { proposalType: ProposalType.reinit, reInit: { groupId: fromHex('01'), version: 1, cipherSuite: 1, extensions: [] } },
      { proposalType: ProposalType.externalInit, externalInit: { kemOutput: fromHex('09') } },
      { proposalType: ProposalType.groupContextExtensions, groupContextExtensions: { extensions: [] } },
    ];
    for (const p of proposals) checkCodec(proposalCodec, p);
  });

  test('unknown proposal types (reserved 0, unassigned, GREASE) cannot be delimited and are rejected', () => {
    for (const t of ['0000', '0008', '000a', '0a0a', 'fafa']) {
      decodeError(() => decode(proposalCodec, fromHex(t + '00')), 'ERR_DECODE_UNKNOWN_VALUE');
    }
  });

  test('encoding an unknown proposal type is a usage error', () => {
    assert.throws(() => encode(proposalCodec, { proposalType: 9 } as unknown as Proposal), UsageError);
  });

  test('an unknown psktype or usage inside PreSharedKey is rejected', () => {
    decodeError(() => decode(proposalCodec, fromHex('0004' + '03' + '00' + '00')), 'ERR_DECODE_UNKNOWN_VALUE');
    decodeError(() => decode(proposalCodec, fromHex('0004' + '02' + '04' + '00' + '0000000000000000' + '00')), 'ERR_DECODE_UNKNOWN_VALUE');
  });

  test('trailing bytes are rejected', () => {
    decodeError(() => decode(proposalCodec, fromHex('00030000000500')), 'ERR_DECODE_TRAILING_BYTES');
  });

  test('property: round trip and every strict prefix rejected', () => {
    fc.assert(fc.property(proposalArb, (p) => checkCodec(proposalCodec, p)), { numRuns: 80 });
  });
});

describe('ProposalOrRef (§12.4)', () => {
  test('hand-built: proposal (1) and reference (2)', () => {
    const byValue = { type: ProposalOrRefType.proposal, proposal: { proposalType: ProposalType.remove, remove: { removed: 2 } } } as const;
    assert.equal(toHex(encode(proposalOrRefCodec, byValue)), '01' + '0003' + '00000002');
    const byRef = { type: ProposalOrRefType.reference, reference: fromHex('abcdef') } as const;
    assert.equal(toHex(encode(proposalOrRefCodec, byRef)), '02' + '03abcdef');
    checkCodec(proposalOrRefCodec, byValue);
    checkCodec(proposalOrRefCodec, byRef);
  });

  test('D-02: ProposalOrRef.type reserved(0) and undefined values are malformed', () => {
    for (const t of ['00', '03', 'ff']) decodeError(() => decode(proposalOrRefCodec, fromHex(t + '00')), 'ERR_DECODE_UNKNOWN_VALUE', 'D-02');
  });

  test('R-2.1.2-01: a non-minimal reference length is rejected', () => {
    decodeError(() => decode(proposalOrRefCodec, fromHex('02' + '4001' + 'aa')), 'ERR_DECODE_VARINT_NON_MINIMAL', 'R-2.1.2-01');
  });

  test('property: round trip and every strict prefix rejected', () => {
    fc.assert(fc.property(proposalOrRefArb, (p) => checkCodec(proposalOrRefCodec, p)), { numRuns: 60 });
  });
});
