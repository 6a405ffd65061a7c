/** RFC 9420 §7.1, §7.2, §7.8, §12.4.3.3: LeafNode, ParentNode, Node and the ratchet_tree codec. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode, encode } from '../../src/codec/codec.js';
import { Writer } from '../../src/codec/writer.js';
import { UsageError } from '../../src/errors.js';
import {
  capabilitiesCodec,
  leafNodeCodec,
  leafNodeTbs,
  LeafNodeSource,
  lifetimeCodec,
  nodeCodec,
  NodeType,
  parentNodeCodec,
  ratchetTreeCodec,
  type LeafNode,
  type Node,
} from '../../src/ratchet-tree/node.js';
import { concat, fromHex, toHex } from '../../src/util/bytes.js';
import { checkCodec, decodeError, leafNodeArb, nodeArb, parentNodeArb, sampleLeaf } from '../messages/arbitraries.js';

/** sampleLeaf's bytes up to leaf_node_source (exclusive). */
const SAMPLE_PREFIX =
  '03010203' + '020405' + '0001' + '0161' + /* capabilities */ '020001' + '020001' + '020a0a' + '00' + '020001';
const SAMPLE_EXTENSIONS = '04' + '0a0a' + '0109';
const SAMPLE_SIGNATURE = '02eeff';

describe('LeafNode (§7.2)', () => {
  test('key_package source: lifetime (two uint64)', () => {
    const leaf = sampleLeaf(LeafNodeSource.keyPackage);
    const expected = SAMPLE_PREFIX + '01' + '0000000000000001' + 'ffffffffffffffff' + SAMPLE_EXTENSIONS + SAMPLE_SIGNATURE;
    assert.equal(toHex(encode(leafNodeCodec, leaf)), expected);
    checkCodec(leafNodeCodec, leaf);
  });

  test('update source: no body', () => {
    const leaf = sampleLeaf(LeafNodeSource.update);
    assert.equal(toHex(encode(leafNodeCodec, leaf)), SAMPLE_PREFIX + '02' + SAMPLE_EXTENSIONS + SAMPLE_SIGNATURE);
    checkCodec(leafNodeCodec, leaf);
  });

  test('commit source: parent_hash<V>', () => {
    const leaf = sampleLeaf(LeafNodeSource.commit);
    assert.equal(toHex(encode(leafNodeCodec, leaf)), SAMPLE_PREFIX + '03' + '020707' + SAMPLE_EXTENSIONS + SAMPLE_SIGNATURE);
    checkCodec(leafNodeCodec, leaf);
  });

  test('D-02: leaf_node_source reserved(0) and undefined values are malformed', () => {
    for (const s of ['00', '04', 'ff']) {
      decodeError(() => decode(leafNodeCodec, fromHex(SAMPLE_PREFIX + s + SAMPLE_EXTENSIONS + SAMPLE_SIGNATURE)), 'ERR_DECODE_UNKNOWN_VALUE', 'D-02');
    }
  });

  test('an unknown credential type is rejected', () => {
    const bad = SAMPLE_PREFIX.replace('0001' + '0161', '0005' + '0161');
    decodeError(() => decode(leafNodeCodec, fromHex(bad + '02' + SAMPLE_EXTENSIONS + SAMPLE_SIGNATURE)), 'ERR_DECODE_UNKNOWN_VALUE');
  });

  test('unknown capability and extension values (GREASE included) decode and round-trip (R-7.2-05)', () => {
    const leaf = decode(leafNodeCodec, encode(leafNodeCodec, sampleLeaf()));
    assert.deepEqual(leaf.capabilities.extensions, [0x0a0a]);
    assert.equal(leaf.extensions[0]?.extensionType, 0x0a0a);
  });

  test('non-minimal length, trailing bytes', () => {
    const good = encode(leafNodeCodec, sampleLeaf(LeafNodeSource.update));
    decodeError(() => decode(leafNodeCodec, concat(good, fromHex('00'))), 'ERR_DECODE_TRAILING_BYTES');
    const nonMinimal = fromHex('4003010203' + toHex(good).slice(8));
    decodeError(() => decode(leafNodeCodec, nonMinimal), 'ERR_DECODE_VARINT_NON_MINIMAL', 'R-2.1.2-01');
  });

  test('decoded keys are views into the input', () => {
    const bytes = encode(leafNodeCodec, sampleLeaf());
    const leaf = decode(leafNodeCodec, bytes);
    assert.equal(leaf.encryptionKey.buffer, bytes.buffer);
    assert.equal(leaf.signature.buffer, bytes.buffer);
  });

  test('property: round trip and every strict prefix rejected', () => {
    fc.assert(fc.property(leafNodeArb, (leaf) => checkCodec(leafNodeCodec, leaf)), { numRuns: 60 });
  });
});

