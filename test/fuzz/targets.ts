/**
 * The fuzz targets (test-only): every decoder of a wire type, the snapshot restore, the join path
 * and the receive path of a real group member.
 *
 * The contract each target checks on every input:
 *   - it is accepted, or rejected with a typed MlsError (`err instanceof MlsError`) — any other
 *     exception (TypeError, RangeError, a plain Error, a non-Error) is a violation;
 *   - a decoder that accepts gives back exactly its input when re-encoded (the codecs are strict:
 *     one encoding per value);
 *   - the receive path leaves the member's state — its snapshot, byte for byte — unchanged when it
 *     rejects (and an accepted input is undone by restoring the baseline, so inputs are independent);
 *   - (the engine adds: each input within a time bound; the worker adds: a heap bound and a hang
 *     watchdog.)
 */
import { Packr } from 'msgpackr';
import { decode, encode, type Codec } from '../../src/codec/codec.js';
import { MlsError } from '../../src/errors.js';
import { membershipTag, signContent } from '../../src/framing/auth.js';
import { ContentType, SenderType, WireFormat, type FramedContent, type FramedContentAuthData } from '../../src/framing/content.js';
import { mlsMessageCodec, type MlsMessage } from '../../src/framing/mls-message.js';
import { encryptPrivateMessage, privateMessageCodec } from '../../src/framing/private-message.js';
import { publicMessageCodec } from '../../src/framing/public-message.js';
import { MlsGroup } from '../../src/index.js';
import { validateKeyPackage } from '../../src/key-package/validate.js';
import { verifyLeafNodeSignature } from '../../src/ratchet-tree/leaf-validation.js';
import { commitCodec } from '../../src/messages/commit.js';
import { groupInfoCodec, type GroupInfo } from '../../src/messages/group-info.js';
import { keyPackageCodec } from '../../src/messages/key-package.js';
import { proposalCodec } from '../../src/messages/proposal.js';
import { groupSecretsCodec, welcomeCodec, type GroupSecrets } from '../../src/messages/welcome.js';
import { leafNodeCodec, ratchetTreeCodec, type RatchetTree } from '../../src/ratchet-tree/node.js';
import { treeHash } from '../../src/ratchet-tree/tree-hash.js';
import { PublicTree } from '../../src/ratchet-tree/tree.js';
import { RatchetType } from '../../src/secret-tree/secret-tree.js';
import { bytesEqual, utf8 } from '../../src/util/bytes.js';
import { hex, mutateStructure, type Structured } from './mutate.js';
import { freshOwn, NOW, sealWelcome, treeExtensionIndex, type Rng, type World } from './world.js';

export type Outcome = { readonly accepted: true } | { readonly accepted: false; readonly code: string };

/** A contract violation: the input and what went wrong. */
export class Violation extends Error {
  override readonly name = 'Violation';
}

export interface Prepared {
  /** Valid inputs the mutators start from. */
  readonly samples: readonly Uint8Array[];
  readonly structured?: Structured;
  run(input: Uint8Array): Promise<Outcome>;
}

export interface Target {
  readonly name: string;
  readonly description: string;
  prepare(world: World): Prepared;
}

/** Runs `f`; an MlsError is a rejection, anything else thrown is a violation. */
export async function typed(f: () => unknown): Promise<Outcome> {
  try {
    await f();
    return { accepted: true };
  } catch (err) {
    if (err instanceof MlsError) return { accepted: false, code: err.code };
    if (err instanceof Violation) throw err;
    const e = err instanceof Error ? `${err.name}: ${err.message}\n${err.stack?.split('\n').slice(1, 6).join('\n')}` : `non-Error ${String(err)}`;
    throw new Violation(`untyped exception: ${e}`);
  }
}

function messageOf(bytes: Uint8Array): MlsMessage {
  return decode(mlsMessageCodec, bytes);
}

