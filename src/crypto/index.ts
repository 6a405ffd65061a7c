/** The crypto boundary: the CipherSuite interface, the suite table, the Node provider, labelled helpers. */
export * from './cipher-suite.js';
export { nodeCipherSuite, nodeRandom, type CipherSuiteOptions } from './node/provider.js';
export * from './labels.js';
export { certificateKey, type CertificateKey } from './node/x509.js';
