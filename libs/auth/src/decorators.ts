import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from './principal';

/** The request once AuthGuard has let it through. */
export interface AuthenticatedRequest extends FastifyRequest {
  principal?: Principal;
}

export const IS_PUBLIC_ROUTE = 'backbone:auth:public';

/** Lets a route (or a whole controller) skip AuthGuard: health, metrics, docs. */
export const Public = () => SetMetadata(IS_PUBLIC_ROUTE, true);

export function principalOf(context: ExecutionContext): Principal {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  // A programming error, not the caller's: the route is @Public() or AuthGuard is not applied.
  if (!principal) throw new Error('@CurrentPrincipal() used on a route that AuthGuard did not authenticate');
  return principal;
}

/** The authenticated caller: `handler(@CurrentPrincipal() principal: Principal)`. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext) => principalOf(context));