/** A decoder target: decode; an accepted input re-encodes to itself; `then` runs further checks on the value. */
function decoderTarget<T>(name: string, description: string, codec: Codec<T>, samples: (w: World) => Uint8Array[], then?: (w: World, value: T) => unknown): Target {
  return {
    name,
    description,
    prepare(w) {
      const s = samples(w);
      return {
        samples: s,
        structured: (i, rng, edits) => encode(codec, mutateStructure(decode(codec, s[i]!), rng, edits)),
        run: (input) =>
          typed(() => {
            const value = decode(codec, input);
            const again = encode(codec, value);
            if (!bytesEqual(again, input)) throw new Violation(`${name}: accepted a non-canonical encoding (re-encodes to ${hex(again).slice(0, 200)})`);
            return then?.(w, value);
          }),
      };
    },
  };
}

const inner = (bytes: Uint8Array) => bytes.subarray(4); // MLSMessage: version, wire_format

// ------------------------------------------------------------------------------------------------
// The receive path

/** The signature key of `leaf` as the fixture knows it (alice, bob, carol, dave), if any. */
function signerOf(w: World, leaf: number): Uint8Array | undefined {
  return [w.alice, w.bob, w.carol, w.dave].find((p) => p.group.myLeafIndex === leaf)?.group.state.signaturePrivateKey;
}

/**
 * An insider's re-encoding of a mutated PublicMessage: content mutated, then signed with the key
 * of the (possibly new) sender and tagged with the epoch's membership key — so the mutation is
 * judged by the checks behind the framing. The confirmation tag is kept (a mutated Commit fails it
 * last, after every other check).
 */
function structuredPublic(w: World, receiver: () => MlsGroup, bytes: Uint8Array, rng: Rng, edits: number): Uint8Array {
  const m = messageOf(bytes);
  if (m.wireFormat !== WireFormat.mls_public_message) return bytes;
  const s = receiver().state;
  const content = mutateStructure(m.publicMessage.content, rng, edits);
  const sender = content.sender;
  const key = (sender?.senderType === SenderType.member ? signerOf(w, sender.leafIndex) : undefined) ?? w.alice.group.state.signaturePrivateKey;
  const withContext = sender?.senderType === SenderType.member || sender?.senderType === SenderType.new_member_commit;
  const signature = rng.below(8) === 0 ? rng.bytes(64) : signContent(s.cs, key, WireFormat.mls_public_message, content, withContext ? s.contextBytes : undefined);
  const auth: FramedContentAuthData = content.contentType === ContentType.commit ? { signature, confirmationTag: m.publicMessage.auth.confirmationTag ?? rng.bytes(32) } : { signature };
  const tag = sender?.senderType === SenderType.member ? membershipTag(s.cs, s.secrets.membershipKey, WireFormat.mls_public_message, content, auth, s.contextBytes) : undefined;
  return encode(mlsMessageCodec, { wireFormat: WireFormat.mls_public_message, publicMessage: { content, auth, ...(tag !== undefined ? { membershipTag: tag } : {}) } });
}

/**
 * An insider's re-encoding of a mutated PrivateMessage: content mutated, signed by the sender's
 * key, encrypted with the very key the receiver expects next from that sender (derived from a copy
 * of the receiver's secret tree) — or a random key if the sender is not a leaf.
 */
