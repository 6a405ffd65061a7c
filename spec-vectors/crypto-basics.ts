/**
 * crypto-basics.json: RFC 9420 §5.1.2–5.1.3 (SignWithLabel, EncryptWithLabel), §5.2 (RefHash),
 * §8 (ExpandWithLabel, DeriveSecret), §9 (DeriveTreeSecret), for each suite.
 */
import { nodeCipherSuite } from '../src/crypto/node/provider.js';
import {
  decryptWithLabel, deriveSecret, deriveTreeSecret, encryptWithLabel, expandWithLabel, refHash, signWithLabel, verifyWithLabel,
} from '../src/crypto/labels.js';
import { utf8 } from '../src/util/bytes.js';
import { expectBytes, expectTrue, hex } from './assert.js';
import type { Json } from './types.js';

export function runCase(tc: Json): void {
  const cs = nodeCipherSuite(tc.cipher_suite);

  const rh = tc.ref_hash;
  expectBytes('ref_hash', refHash(cs, utf8(rh.label), hex(rh.value)), rh.out);

  const ewl = tc.expand_with_label;
  expectBytes('expand_with_label', expandWithLabel(cs, hex(ewl.secret), ewl.label, hex(ewl.context), Number(ewl.length)), ewl.out);

  const ds = tc.derive_secret;
  expectBytes('derive_secret', deriveSecret(cs, hex(ds.secret), ds.label), ds.out);

  const dts = tc.derive_tree_secret;
  expectBytes('derive_tree_secret', deriveTreeSecret(cs, hex(dts.secret), dts.label, Number(dts.generation), Number(dts.length)), dts.out);

  const swl = tc.sign_with_label;
  const content = hex(swl.content);
  expectTrue('sign_with_label: vector signature verifies', verifyWithLabel(cs, hex(swl.pub), swl.label, content, hex(swl.signature)));
  const ours = signWithLabel(cs, hex(swl.priv), swl.label, content);
  expectTrue('sign_with_label: our signature verifies', verifyWithLabel(cs, hex(swl.pub), swl.label, content, ours));
  expectTrue('sign_with_label: public key matches private key', cs.signatureScheme.publicKeyFromPrivate(hex(swl.priv)).every((b, i) => b === hex(swl.pub)[i]));
  expectTrue('sign_with_label: wrong label fails', !verifyWithLabel(cs, hex(swl.pub), swl.label + 'X', content, ours));

  const e = tc.encrypt_with_label;
  const pt = decryptWithLabel(cs, hex(e.priv), e.label, hex(e.context), hex(e.kem_output), hex(e.ciphertext));
  expectBytes('encrypt_with_label: decrypt vector', pt, e.plaintext);
  const fresh = encryptWithLabel(cs, hex(e.pub), e.label, hex(e.context), hex(e.plaintext));
  expectBytes('encrypt_with_label: round trip', decryptWithLabel(cs, hex(e.priv), e.label, hex(e.context), fresh.kemOutput, fresh.ciphertext), e.plaintext);
}
