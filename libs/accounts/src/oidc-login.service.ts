import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { BaseClient, errors as OidcErrors, generators, Issuer } from 'openid-client';
import { LabfleetConfig } from '@labfleet/config';
import { DependencyUnavailableError, ForbiddenError, InvalidInputError, NotFoundError, UnauthenticatedError } from '@labfleet/domain';
import { AuditRepository, SchoolEntity, SchoolRepository, UserRepository } from '@labfleet/persistence';
import { EphemeralStore } from '@labfleet/queue';
import { hashToken } from './opaque-token';
import { Session } from './session';
import { SessionService } from './session.service';

const LOGIN_WINDOW_SECONDS = 600;
const DISCOVERY_TTL_MS = 10 * 60_000;
/** How long the page has to collect the tokens of a finished login with its one-time code. */
export const HANDOVER_SECONDS = 60;

interface Handover {
  readonly session: Session;
  /** When the session was opened (ms): expiresIn is counted from then. */
  readonly at: number;
}

interface PendingLogin {
  readonly schoolId: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly returnTo: string | null;
}

export const OIDC_CALLBACK_PATH = '/api/v1/auth/oidc/callback';

/**
 * Whether a browser sent to `path` (relative to this site) stays on this site. Browsers read `\`
 * as `/` and drop tabs and newlines, so `/\evil.example` and `/<tab>/evil.example` are
 * `//evil.example`: another site, which would receive the login code in the fragment.
 */
function isLocalPath(path: string): boolean {
  if (!/^\/(?!\/)/.test(path) || /[\\\u0000-\u001f\u007f]/.test(path)) return false;
  const base = 'http://labfleet.invalid';
  return URL.canParse(path, base) && new URL(path, base).origin === base;
}

/**
 * OpenID Connect login through a school's identity provider: authorization code flow with PKCE,
 * state and nonce (openid-client checks the ID token's signature, issuer, audience, expiry and
 * nonce). An identity maps to the account linked to it, or the first time to the school's account
 * with the provider's verified email; there is no account creation on first login.
 */
@Injectable()
export class OidcLoginService {
  private readonly logger = new Logger('OidcLogin');
  private readonly clients = new Map<string, { client: BaseClient; at: number }>();

  constructor(
    private readonly schools: SchoolRepository,
    private readonly users: UserRepository,
    private readonly sessions: SessionService,
    private readonly store: EphemeralStore,
    private readonly audit: AuditRepository,
    private readonly config: LabfleetConfig,
  ) {}

  get redirectUri(): string {
    return `${this.config.auth.publicUrl}${OIDC_CALLBACK_PATH}`;
  }