function structuredPrivate(w: World, receiver: () => MlsGroup, original: FramedContent, rng: Rng, edits: number): Uint8Array {
  const s = receiver().state;
  const content = mutateStructure(original, rng, edits, (p) => p[0] !== 'sender' || rng.below(4) === 0);
  const leaf = content.sender?.senderType === SenderType.member ? content.sender.leafIndex : 0;
  const type = content.contentType === ContentType.application ? RatchetType.application : RatchetType.handshake;
  let key;
  try {
    const tree = content.epoch === s.context.epoch ? s.secretTree : s.past.find((p) => p.epoch === content.epoch)?.secretTree;
    const t = tree!.clone();
    key = t.receiveKey(leaf, type, t.nextGeneration(leaf, type));
  } catch {
    key = { generation: rng.below(4), key: rng.bytes(s.cs.Nk), nonce: rng.bytes(s.cs.Nn) };
  }
  const signer = signerOf(w, leaf) ?? w.alice.group.state.signaturePrivateKey;
  const signature = signContent(s.cs, signer, WireFormat.mls_private_message, content, s.contextBytes);
  const auth: FramedContentAuthData = content.contentType === ContentType.commit ? { signature, confirmationTag: rng.bytes(32) } : { signature };
  const senderDataSecret = s.past.find((p) => p.epoch === content.epoch)?.senderDataSecret ?? s.secrets.senderDataSecret;
  const privateMessage = encryptPrivateMessage(s.cs, { content: content.sender?.senderType === SenderType.member ? content : { ...content, sender: { senderType: SenderType.member, leafIndex: leaf } }, auth, senderDataSecret, ratchetKey: key, reuseGuard: rng.bytes(4), padding: rng.below(4) === 0 ? rng.below(64) : 0 });
  return encode(mlsMessageCodec, { wireFormat: WireFormat.mls_private_message, privateMessage });
}

const receive: Target = {
  name: 'receive',
  description: 'MlsGroup.process on a real member (bob): every group message type, byte-level and insider-re-authenticated structural mutations; state unchanged on rejection',
  prepare(w) {
    const opts = { cipherSuite: () => w.cs, config: w.config, psks: w.psks };
    let receiver = MlsGroup.restore(w.baseline, opts);
    const current = () => receiver;
    const samples = [...w.publicMessages, ...w.privateMessages.map((p) => p.bytes)];
    const nPublic = w.publicMessages.length;
    return {
      samples,
      structured: (i, rng, edits) => (i < nPublic ? structuredPublic(w, current, samples[i]!, rng, edits) : structuredPrivate(w, current, w.privateMessages[i - nPublic]!.content, rng, edits)),
      async run(input) {
        const outcome = await typed(async () => {
          const r = await receiver.process(input);
          // A staged Commit is inspected, never merged: the member's state is still the baseline.
          if (r.kind === 'commit') void r.staged.effects;
        });
        if (!outcome.accepted) {
          const after = receiver.snapshot();
          if (!bytesEqual(after, w.baseline)) throw new Violation(`receive: the state changed although the message was rejected (${outcome.code})`);
        } else {
          receiver = MlsGroup.restore(w.baseline, opts); // undo what an accepted message consumed
        }
        return outcome;
      },
    };
  },
};

// ------------------------------------------------------------------------------------------------
// The join path

const join: Target = {
  name: 'join',
  description: 'MlsGroup.join: byte-level mutations of a real Welcome, and Welcomes re-sealed (GroupSecrets encrypted to the KeyPackage, GroupInfo re-signed and re-tagged) around mutated GroupInfos, ratchet trees and GroupSecrets',
  prepare(w) {
    const opts = { config: w.config, cipherSuite: () => w.cs, psks: w.psks };
    const { own, secrets, groupInfo, signer } = w.joiner;
    const treeAt = treeExtensionIndex(groupInfo);
    const tree = decode(ratchetTreeCodec, groupInfo.extensions[treeAt]!.extensionData);
    const structured: Structured = (_i, rng, edits) => {
      let gi: GroupInfo = groupInfo;
      let gs: GroupSecrets = secrets;
      const what = rng.below(10);
      if (what < 5) {
        // the ratchet tree (then, half the time, the tree hash is recomputed so the tree gets judged)
        const t = mutateStructure(tree as RatchetTree, rng, edits);
        const extensions = gi.extensions.map((e, k) => (k === treeAt ? { ...e, extensionData: encode(ratchetTreeCodec, t) } : e));
        gi = { ...gi, extensions };
        if (rng.below(2) === 0) {
          try {
            gi = { ...gi, groupContext: { ...gi.groupContext, treeHash: treeHash(PublicTree.fromRatchetTree(w.cs, t)) } };
          } catch {
            // an invalid tree: keep the hash
          }
        }
      } else if (what < 8) {
        gi = mutateStructure(gi, rng, edits, (p) => !(p[0] === 'extensions' && p[1] === treeAt && p[2] === 'extensionData'));
      } else {
        gs = mutateStructure(gs, rng, edits);
      }
      return sealWelcome(w.cs, own, gi, gs, signer, rng.below(8) !== 0);
    };
    return {
      samples: [w.welcome, sealWelcome(w.cs, own, groupInfo, secrets, signer)],
      structured,
      run: (input) => typed(() => MlsGroup.join({ welcome: input, keyPackages: [freshOwn(own)], ...opts })),
    };
  },
};

