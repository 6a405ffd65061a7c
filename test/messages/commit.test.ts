/** RFC 9420 §12.4 Commit and §7.6 UpdatePath / UpdatePathNode / HPKECiphertext. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode, encode } from '../../src/codec/codec.js';
import { commitCodec, hpkeCiphertextCodec, updatePathCodec, updatePathNodeCodec, type Commit } from '../../src/messages/commit.js';
import { ProposalOrRefType, ProposalType } from '../../src/messages/proposal.js';
import { leafNodeCodec, LeafNodeSource } from '../../src/ratchet-tree/node.js';
import { concat, fromHex, toHex } from '../../src/util/bytes.js';
import { checkCodec, commitArb, decodeError, sampleLeaf, updatePathArb } from './arbitraries.js';

const path = {
  leafNode: sampleLeaf(LeafNodeSource.commit),
  nodes: [{ encryptionKey: fromHex('aa'), encryptedPathSecret: [{ kemOutput: fromHex('01'), ciphertext: fromHex('0203') }] }],
};

describe('HPKECiphertext, UpdatePathNode, UpdatePath (§7.6)', () => {
  test('hand-built encodings', () => {
    assert.equal(toHex(encode(hpkeCiphertextCodec, { kemOutput: fromHex('01'), ciphertext: fromHex('0203') })), '0101' + '020203');
    assert.equal(toHex(encode(updatePathNodeCodec, path.nodes[0]!)), '01aa' + '05' + '0101020203');
    assert.equal(toHex(encode(updatePathCodec, path)), toHex(encode(leafNodeCodec, path.leafNode)) + '08' + '01aa050101020203');
    checkCodec(updatePathCodec, path);
  });

  test('property: UpdatePath round trip and every strict prefix rejected', () => {
    fc.assert(fc.property(updatePathArb, (p) => checkCodec(updatePathCodec, p)), { numRuns: 40 });
  });
});

describe('Commit (§12.4)', () => {
  test('no proposals, no path: 00 00', () => {
    const c: Commit = { proposals: [] };
    assert.equal(toHex(encode(commitCodec, c)), '0000');
    assert.deepEqual(decode(commitCodec, fromHex('0000')), c);
    assert.equal('path' in decode(commitCodec, fromHex('0000')), false);
  });

  test('proposals by value and by reference, with a path', () => {
    const c: Commit = {
      proposals: [
        { type: ProposalOrRefType.reference, reference: fromHex('1122') },
        { type: ProposalOrRefType.proposal, proposal: { proposalType: ProposalType.remove, remove: { removed: 3 } } },
      ],
      path,
    };
    const bytes = encode(commitCodec, c);
    assert.equal(toHex(bytes).slice(0, 26), '0b' + '02021122' + '01000300000003' + '01');
    checkCodec(commitCodec, c);
  });

  test('R-2.1.1-01: a path presence octet other than 0 or 1 is rejected', () => {
    decodeError(() => decode(commitCodec, fromHex('0002')), 'ERR_DECODE_OPTIONAL_FLAG', 'R-2.1.1-01');
    decodeError(() => decode(commitCodec, fromHex('00ff')), 'ERR_DECODE_OPTIONAL_FLAG', 'R-2.1.1-01');
  });

  test('D-02: an unknown ProposalOrRef.type inside the proposals vector is rejected', () => {
    decodeError(() => decode(commitCodec, fromHex('020300' + '00')), 'ERR_DECODE_UNKNOWN_VALUE', 'D-02');
  });

  test('an unknown proposal type makes the Commit undecodable', () => {
    decodeError(() => decode(commitCodec, fromHex('04' + '01' + '0a0a' + '00' + '00')), 'ERR_DECODE_UNKNOWN_VALUE');
  });

  test('non-minimal proposals length, 11-prefix, trailing bytes', () => {
    decodeError(() => decode(commitCodec, fromHex('400000')), 'ERR_DECODE_VARINT_NON_MINIMAL', 'R-2.1.2-01');
    decodeError(() => decode(commitCodec, fromHex('c00000')), 'ERR_DECODE_VARINT_PREFIX', 'R-2.1.2-02');
    decodeError(() => decode(commitCodec, concat(encode(commitCodec, { proposals: [] }), fromHex('00'))), 'ERR_DECODE_TRAILING_BYTES');
  });

  test('a proposal that overruns the proposals vector is rejected', () => {
    // proposals<V> claims 3 bytes; the Remove inside needs 1 + 2 + 4.
    decodeError(() => decode(commitCodec, fromHex('03' + '010003' + '00000001' + '00')), 'ERR_DECODE_TRUNCATED');
  });

  test('property: round trip and every strict prefix rejected', () => {
    fc.assert(fc.property(commitArb, (c) => checkCodec(commitCodec, c)), { numRuns: 40 });
  });
});
