import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Caller } from '@labfleet/domain';
import type { AuthenticatedRequest } from './auth.guard';

/** The authenticated caller (see `AuthGuard`). */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  if (!caller) throw new Error('CurrentCaller used on a public route');
  return caller;
});

/** The client address, for public routes (login) that have no caller yet. */
export const ClientAddress = createParamDecorator((_: unknown, context: ExecutionContext): string | null => context.switchToHttp().getRequest<AuthenticatedRequest>().ip ?? null);
