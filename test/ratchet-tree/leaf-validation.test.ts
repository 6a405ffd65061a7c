/**
 * RFC 9420 §7.3 with §7.2, §5.1, §5.3, §13.4: one passing case per context and one negative test
 * per rule, each asserting the rule id (and the error code family) of the ValidationError.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyPair } from '../../src/crypto/cipher-suite.js';
import { CredentialType } from '../../src/credentials/credential.js';
import { ValidationError } from '../../src/errors.js';
import { validateLeafNode, type LeafValidationContext, type LeafValidationOptions } from '../../src/ratchet-tree/leaf-validation.js';
import type { LeafNode } from '../../src/ratchet-tree/node.js';
import { NodeType } from '../../src/ratchet-tree/node.js';
import { PublicTree } from '../../src/ratchet-tree/tree.js';
import { leafIndex } from '../../src/tree-math/index.js';
import { utf8 } from '../../src/util/bytes.js';
import { basic, caps, commitLeaf, cs, GROUP_ID, GroupSim, kpLeaf, NOW, sign, throwsRule, updateLeaf, uniqueKey } from './helpers.js';

// A signed four-member group with a committed path (so parents hold keys too).
const sim = new GroupSim(true);
for (let i = 0; i < 3; i++) sim.add();
sim.commit(leafIndex(0));
const tree = sim.tree;
const signerOf = (l: number): KeyPair => sim.signers.get(l)!;
const fresh = (): KeyPair => cs.signatureScheme.generateKeyPair();
const x509 = { credentialType: CredentialType.x509, certificates: [{ certData: utf8('not parsed here') }] } as const;

function check(leaf: LeafNode, ctx: Partial<LeafValidationContext> & Pick<LeafValidationContext, 'context'>, options: LeafValidationOptions = {}, t: PublicTree = tree): void {
  validateLeafNode(cs, leaf, { tree: t, groupId: GROUP_ID, ...ctx }, { now: NOW, ...options });
}
const asKeyPackage = { context: 'keyPackage' } as const;
const asUpdate = (l: number) => ({ context: 'update', leafIndex: leafIndex(l) }) as const;
const asCommit = (l: number) => ({ context: 'commit', leafIndex: leafIndex(l) }) as const;
const asTree = (l: number) => ({ context: 'tree', leafIndex: leafIndex(l) }) as const;

/** A tree of signed key_package leaves only (no parents), built from the given leaves. */
function leavesTree(leaves: LeafNode[]): PublicTree {
  const nodes = leaves.flatMap((leafNode, i) => (i === 0 ? [{ nodeType: NodeType.leaf, leafNode } as const] : [undefined, { nodeType: NodeType.leaf, leafNode } as const]));
  return PublicTree.fromRatchetTree(cs, nodes);
}

describe('valid LeafNodes pass in every context', () => {
  test('keyPackage, update, commit and tree', () => {
    check(kpLeaf(fresh()), asKeyPackage);
    check(updateLeaf(1, signerOf(1)), asUpdate(1));
    check(commitLeaf(2, uniqueKey(), signerOf(2)), asCommit(2));
    for (const [l, leaf] of tree.leaves()) check(leaf, asTree(l));
  });

  test('without a tree, only the checks on the LeafNode itself run', () => {
    validateLeafNode(cs, kpLeaf(fresh()), { context: 'keyPackage' }, { now: NOW });
  });

  test('an Update may keep its signature key; application_id needs no capability (A-2)', () => {
    const s = signerOf(3);
    check(updateLeaf(3, s, { extensions: [{ extensionType: 1, extensionData: new Uint8Array([0]) }] }), asUpdate(3));
  });
});

