import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AuthenticatorService } from '@labfleet/accounts';
import { Caller } from '@labfleet/domain';
import { IS_PUBLIC } from './public.decorator';

export type AuthenticatedRequest = Request & { caller?: Caller };

/** Every route needs a bearer credential unless marked `@Public()`; the caller is attached to the request. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: AuthenticatorService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    await this.authenticate(context.switchToHttp().getRequest<AuthenticatedRequest>());
    return true;
  }

  /** Resolves the bearer credential of `request` and attaches the caller to it. */
  async authenticate(request: AuthenticatedRequest): Promise<Caller> {
    request.caller = { principal: await this.authenticator.authenticate(request.headers.authorization), ip: request.ip ?? null };
    return request.caller;
  }
}
