import jwt from 'jsonwebtoken';
import { createSecretKey, KeyObject } from 'node:crypto';
import { UnauthenticatedError } from '@labfleet/domain';

const ISSUER = 'labfleet';
const AUDIENCE = 'labfleet-api';

/** Short-lived HS256 access tokens. They carry only the account id: roles are read per request. */
export class AccessTokenSigner {
  /** Made once: given a string, jsonwebtoken first tries (and fails) to parse it as a public key, on every call. */
  private readonly key: KeyObject;

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
    try {
      const claims = jwt.verify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE }) as jwt.JwtPayload;
      if (claims.typ !== 'access' || typeof claims.sub !== 'string') throw new UnauthenticatedError('not an access token');
      return claims.sub;
    } catch (e) {
      if (e instanceof jwt.TokenExpiredError) throw new UnauthenticatedError('access token expired; refresh it');
      if (e instanceof UnauthenticatedError) throw e;
      throw new UnauthenticatedError('invalid token');
    }
  }
}