describe('leaf_node_source by context (§7.3)', () => {
  test('R-7.3-07: a KeyPackage LeafNode has source key_package', () => {
    throwsRule(() => check(updateLeaf(9, fresh()), asKeyPackage), 'R-7.3-07', 'ERR_VALIDATION_LEAF_NODE');
  });
  test('R-7.3-08: an Update LeafNode has source update', () => {
    throwsRule(() => check(kpLeaf(signerOf(1)), asUpdate(1)), 'R-7.3-08');
  });
  test('R-7.3-10: an UpdatePath LeafNode has source commit', () => {
    throwsRule(() => check(updateLeaf(1, signerOf(1)), asCommit(1)), 'R-7.3-10');
  });
});

describe('capabilities and extensions (§7.2, §13.4)', () => {
  test('R-7.2-02: versions must list the group version, cipher_suites the suite', () => {
    throwsRule(() => check(kpLeaf(fresh(), { capabilities: caps({ versions: [2] }) }), asKeyPackage), 'R-7.2-02', 'ERR_VALIDATION_CAPABILITIES');
    throwsRule(() => check(kpLeaf(fresh(), { capabilities: caps({ cipherSuites: [2, 3] }) }), asKeyPackage), 'R-7.2-02');
  });
  test('R-7.2-04: credentials must list the own credential type', () => {
    throwsRule(() => check(kpLeaf(fresh(), { capabilities: caps({ credentials: [2] }) }), asKeyPackage), 'R-7.2-04');
  });
  test('R-5.3-01: an X.509 credential has a certificate', () => {
    const leaf = kpLeaf(fresh(), { credential: { credentialType: CredentialType.x509, certificates: [] }, capabilities: caps({ credentials: [1, 2] }) });
    throwsRule(() => check(leaf, asKeyPackage), 'R-5.3-01', 'ERR_VALIDATION_CREDENTIAL');
  });
  test('R-7.2-01: default proposal and extension types must not be listed (A-12: strict unless allowed)', () => {
    const p = kpLeaf(fresh(), { capabilities: caps({ proposals: [0x0002] }) });
    const e = kpLeaf(fresh(), { capabilities: caps({ extensions: [0x0003] }) });
    throwsRule(() => check(p, asKeyPackage), 'R-7.2-01');
    throwsRule(() => check(e, asKeyPackage), 'R-7.2-01');
    check(p, asKeyPackage, { allowDefaultTypesInCapabilities: true });
    check(e, asKeyPackage, { allowDefaultTypesInCapabilities: true });
  });
  test('R-13.4-02: no two extensions of one type', () => {
    const ext = { extensionType: 0x0a0a, extensionData: new Uint8Array(0) };
    const leaf = kpLeaf(fresh(), { extensions: [ext, ext], capabilities: caps({ extensions: [0x0a0a] }) });
    throwsRule(() => check(leaf, asKeyPackage), 'R-13.4-02', 'ERR_VALIDATION_EXTENSIONS');
  });
  test('D-07: a GroupInfo/GroupContext extension cannot sit in a LeafNode', () => {
    throwsRule(() => check(kpLeaf(fresh(), { extensions: [{ extensionType: 0x0002, extensionData: new Uint8Array(0) }] }), asKeyPackage), 'D-07');
  });
  test('R-7.2-03: every non-default extension is listed in capabilities (GREASE included)', () => {
    throwsRule(() => check(kpLeaf(fresh(), { extensions: [{ extensionType: 0x1a1a, extensionData: new Uint8Array(0) }] }), asKeyPackage), 'R-7.2-03');
  });
  test('R-7.3-03: the required capabilities of the group are listed', () => {
    const leaf = kpLeaf(fresh());
    const req = (r: Partial<{ extensionTypes: number[]; proposalTypes: number[]; credentialTypes: number[] }>) => ({
      context: 'keyPackage' as const,
      requiredCapabilities: { extensionTypes: [], proposalTypes: [], credentialTypes: [], ...r },
    });
    throwsRule(() => check(leaf, req({ extensionTypes: [0xff01] })), 'R-7.3-03');
    throwsRule(() => check(leaf, req({ proposalTypes: [0xff02] })), 'R-7.3-03');
    throwsRule(() => check(leaf, req({ credentialTypes: [CredentialType.x509] })), 'R-7.3-03');
    check(leaf, req({ extensionTypes: [0x0003, 0x0005], proposalTypes: [0x0001] })); // default types are implied
  });
});

