/**
 * The benchmark fixture builder (bench/mls/fixture.ts, test-only) produces the states real members
 * would hold: members loaded from a fixture commit and process, a member that joined normally
 * (Welcome with full validation of the synthesized tree: every leaf signature, parent hashes, tree
 * hash) processes their Commits and they process its Commit, and all agree on the epoch
 * authenticator; every private path key of a fixture member opens what is sealed to its node.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MlsGroup, basicCredential, cipherSuite, createKeyPackage, generateIdentity } from '../../src/index.js';
import { treeHash } from '../../src/ratchet-tree/tree-hash.js';
import { validateRatchetTree } from '../../src/ratchet-tree/tree-validation.js';
import { EMPTY, bytesEqual, toHex, utf8 } from '../../src/util/bytes.js';
import type { NodeIndex } from '../../src/tree-math/index.js';
import { buildFixture, loadStates, readFixture, writeFixture, type TreeShape } from '../../bench/mls/fixture.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function deliver(message: Uint8Array, to: readonly MlsGroup[]): Promise<void> {
  for (const g of to) {
    const r = await g.process(message);
    assert.equal(r.kind, 'commit');
    if (r.kind === 'commit') await g.merge(r.staged);
  }
}

function agree(groups: readonly MlsGroup[]): void {
  const epochs = new Set(groups.map((g) => g.epoch));
  assert.equal(epochs.size, 1, 'same epoch');
  const auth = new Set(groups.map((g) => toHex(g.epochAuthenticator)));
  assert.equal(auth.size, 1, 'same epoch authenticator');
}

for (const shape of ['full', 'sparse'] as const satisfies readonly TreeShape[]) {
  for (const members of [8, 13]) {
    describe(`fixture: ${shape} tree, ${members} members`, () => {
      const file = buildFixture(1, shape, members);

      it('both states are one epoch of one group, and the tree passes join validation', () => {
        const { committer, receiver } = loadStates(file);
        assert.equal(committer.tree.memberCount, members);
        assert.ok(bytesEqual(committer.contextBytes, receiver.contextBytes));
        assert.ok(bytesEqual(committer.secrets.epochAuthenticator, receiver.secrets.epochAuthenticator));
        assert.ok(bytesEqual(treeHash(committer.tree), committer.context.treeHash));
        validateRatchetTree(committer.tree, { groupId: committer.context.groupId, treeHash: committer.context.treeHash });
        let parents = 0;
        for (const _ of committer.tree.parents()) parents++;
        assert.equal(parents, file.meta.nonBlankParents);
        if (shape === 'sparse') assert.equal(parents, 0);
        else assert.ok(parents >= members - 1, 'every parent above a member is set');
      });

      it('every private key a fixture member holds matches its node (HPKE seal to the public key, open with the private one)', () => {
        const { committer, receiver } = loadStates(file);
        const cs = committer.cs;
        for (const s of [committer, receiver]) {
          const nodes = s.privateKeys.nodes();
          assert.equal(nodes.length, shape === 'sparse' ? 1 : 1 + Math.log2(s.tree.leafCount), 'leaf key plus the whole direct path');
          for (const x of nodes) {
            const n = s.tree.node(x as NodeIndex)!;
            const pub = n.nodeType === 1 ? n.leafNode.encryptionKey : n.parentNode.encryptionKey;
            assert.ok(bytesEqual(pub, s.privateKeys.publicKey(x)!));
            const sealed = cs.hpke.seal(pub, utf8('info'), EMPTY, utf8(`node ${x}`));
            assert.equal(new TextDecoder().decode(cs.hpke.open(s.privateKeys.privateKey(x)!, sealed.kemOutput, utf8('info'), EMPTY, sealed.ciphertext)), `node ${x}`);
          }
        }
      });

      it('fixture members and a normally joined member commit, process and agree', async () => {
        const a = MlsGroup.restore(file.committer);
        const b = MlsGroup.restore(file.receiver);
        assert.equal(a.myLeafIndex, 0);
        assert.equal(b.myLeafIndex, 1);
        const cs = cipherSuite(1);
        const id = generateIdentity(cs, basicCredential('joiner'));
        const kp = createKeyPackage({ cipherSuite: cs, credential: id.credential, signaturePrivateKey: id.signaturePrivateKey, signaturePublicKey: id.signaturePublicKey });

        // A adds C; C joins by Welcome (full validation of the synthesized tree); B processes the Add.
        const add = await a.commit({ add: [kp.keyPackage] });
        await a.confirmCommit();
        const c = await MlsGroup.join({ welcome: add.welcome!, keyPackages: [kp] });
        await deliver(add.commit, [b]);
        agree([a, b, c]);

        // C commits with a path: A and B decrypt it with the fixture's keys (a parent key of the
        // direct path in a full tree, their leaf keys in a sparse one).
        const fromC = await c.commit({ updatePath: true });
        await c.confirmCommit();
        await deliver(fromC.commit, [a, b]);
        agree([a, b, c]);

        // A fixture member commits (empty Commit, path); B and C process it.
        const fromA = await a.commit();
        await a.confirmCommit();
        await deliver(fromA.commit, [b, c]);
        agree([a, b, c]);

        // B commits; A and C process it; an application message goes round.
        const fromB = await b.commit();
        await b.confirmCommit();
        await deliver(fromB.commit, [a, c]);
        agree([a, b, c]);
        const ct = await c.encrypt('hello');
        for (const g of [a, b]) {
          const r = await g.process(ct);
          assert.ok(r.kind === 'application' && new TextDecoder().decode(r.data) === 'hello');
        }
      });

      it('the states commit and process directly after loading (no Add first)', async () => {
        const a = MlsGroup.restore(file.committer);
        const b = MlsGroup.restore(file.receiver);
        const out = await a.commit();
        await a.confirmCommit();
        await deliver(out.commit, [b]);
        agree([a, b]);
      });
    });
  }
}

describe('fixture files', () => {
  it('round-trip through the on-disk format', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlskit-fixture-'));
    try {
      const f = buildFixture(1, 'full', 4);
      const path = join(dir, 'f.bin');
      writeFixture(path, f);
      const g = readFixture(path);
      assert.deepEqual(g.meta, f.meta);
      assert.ok(bytesEqual(g.committer, f.committer));
      assert.ok(bytesEqual(g.receiver, f.receiver));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