// ------------------------------------------------------------------------------------------------
// The snapshot restore

const packr = new Packr({ useRecords: false, moreTypes: false });

const restore: Target = {
  name: 'restore',
  description: 'MlsGroup.restore of mutated snapshots (bytes and msgpack structure); a restored group is then used (snapshot, process, encrypt) and must fail only with typed errors',
  prepare(w) {
    const opts = { cipherSuite: () => w.cs, config: { now: w.config.now! }, psks: w.psks };
    const samples = [w.baseline, w.alice.group.snapshot()];
    const probe = w.privateMessages[0]!.bytes;
    return {
      samples,
      structured: (i, rng, edits) => packr.pack(mutateStructure(packr.unpack(samples[i]!), rng, edits)),
      async run(input) {
        let g: MlsGroup | undefined;
        const outcome = await typed(() => {
          g = MlsGroup.restore(input, opts);
        });
        if (g !== undefined) {
          const restored = g;
          // A state that restores must behave: every later failure typed too.
          await typed(() => restored.snapshot());
          await typed(() => restored.members());
          await typed(() => restored.process(probe));
          await typed(() => restored.encrypt(utf8('after restore')));
          await typed(() => restored.safetyNumber);
        }
        return outcome;
      },
    };
  },
};

// ------------------------------------------------------------------------------------------------

export const TARGETS: readonly Target[] = [
  decoderTarget('MLSMessage', 'every wire format through the MLSMessage envelope', mlsMessageCodec, (w) => [...w.publicMessages, ...w.privateMessages.map((p) => p.bytes), w.welcome, w.groupInfo, w.keyPackage]),
  decoderTarget('PublicMessage', 'proposals and Commits of every kind', publicMessageCodec, (w) => w.publicMessages.map(inner)),
  decoderTarget('PrivateMessage', 'application, proposal and Commit ciphertexts', privateMessageCodec, (w) => w.privateMessages.map((p) => inner(p.bytes))),
  decoderTarget('Welcome', 'a real Welcome', welcomeCodec, (w) => [inner(w.welcome)]),
  decoderTarget('GroupInfo', 'a real GroupInfo with its ratchet_tree extension', groupInfoCodec, (w) => [inner(w.groupInfo)]),
  decoderTarget('KeyPackage', 'decoded, then validated (§10.1)', keyPackageCodec, (w) => [inner(w.keyPackage)], (w, kp) => validateKeyPackage(w.cs, kp, { now: NOW })),
  decoderTarget('ratchet_tree', 'decoded, then built into a tree and hashed', ratchetTreeCodec, (w) => [w.ratchetTree], (w, nodes) => treeHash(PublicTree.fromRatchetTree(w.cs, nodes))),
  decoderTarget('Commit', 'with and without path, by value and by reference', commitCodec, (w) => w.commits),
  decoderTarget('Proposal', 'every proposal type', proposalCodec, (w) => w.proposals),
  decoderTarget('GroupSecrets', 'with and without path secret and PSKs', groupSecretsCodec, (w) => w.groupSecrets),
  decoderTarget('LeafNode', 'key_package and commit sources; then the signature is checked', leafNodeCodec, (w) => w.leafNodes, (w, leaf) => verifyLeafNodeSignature(w.cs, leaf, w.bob.group.groupId, 0)),
  restore,
  join,
  receive,
];

export function targetByName(name: string): Target {
  const t = TARGETS.find((x) => x.name === name);
  if (t === undefined) throw new Error(`unknown fuzz target ${name}; targets: ${TARGETS.map((x) => x.name).join(', ')}`);
  return t;
}