describe('credential types across members (§7.3)', () => {
  const both = caps({ credentials: [1, 2] });
  test('R-7.3-04: every other member supports the new credential type', () => {
    throwsRule(() => check(kpLeaf(fresh(), { credential: x509, capabilities: both }), asKeyPackage), 'R-7.3-04');
  });
  test('R-7.3-05: the new LeafNode supports every credential type in use', () => {
    const t = leavesTree([kpLeaf(fresh(), { capabilities: both }), kpLeaf(fresh(), { capabilities: both })]);
    throwsRule(() => check(kpLeaf(fresh(), { credential: x509, capabilities: caps({ credentials: [2] }) }), asKeyPackage, {}, t), 'R-7.3-05');
    // With both types listed the credential-type checks pass; the placeholder certificate then fails to parse.
    throwsRule(() => check(kpLeaf(fresh(), { credential: x509, capabilities: both }), asKeyPackage, {}, t), 'R-5.3-01');
  });
  test('the leaf being replaced does not count as another member', () => {
    const a = fresh();
    const t = leavesTree([kpLeaf(a, { credential: x509, capabilities: both }), kpLeaf(fresh(), { capabilities: both }), kpLeaf(fresh(), { capabilities: both })]);
    // Leaf 0 stops using x509 and stops supporting it: allowed, nobody else uses it.
    check(updateLeaf(0, a, { credential: basic('a') }), asUpdate(0), {}, t);
    // But leaf 1 may not stop supporting x509 while leaf 0 uses it.
    throwsRule(() => check(updateLeaf(1, fresh()), asUpdate(1), {}, t), 'R-7.3-05');
  });
});

describe('lifetime (§7.2, §7.3)', () => {
  const short = { notBefore: NOW - 100n, notAfter: NOW - 10n };
  test('S-7.3-01 when received, R-7.3-06 when sending; switchable', () => {
    const leaf = kpLeaf(fresh(), { lifetime: short });
    throwsRule(() => check(leaf, asKeyPackage), 'S-7.3-01', 'ERR_VALIDATION_LIFETIME');
    throwsRule(() => check(leaf, asKeyPackage, { sending: true }), 'R-7.3-06');
    check(leaf, asKeyPackage, { checkLifetime: false });
  });
  test('R-7.2-06: the lifetime span is at most the configured maximum', () => {
    throwsRule(() => check(kpLeaf(fresh()), asKeyPackage, { maxLifetime: 90n * 86400n }), 'R-7.2-06');
  });
});

describe('key uniqueness (§7.3), through the index', () => {
  test('R-7.3-11: the signature key of another member', () => {
    throwsRule(() => check(kpLeaf(signerOf(2)), asKeyPackage), 'R-7.3-11', 'ERR_VALIDATION_DUPLICATE_KEY');
    throwsRule(() => check(updateLeaf(1, signerOf(2)), asUpdate(1)), 'R-7.3-11');
  });
  test('R-7.3-09: an Update must change the encryption key', () => {
    const own = tree.leafNode(leafIndex(1))!.encryptionKey;
    throwsRule(() => check(updateLeaf(1, signerOf(1), { encryptionKey: own }), asUpdate(1)), 'R-7.3-09');
  });
  test('R-7.3-12: the encryption key of another member', () => {
    const other = tree.leafNode(leafIndex(3))!.encryptionKey;
    throwsRule(() => check(kpLeaf(fresh(), { encryptionKey: other }), asKeyPackage), 'R-7.3-12');
    throwsRule(() => check(commitLeaf(1, uniqueKey(), signerOf(1), { encryptionKey: other }), asCommit(1)), 'R-7.3-12');
  });
  test('R-16.7-01: the encryption key of a parent node', () => {
    const rootKey = tree.parentNode(tree.root)!.encryptionKey;
    throwsRule(() => check(kpLeaf(fresh(), { encryptionKey: rootKey }), asKeyPackage), 'R-16.7-01');
  });
});

