import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { LabfleetConfig } from '@labfleet/config';
import { IS_PUBLIC } from './public.decorator';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Until accounts exist, every API call carries `Authorization: Bearer <LABFLEET_ADMIN_TOKEN>`. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(
    private readonly reflector: Reflector,
    config: LabfleetConfig,
  ) {
    this.expected = digest(config.adminToken);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const match = /^Bearer (.+)$/.exec(header);
    // Compare digests so the comparison takes the same time whatever the token's length.
    if (match && timingSafeEqual(digest(match[1]), this.expected)) return true;
    throw new UnauthorizedException(match ? 'invalid token' : 'missing Authorization: Bearer <token> header');
  }
}