describe('LeafNodeTBS (§7.2)', () => {
  test('key_package: the LeafNode without its signature; group context ignored', () => {
    const leaf = sampleLeaf(LeafNodeSource.keyPackage);
    const full = encode(leafNodeCodec, leaf);
    const tbs = full.subarray(0, full.length - 3);
    assert.deepEqual(leafNodeTbs(leaf), tbs);
    assert.deepEqual(leafNodeTbs(leaf, fromHex('abcd'), 5), tbs);
  });

  test('update and commit: then group_id<V> and uint32 leaf_index', () => {
    for (const source of [LeafNodeSource.update, LeafNodeSource.commit]) {
      const leaf = sampleLeaf(source);
      const full = encode(leafNodeCodec, leaf);
      const expected = concat(full.subarray(0, full.length - 3), fromHex('02abcd' + '00000005'));
      assert.deepEqual(leafNodeTbs(leaf, fromHex('abcd'), 5), expected);
    }
  });

  test('update and commit without group context are a usage error', () => {
    assert.throws(() => leafNodeTbs(sampleLeaf(LeafNodeSource.update)), UsageError);
    assert.throws(() => leafNodeTbs(sampleLeaf(LeafNodeSource.commit), fromHex('00')), UsageError);
  });

  test('encoding an invalid leaf_node_source is a usage error', () => {
    const bad = { ...sampleLeaf(LeafNodeSource.update), leafNodeSource: 0 } as unknown as LeafNode;
    assert.throws(() => encode(leafNodeCodec, bad), UsageError);
  });
});

describe('Capabilities and Lifetime (§7.2)', () => {
  test('Capabilities: five uint16 vectors', () => {
    const v = { versions: [1], cipherSuites: [1, 0x0a0a], extensions: [], proposals: [0xffff], credentials: [1, 2] };
    assert.equal(toHex(encode(capabilitiesCodec, v)), '020001' + '0400010a0a' + '00' + '02ffff' + '0400010002');
    checkCodec(capabilitiesCodec, v);
  });

  test('Lifetime: uint64 as bigint, full range', () => {
    checkCodec(lifetimeCodec, { notBefore: 0n, notAfter: 0xffffffffffffffffn });
    const w = new Writer();
    assert.throws(() => lifetimeCodec.encode(w, { notBefore: -1n, notAfter: 0n }), UsageError);
  });
});

describe('ParentNode and Node (§7.1, §7.8)', () => {
  test('ParentNode: unmerged_leaves is a uint32 vector', () => {
    const p = { encryptionKey: fromHex('01'), parentHash: fromHex(''), unmergedLeaves: [1, 0xffffffff] };
    assert.equal(toHex(encode(parentNodeCodec, p)), '0101' + '00' + '08' + '00000001' + 'ffffffff');
    checkCodec(parentNodeCodec, p);
  });

  test('ParentNode: an unmerged_leaves body that is not a multiple of 4 is rejected', () => {
    decodeError(() => decode(parentNodeCodec, fromHex('0101' + '00' + '03000000')), 'ERR_DECODE_TRUNCATED');
  });

  test('D-02: node_type reserved(0) and undefined values are malformed', () => {
    const parent = toHex(encode(parentNodeCodec, { encryptionKey: fromHex('01'), parentHash: fromHex(''), unmergedLeaves: [] }));
    assert.equal(toHex(encode(nodeCodec, decode(nodeCodec, fromHex('02' + parent)))), '02' + parent);
    for (const t of ['00', '03']) decodeError(() => decode(nodeCodec, fromHex(t + parent)), 'ERR_DECODE_UNKNOWN_VALUE', 'D-02');
  });

  test('property: ParentNode and Node round trip, every strict prefix rejected', () => {
    fc.assert(fc.property(parentNodeArb, (p) => checkCodec(parentNodeCodec, p)), { numRuns: 60 });
    fc.assert(fc.property(nodeArb, (n) => checkCodec(nodeCodec, n)), { numRuns: 60 });
  });
});

describe('ratchet_tree (§12.4.3.3)', () => {
  const leaf: Node = { nodeType: NodeType.leaf, leafNode: sampleLeaf() };
  const parent: Node = { nodeType: NodeType.parent, parentNode: { encryptionKey: fromHex('aa'), parentHash: fromHex(''), unmergedLeaves: [] } };

  test('optional<Node> entries: blanks are a single 00', () => {
    const tree = [leaf, undefined, undefined, parent, leaf];
    const bytes = encode(ratchetTreeCodec, tree);
    const leafHex = toHex(encode(nodeCodec, leaf));
    const body = '01' + leafHex + '00' + '00' + '01' + toHex(encode(nodeCodec, parent)) + '01' + leafHex;
    assert.equal(toHex(bytes).slice(-body.length), body);
    assert.deepEqual(decode(ratchetTreeCodec, bytes), tree);
    checkCodec(ratchetTreeCodec, tree);
  });

  test('an empty tree decodes (structure is checked on join, not here)', () => {
    assert.deepEqual(decode(ratchetTreeCodec, fromHex('00')), []);
  });

  test('R-2.1.1-01: a presence octet other than 0 or 1 is rejected', () => {
    decodeError(() => decode(ratchetTreeCodec, fromHex('0102')), 'ERR_DECODE_OPTIONAL_FLAG', 'R-2.1.1-01');
    decodeError(() => decode(ratchetTreeCodec, fromHex('01ff')), 'ERR_DECODE_OPTIONAL_FLAG', 'R-2.1.1-01');
  });

  test('property: random trees round trip, every strict prefix rejected', () => {
    fc.assert(
      fc.property(fc.array(fc.option(nodeArb, { nil: undefined }), { maxLength: 5 }), (tree) => checkCodec(ratchetTreeCodec, tree)),
      { numRuns: 30 },
    );
  });
});
