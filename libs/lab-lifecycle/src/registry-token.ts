import { createHash, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import forge from 'node-forge';
import type { RegistryGrant } from '@labfleet/domain';
import type { RegistrySigningKey } from '@labfleet/persistence';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return bits > 0 ? out + BASE32[(value << (5 - bits)) & 31] : out;
}

/**
 * The key id registry 2.x looks the signer up by (libtrust's format): the first 240 bits of the
 * SHA-256 of the public key's DER, in base32, in twelve groups of four joined by colons.
 */
/** `pem`: the key, its public half or its certificate. */
export function libtrustKeyId(pem: string): string {
  const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  const id = base32(createHash('sha256').update(der).digest().subarray(0, 30));
  return id.match(/.{4}/g)!.join(':');
}

/**
 * A new RSA key and a self-signed certificate of it (the registry's `rootcertbundle` wants an
 * x509 certificate; Node's crypto makes keys, not certificates: node-forge writes it).
 */
export function generateRegistrySigningKey(now = new Date()): RegistrySigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = `01${randomUUID().replace(/-/g, '')}`;
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + 20 * 365 * 86400_000);
  const subject = [{ name: 'commonName', value: 'Labfleet course registry token signer' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
  return { privateKeyPem, certificatePem: forge.pki.certificateToPem(cert) };
}

export interface RegistryTokenClaims {
  readonly issuer: string;
  readonly service: string;
  /** The account the token is for (`sub`). */
  readonly subject: string;
  readonly access: readonly RegistryGrant[];
  readonly ttlSeconds: number;
}

/** What the token endpoint answers (the protocol's names; `access_token` for OAuth2 clients). */
export interface RegistryTokenResponse {
  readonly token: string;
  readonly access_token: string;
  readonly expires_in: number;
  readonly issued_at: string;
}

/** A registry bearer token: RS256, `kid` in libtrust's format, the protocol's claims. */
export function signRegistryToken(key: RegistrySigningKey, claims: RegistryTokenClaims, now = new Date()): RegistryTokenResponse {
  const iat = Math.floor(now.getTime() / 1000);
  const token = jwt.sign(
    // nbf a little early: the registry's clock may be behind ours.
    { iss: claims.issuer, sub: claims.subject, aud: claims.service, iat, nbf: iat - 30, exp: iat + claims.ttlSeconds, jti: randomUUID(), access: claims.access },
    key.privateKeyPem,
    { algorithm: 'RS256', keyid: libtrustKeyId(key.privateKeyPem) },
  );
  return { token, access_token: token, expires_in: claims.ttlSeconds, issued_at: now.toISOString() };
}
