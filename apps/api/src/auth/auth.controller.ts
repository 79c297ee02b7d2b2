import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiFoundResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { LabfleetConfig } from '@labfleet/config';
import { SESSION_COOKIE } from '../browser/session-cookie';
import { AuthGuard } from './auth.guard';
import { OidcLoginService, PasswordLoginService, SessionService } from '@labfleet/accounts';
import { ClientAddress } from './caller.decorator';
import { LoginDto, OidcRedeemDto, OidcStartQuery, RefreshDto, SessionView } from './dto/auth.dto';
import { Public } from './public.decorator';

@ApiTags('auth')
@Public()
@Controller('auth')
export class AuthController {
  constructor(
    private readonly passwords: PasswordLoginService,
    private readonly sessions: SessionService,
    private readonly oidc: OidcLoginService,
    private readonly guard: AuthGuard,
    private readonly config: LabfleetConfig,
  ) {}

  @Post('session')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Sets the HttpOnly session cookie the port proxy reads (from the bearer token of this request)' })
  async setSession(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.guard.authenticate(req);
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')![1];
    const secure = this.config.auth.publicUrl.startsWith('https:') ? '; Secure' : '';
    res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/labs/; HttpOnly; SameSite=Lax; Max-Age=${this.config.auth.accessTtlSeconds}${secure}`);
    res.status(204).end();
  }

  @Delete('session')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Clears the session cookie' })
  clearSession(@Res() res: Response): void {
    res.setHeader('Set-Cookie', `${SESSION_COOKIE}=; Path=/labs/; HttpOnly; SameSite=Lax; Max-Age=0`);
    res.status(204).end();
  }

  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: SessionView, description: 'A short-lived access token and a refresh token' })
  login(@Body() body: LoginDto, @ClientAddress() ip: string | null): Promise<SessionView> {
    return this.passwords.login(body.email, body.password, ip);
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOkResponse({ type: SessionView, description: 'New tokens; the refresh token given is used up' })
  refresh(@Body() body: RefreshDto): Promise<SessionView> {
    return this.sessions.refresh(body.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The session of this refresh token is revoked' })
  async logout(@Body() body: RefreshDto): Promise<void> {
    await this.sessions.close(body.refreshToken);
  }

  @Get('oidc/:school/login')
  @ApiFoundResponse({ description: "Redirect to the school's identity provider" })
  async oidcLogin(@Param('school') school: string, @Query() query: OidcStartQuery, @Res() res: Response): Promise<void> {
    res.redirect(302, await this.oidc.start(school, query.returnTo ?? null));
  }

  @Get('oidc/callback')
  @ApiOkResponse({ type: SessionView, description: 'Tokens as JSON, or a redirect to returnTo with a one-time login_code (not the tokens) in the URL fragment' })
  async oidcCallback(@Query() query: Record<string, string>, @ClientAddress() ip: string | null, @Res() res: Response): Promise<void> {
    const { session, returnTo } = await this.oidc.finish(query, ip);
    res.setHeader('Cache-Control', 'no-store');
    if (!returnTo) {
      res.status(200).json(session);
      return;
    }
    const fragment = new URLSearchParams({ login_code: await this.oidc.handOver(session) });
    res.redirect(302, `${returnTo}#${fragment}`);
  }

  @Post('oidc/redeem')
  @HttpCode(200)
  @ApiOkResponse({ type: SessionView, description: 'The tokens of an OpenID Connect login, for its one-time login_code; a used or expired code is a 400' })
  oidcRedeem(@Body() body: OidcRedeemDto): Promise<SessionView> {
    return this.oidc.redeem(body.code);
  }
}
