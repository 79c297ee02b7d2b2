import jwt from 'jsonwebtoken';
import { createSecretKey, KeyObject } from 'node:crypto';
import { UnauthenticatedError } from '@labfleet/domain';

const ISSUER = 'labfleet';
const AUDIENCE = 'labfleet-api';
/** Verified tokens remembered at most (a school's active sessions); past it the memory starts afresh. */
const REMEMBERED = 10_000;

/** Short-lived HS256 access tokens. They carry only the account id: roles are read per request. */
export class AccessTokenSigner {
  /** Made once: given a string, jsonwebtoken first tries (and fails) to parse it as a public key, on every call. */
  private readonly key: KeyObject;
  /**
   * Tokens whose signature and claims were checked, with their subject and expiry: the same bytes
   * verify the same way under the same key, so a repeat costs a lookup (every request of a
   * session carries its token) and only the expiry is checked again.
   */
  private readonly verified = new Map<string, { sub: string; exp: number }>();

  constructor(
    secret: string,
    readonly ttlSeconds: number,
  ) {
    this.key = createSecretKey(Buffer.from(secret));
  }

  sign(userId: string): string {
    return jwt.sign({ typ: 'access' }, this.key, { algorithm: 'HS256', subject: userId, issuer: ISSUER, audience: AUDIENCE, expiresIn: this.ttlSeconds });
  }

  /** The account id, or `UnauthenticatedError` saying why not. */
  verify(token: string): string {
    const known = this.verified.get(token);
    if (known) {
      // jsonwebtoken's own rule: expired once the current whole second reaches `exp`.
      if (Math.floor(Date.now() / 1000) < known.exp) return known.sub;
      this.verified.delete(token);
      throw new UnauthenticatedError('access token expired; refresh it');
    }
    try {
      const claims = jwt.verify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE }) as jwt.JwtPayload;
      if (claims.typ !== 'access' || typeof claims.sub !== 'string') throw new UnauthenticatedError('not an access token');
      if (typeof claims.exp === 'number') {
        if (this.verified.size >= REMEMBERED) this.verified.clear();
        this.verified.set(token, { sub: claims.sub, exp: claims.exp });
      }
      return claims.sub;
    } catch (e) {
      if (e instanceof jwt.TokenExpiredError) throw new UnauthenticatedError('access token expired; refresh it');
      if (e instanceof UnauthenticatedError) throw e;
      throw new UnauthenticatedError('invalid token');
    }
  }
}
