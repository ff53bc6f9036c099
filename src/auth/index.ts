/** Public surface of src/auth: keys, known hosts, certificates, user authentication. */
export * from './errors.ts';
export { parsePrivateKey, serializePrivateKey, inspectPrivateKey, type PrivateKey, type ParsedPrivateKey } from './private-key.ts';
export { generateKeyPair, writeKeyPairFiles, type KeyPair, type KeyGenType } from './keygen.ts';
export { parsePublicKeyLine, formatPublicKeyLine } from './public-key-line.ts';
export { parseAuthorizedKeys, readAuthorizedKeys, matchAuthorizedKeys, type AuthorizedKey } from './authorized-keys.ts';
export { verifyCertificate } from './certificate.ts';
export { CertifiedSigningKey } from './certified-key.ts';
export { parseKnownHosts, loadKnownHosts, knownHostsLines, removeKnownHostFromFile, hashHostName, type KnownHostsEntry } from './known-hosts.ts';
export { knownHostsVerifier, knownHostsAlgorithmOrder, hostKeyAlgorithmsFor, type StrictHostKeyChecking, type KnownHostsVerifierOptions } from './host-key-policy.ts';
export { authenticateClient, type ClientAuthOptions, type ClientAuthResult } from './userauth-client.ts';
export { serveUserAuth } from './userauth-server.ts';
export type { UserAuthServerOptions, AuthenticatedUser } from './userauth-server-options.ts';
export { AgentClient, agentCredentials } from './agent-client.ts';
export type * from './credentials.ts';