describe('keys of the suite (§5.1.1, §5.1.2)', () => {
  test('R-5.1.1-01: encryption_key must be an HPKE public key of the suite', () => {
    throwsRule(() => check(kpLeaf(fresh(), { encryptionKey: new Uint8Array(31) }), asKeyPackage), 'R-5.1.1-01', 'ERR_VALIDATION_PUBLIC_KEY');
  });
  test('R-5.1.2-01: signature_key must be a key of the signature scheme', () => {
    const leaf = { ...kpLeaf(fresh()), signatureKey: new Uint8Array(31) };
    throwsRule(() => check(leaf, asKeyPackage), 'R-5.1.2-01');
  });
});

describe('the Authentication Service hook (§5.3.1)', () => {
  const reject = () => false;
  test('is called once per LeafNode with the credential, key and leaf', () => {
    const seen: [string, number | undefined][] = [];
    const s = signerOf(1);
    check(updateLeaf(1, s, { credential: basic('bob') }), asUpdate(1), {
      validateCredential: (c, key, l) => {
        assert.equal(key, s.publicKey);
        seen.push([c.credentialType === CredentialType.basic ? new TextDecoder().decode(c.identity) : '?', l]);
        return true;
      },
    });
    assert.deepEqual(seen, [['bob', 1]]);
  });
  test('R-5.3.1-02 (tree), -03 (Add), -04 (Update), -05 (Commit): rejection by context', () => {
    throwsRule(() => check(tree.leafNode(leafIndex(2))!, asTree(2), { validateCredential: reject }), 'R-5.3.1-02', 'ERR_VALIDATION_CREDENTIAL');
    throwsRule(() => check(kpLeaf(fresh()), asKeyPackage, { validateCredential: reject }), 'R-5.3.1-03');
    throwsRule(() => check(updateLeaf(1, signerOf(1)), asUpdate(1), { validateCredential: reject }), 'R-5.3.1-04');
    throwsRule(() => check(commitLeaf(1, uniqueKey(), signerOf(1)), asCommit(1), { validateCredential: reject }), 'R-5.3.1-05');
  });
  test('a throwing validator rejects too, keeping its error as the cause', () => {
    const boom = new Error('AS unreachable');
    const err = throwsRule(
      () =>
        check(kpLeaf(fresh()), asKeyPackage, {
          validateCredential: () => {
            throw boom;
          },
        }),
      'R-5.3.1-03',
    );
    assert.equal(err.cause, boom);
  });
});

describe('the signature (§7.2, R-7.3-02)', () => {
  test('a tampered LeafNode does not verify', () => {
    const leaf = kpLeaf(fresh());
    throwsRule(() => check({ ...leaf, capabilities: caps({ proposals: [0xff00] }) }, asKeyPackage), 'R-7.3-02', 'ERR_VALIDATION_SIGNATURE');
  });
  test('update and commit signatures bind the group id and the leaf index', () => {
    const s = signerOf(1);
    throwsRule(() => check(updateLeaf(1, s, {}, utf8('another group')), asUpdate(1)), 'R-7.3-02');
    throwsRule(() => check(sign(updateLeaf(1, s), s, GROUP_ID, 2), asUpdate(1)), 'R-7.3-02');
    throwsRule(() => check(sign(commitLeaf(1, uniqueKey(), s), s, GROUP_ID, 2), asCommit(1)), 'R-7.3-02');
  });
  test('the error is a ValidationError (the only kind validation throws)', () => {
    try {
      check(kpLeaf(signerOf(2)), asKeyPackage);
      assert.fail('no error');
    } catch (err) {
      assert.ok(err instanceof ValidationError);
      assert.equal(err.kind, 'validation');
    }
  });
});
