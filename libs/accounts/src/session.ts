import { Role } from '@labfleet/contracts';

/** What a successful login (password or OpenID Connect) or refresh returns. */
export interface Session {
  readonly tokenType: 'Bearer';
  readonly accessToken: string;
  /** Seconds the access token is valid for. */
  readonly expiresIn: number;
  readonly refreshToken: string;
  readonly refreshExpiresIn: number;
  readonly user: { readonly id: string; readonly email: string; readonly name: string; readonly role: Role; readonly schoolId: string | null };
}
