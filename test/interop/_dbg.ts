import * as T from 'ts-mls';
import * as fs from 'node:fs';
const state = T.decode(T.clientStateDecoder, fs.readFileSync('/tmp/t16.state'))!;
const msg = T.decode(T.mlsMessageDecoder, fs.readFileSync('/tmp/t29.commit'))!;
const impl = await T.getCiphersuiteImpl('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519');
console.log('wf', msg.wireformat, 'tree', state.ratchetTree.length);
if (msg.wireformat !== T.wireformats.mls_private_message) throw new Error();
const r = await T.processPrivateMessage({ context: { cipherSuite: impl, authService: T.unsafeTestingAuthenticationService }, state, privateMessage: msg.privateMessage });
console.log(r.kind);
