// README quick-start example (compiled and run by test/docs/readme.test.ts).
import { MlsGroup, basicCredential, cipherSuite, createKeyPackage, generateIdentity } from '../src/index.js';

export async function quickstart(): Promise<string> {
  const suite = cipherSuite(0x0001); // MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519

  // Each client has an identity (credential + signature key) and publishes KeyPackages.
  const alice = generateIdentity(suite, basicCredential('alice'));
  const bob = generateIdentity(suite, basicCredential('bob'));
  const bobKeyPackage = createKeyPackage({ cipherSuite: suite, credential: bob.credential, signaturePrivateKey: bob.signaturePrivateKey });

  // Alice creates a group and adds Bob: a Commit for the group, a Welcome for Bob.
  const aliceGroup = await MlsGroup.create({ cipherSuite: suite, identity: alice });
  const { welcome } = await aliceGroup.commit({ add: [bobKeyPackage.keyPackage] });
  await aliceGroup.confirmCommit(); // once the delivery service has accepted the Commit

  // Bob joins from the Welcome (full validation of the tree and the GroupInfo).
  const bobGroup = await MlsGroup.join({ welcome: welcome!, keyPackages: [bobKeyPackage] });

  // Application messages are PrivateMessages: signed, encrypted, padded per policy.
  const ciphertext = await bobGroup.encrypt('hello, alice');
  const received = await aliceGroup.process(ciphertext);
  if (received.kind !== 'application') throw new Error('expected an application message');

  // Both are in the same epoch of the same group: compare this out of band.
  if (aliceGroup.safetyNumber !== bobGroup.safetyNumber) throw new Error('not the same group state');
  return new TextDecoder().decode(received.data);
}
