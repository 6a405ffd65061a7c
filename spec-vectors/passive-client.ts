/**
 * passive-client-welcome.json, passive-client-handling-commit.json, passive-client-random.json:
 * a member that joins by Welcome (full §12.4.3.1 validation) and then follows every epoch's
 * proposals and Commit (§12.4.2), comparing the epoch authenticator after each step.
 */
import { decode } from '../src/codec/codec.js';
import { nodeCipherSuite } from '../src/crypto/node/provider.js';
import { WireFormat } from '../src/framing/content.js';
import { mlsMessageCodec } from '../src/framing/mls-message.js';
import { processMessage } from '../src/group/receive.js';
import type { GroupState } from '../src/group/state.js';
import { joinFromWelcome } from '../src/join/welcome.js';
import { externalPsks } from '../src/psk/lookup.js';
import { bytesEqual } from '../src/util/bytes.js';
import { expectBytes, expectTrue, hex } from './assert.js';
import type { Json } from './types.js';

export function runCase(tc: Json): void {
  const cs = nodeCipherSuite(tc.cipher_suite);
  const kpMsg = decode(mlsMessageCodec, hex(tc.key_package));
  if (kpMsg.wireFormat !== WireFormat.mls_key_package) throw new Error('key_package is not a KeyPackage');
  const keyPackage = kpMsg.keyPackage;
  const privateKeys = { initPrivateKey: hex(tc.init_priv), encryptionPrivateKey: hex(tc.encryption_priv), signaturePrivateKey: hex(tc.signature_priv) };
  // Step 1: the private keys belong to the KeyPackage.
  expectTrue('signature_priv matches', bytesEqual(cs.signatureScheme.publicKeyFromPrivate(privateKeys.signaturePrivateKey), keyPackage.leafNode.signatureKey));
  const welcomeMsg = decode(mlsMessageCodec, hex(tc.welcome));
  if (welcomeMsg.wireFormat !== WireFormat.mls_welcome) throw new Error('welcome is not a Welcome');
  const psks = externalPsks((tc.external_psks as Json[]).map((p) => [hex(p.psk_id), hex(p.psk)] as const));
  const { state: joined } = joinFromWelcome({
    welcome: welcomeMsg.welcome,
    keyPackages: [{ keyPackage, privateKeys }],
    ...(tc.ratchet_tree !== null ? { ratchetTree: hex(tc.ratchet_tree) } : {}),
    psks,
    // The published vectors carry expired lifetimes (see the vectors README).
    config: { checkLifetimes: false },
  });
  expectBytes('initial epoch_authenticator', joined.secrets.epochAuthenticator, tc.initial_epoch_authenticator);
  let state: GroupState = joined;
  (tc.epochs as Json[]).forEach((ep, i) => {
    for (const p of ep.proposals as string[]) {
      const r = processMessage(state, hex(p), { psks });
      if (r.kind !== 'proposal') throw new Error(`epoch ${i}: expected a proposal, got ${r.kind}`);
      state = r.state;
    }
    const r = processMessage(state, hex(ep.commit), { psks });
    if (r.kind !== 'commit') throw new Error(`epoch ${i}: expected a commit, got ${r.kind}`);
    if (r.staged.state === undefined) throw new Error(`epoch ${i}: the commit removed us`);
    state = r.staged.state;
    expectBytes(`epoch ${i} epoch_authenticator`, state.secrets.epochAuthenticator, ep.epoch_authenticator);
  });
}