  /** The identity provider's authorization URL to send the browser to. */
  async start(schoolSlug: string, returnTo: string | null): Promise<string> {
    if (returnTo !== null && !isLocalPath(returnTo)) throw new InvalidInputError('returnTo must be a path on this site, starting with a single /');
    const school = await this.schools.findBySlug(schoolSlug);
    if (!school?.oidcIssuer) throw new NotFoundError('school with OpenID Connect login', schoolSlug);
    const client = await this.client(school);
    const state = generators.state();
    const pending: PendingLogin = { schoolId: school.id, nonce: generators.nonce(), codeVerifier: generators.codeVerifier(), returnTo };
    await this.store.put(`oidc:${state}`, pending, LOGIN_WINDOW_SECONDS);
    return client.authorizationUrl({
      scope: 'openid email profile',
      redirect_uri: this.redirectUri,
      state,
      nonce: pending.nonce,
      code_challenge: generators.codeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  /** Completes a login from the provider's redirect (its query parameters). */
  async finish(params: Record<string, string>, ip: string | null): Promise<{ session: Session; returnTo: string | null }> {
    const pending = params.state ? await this.store.take<PendingLogin>(`oidc:${params.state}`) : null;
    if (!pending) throw new InvalidInputError('unknown or expired login state; start the login again');
    const school = await this.schools.findById(pending.schoolId);
    if (!school?.oidcIssuer) throw new InvalidInputError('the school no longer has OpenID Connect login');
    const client = await this.client(school);
    let claims;
    try {
      const tokens = await client.callback(this.redirectUri, params, { state: params.state, nonce: pending.nonce, code_verifier: pending.codeVerifier });
      claims = tokens.claims();
      // With the code flow, a provider may put only `sub` in the ID token and return the claims of
      // the `email` and `profile` scopes from its UserInfo endpoint alone (OpenID Connect Core
      // 5.4; oidc-provider does so by default). openid-client checks that its `sub` is the ID token's.
      if (!claims.email && tokens.access_token && client.issuer.metadata.userinfo_endpoint) {
        claims = { ...(await client.userinfo(tokens)), ...claims };
      }
    } catch (e) {
      if (e instanceof OidcErrors.OPError || e instanceof OidcErrors.RPError) throw new UnauthenticatedError(`identity provider login failed: ${e.message}`);
      throw new DependencyUnavailableError('identity-provider', e instanceof Error ? e.message : String(e));
    }
    const issuer = client.issuer.metadata.issuer;
    let user = await this.users.findByIdentity(issuer, claims.sub);
    // Only an email the provider says it verified may link an account (a missing claim is not enough).
    if (!user && claims.email && claims.email_verified === true) {
      const byEmail = await this.users.findByEmail(claims.email);
      if (byEmail?.schoolId === school.id) {
        await this.users.linkIdentity(byEmail.id, issuer, claims.sub);
        user = byEmail;
      }
    }
    const attempt = { schoolId: school.id, actorId: user?.id ?? null, actorLabel: claims.email ?? `${issuer}#${claims.sub}`, targetType: 'user', targetId: user?.id ?? null, ip };
    if (!user || user.schoolId !== school.id) {
      await this.audit.record({ ...attempt, action: 'auth.login-failed', detail: { method: 'oidc', reason: 'no account' } });
      throw new ForbiddenError(`no Labfleet account for ${claims.email ?? claims.sub} at ${school.name}; ask your teacher to add you`);
    }
    await this.audit.record({ ...attempt, action: 'auth.login', detail: { method: 'oidc', issuer } });
    return { session: await this.sessions.open(user), returnTo: pending.returnTo };
  }

  /**
   * Keeps a finished login's session in Redis for {@link HANDOVER_SECONDS} and returns a one-time
   * code for it: the browser is sent back with the code in the fragment and collects the tokens
   * with a POST ({@link redeem}), so no token, least of all the long-lived refresh token, is ever
   * in a URL (history, logs, Referer). Redis holds the session under the code's hash.
   */
  async handOver(session: Session): Promise<string> {
    const code = randomBytes(32).toString('base64url');
    await this.store.put(`oidc-handover:${hashToken(code)}`, { session, at: Date.now() } satisfies Handover, HANDOVER_SECONDS);
    return code;
  }

  /** The session of a code from {@link handOver}; the code works once, and only within its window. */
  async redeem(code: string): Promise<Session> {
    const handover = await this.store.take<Handover>(`oidc-handover:${hashToken(code)}`);
    if (!handover) throw new InvalidInputError('unknown, used or expired login code; sign in again');
    const waited = Math.floor((Date.now() - handover.at) / 1000);
    return { ...handover.session, expiresIn: Math.max(0, handover.session.expiresIn - waited), refreshExpiresIn: Math.max(0, handover.session.refreshExpiresIn - waited) };
  }

  private async client(school: SchoolEntity): Promise<BaseClient> {
    const key = `${school.id}|${school.oidcIssuer}|${school.oidcClientId}|${school.updatedAt.getTime()}`;
    const cached = this.clients.get(key);
    if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.client;
    let issuer: Issuer;
    try {
      issuer = await Issuer.discover(school.oidcIssuer!);
    } catch (e) {
      this.logger.warn({ msg: 'OpenID discovery failed', school: school.slug, issuer: school.oidcIssuer, error: e instanceof Error ? e.message : String(e) });
      throw new DependencyUnavailableError('identity-provider', `cannot read ${school.oidcIssuer}/.well-known/openid-configuration`);
    }
    const client = new issuer.Client({ client_id: school.oidcClientId!, client_secret: school.oidcClientSecret ?? undefined, redirect_uris: [this.redirectUri], response_types: ['code'] });
    this.clients.set(key, { client, at: Date.now() });
    return client;
  }
}
