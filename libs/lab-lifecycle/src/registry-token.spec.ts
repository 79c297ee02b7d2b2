import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { generateRegistrySigningKey, libtrustKeyId, signRegistryToken } from './registry-token';

const key = generateRegistrySigningKey(new Date('2026-11-29T12:00:00Z'));
const access = [{ type: 'repository', name: 'c/s/web', actions: ['pull', 'push'] }];

describe('registry signing key', () => {
  it('is an RSA key with a self-signed certificate of the same public key', () => {
    const cert = new X509Certificate(key.certificatePem);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.publicKey.export({ type: 'spki', format: 'pem' })).toEqual(createPublicKey(key.privateKeyPem).export({ type: 'spki', format: 'pem' }));
    expect(cert.subject).toContain('Labfleet course registry');
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(new Date('2040-01-01').getTime());
  });
});

describe('libtrustKeyId', () => {
  it('is twelve colon-separated groups of four base32 characters', () => {
    expect(libtrustKeyId(key.certificatePem)).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
  });

  // A vector from libtrust's own tests would be better; this pins the construction: SHA-256 of the
  // DER public key, first 30 bytes, base32.
  it('is the base32 of the first 240 bits of the SHA-256 of the DER public key', () => {
    const der = createPublicKey(key.privateKeyPem).export({ type: 'spki', format: 'der' });
    const hex = createHash('sha256').update(der).digest().subarray(0, 30);
    const id = libtrustKeyId(key.privateKeyPem).replace(/:/g, '');
    const bits = [...hex].map((b: number) => b.toString(2).padStart(8, '0')).join('');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    expect(id).toEqual(bits.match(/.{5}/g)!.map((b) => alphabet[parseInt(b, 2)]).join(''));
  });
});

describe('signRegistryToken', () => {
  const now = new Date('2026-11-29T12:00:00Z');
  const answer = signRegistryToken(key, { issuer: 'labfleet', service: 'labfleet-courses', subject: 'user-1', access, ttlSeconds: 300 }, now);

  it('answers with token and access_token, its lifetime and issue time', () => {
    expect(answer).toMatchObject({ access_token: answer.token, expires_in: 300, issued_at: '2026-11-29T12:00:00.000Z' });
  });

  it('is an RS256 JWT with the libtrust kid and the protocol\'s claims, verifiable with the certificate', () => {
    const decoded = jwt.decode(answer.token, { complete: true })!;
    expect(decoded.header).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: libtrustKeyId(key.certificatePem) });
    const claims = jwt.verify(answer.token, new X509Certificate(key.certificatePem).publicKey, { algorithms: ['RS256'], clockTimestamp: now.getTime() / 1000 + 1 }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ iss: 'labfleet', aud: 'labfleet-courses', sub: 'user-1', access, iat: now.getTime() / 1000, exp: now.getTime() / 1000 + 300 });
    expect(claims.nbf).toBeLessThanOrEqual(claims.iat!);
    expect(typeof claims.jti).toBe('string');
  });

  it('is refused with another key', () => {
    const other = generateRegistrySigningKey();
    expect(() => jwt.verify(answer.token, new X509Certificate(other.certificatePem).publicKey, { clockTimestamp: now.getTime() / 1000 + 1 })).toThrow(/invalid signature/);
  });
});
