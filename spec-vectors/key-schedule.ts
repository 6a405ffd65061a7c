/**
 * key-schedule.json: RFC 9420 §8 (the epoch key schedule), §8.1 (GroupContext), §8.5 (exporter)
 * and §8.3 (external_pub = KEM.DeriveKeyPair(external_secret)), five chained epochs per suite.
 *
 * Pitfalls (vectors README): the GroupContext epoch is the epoch's index in the list, and
 * `exporter.label` is a UTF-8 string even though it looks like hex.
 */
import { nodeCipherSuite } from '../src/crypto/node/provider.js';
import { decodeGroupContext, encodeGroupContext, ProtocolVersion, type GroupContext } from '../src/key-schedule/group-context.js';
import { externalPub, mlsExporter, runKeySchedule } from '../src/key-schedule/key-schedule.js';
import { bytesEqual } from '../src/util/bytes.js';
import { expectBytes, expectTrue, hex } from './assert.js';
import type { Json } from './types.js';

export function runCase(tc: Json): void {
  const cs = nodeCipherSuite(tc.cipher_suite);
  const groupId = hex(tc.group_id);
  let initSecret = hex(tc.initial_init_secret);
  const epochs: Json[] = tc.epochs;
  epochs.forEach((ep, i) => {
    const at = `epoch ${i}`;
    const gc: GroupContext = {
      version: ProtocolVersion.mls10,
      cipherSuite: tc.cipher_suite,
      groupId,
      epoch: BigInt(i),
      treeHash: hex(ep.tree_hash),
      confirmedTranscriptHash: hex(ep.confirmed_transcript_hash),
      extensions: [],
    };
    const gcBytes = encodeGroupContext(gc);
    expectBytes(`${at}: group_context`, gcBytes, ep.group_context);
    expectTrue(`${at}: group_context round trip`, bytesEqual(encodeGroupContext(decodeGroupContext(hex(ep.group_context))), gcBytes));

    const ks = runKeySchedule(cs, { initSecret, commitSecret: hex(ep.commit_secret), pskSecret: hex(ep.psk_secret), groupContext: gcBytes });
    const s = ks.secrets;
    expectBytes(`${at}: joiner_secret`, ks.joinerSecret, ep.joiner_secret);
    expectBytes(`${at}: welcome_secret`, ks.welcomeSecret, ep.welcome_secret);
    expectBytes(`${at}: sender_data_secret`, s.senderDataSecret, ep.sender_data_secret);
    expectBytes(`${at}: encryption_secret`, ks.encryptionSecret, ep.encryption_secret);
    expectBytes(`${at}: exporter_secret`, s.exporterSecret, ep.exporter_secret);
    expectBytes(`${at}: epoch_authenticator`, s.epochAuthenticator, ep.epoch_authenticator);
    expectBytes(`${at}: external_secret`, s.externalSecret, ep.external_secret);
    expectBytes(`${at}: confirmation_key`, s.confirmationKey, ep.confirmation_key);
    expectBytes(`${at}: membership_key`, s.membershipKey, ep.membership_key);
    expectBytes(`${at}: resumption_psk`, s.resumptionPsk, ep.resumption_psk);
    expectBytes(`${at}: init_secret`, s.initSecret, ep.init_secret);

    const ex = ep.exporter;
    expectBytes(`${at}: exporter.secret`, mlsExporter(cs, s.exporterSecret, ex.label, hex(ex.context), Number(ex.length)), ex.secret);

    // Needs HPKE DeriveKeyPair (RFC 9180 §7.1.3); a provider without it fails here, never skips.
    expectBytes(`${at}: external_pub`, externalPub(cs, s.externalSecret), ep.external_pub);

    initSecret = s.initSecret;
  });
}
