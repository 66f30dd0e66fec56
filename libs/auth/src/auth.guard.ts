import { Inject, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { problem, ProblemException } from '@backbone/platform';
import { AUTH_OPTIONS, type AuthModuleOptions } from './auth-options';
import { IS_PUBLIC_ROUTE, type AuthenticatedRequest } from './decorators';
import { principalFromClaims, type ClaimError } from './principal';
import { AUTH_FAILURE_TEXT, bearerToken, verifyAccessToken, type AuthFailure } from './verify-token';
import { VerifiedTokenCache } from './verified-token-cache';

/** AuthFailure, plus a verified token whose claims describe no principal we know. */
export type UnauthorizedReason = AuthFailure | 'INVALID_CLAIMS';

const INVALID_CLAIMS_TEXT = 'The token claims do not describe a known caller';

/**
 * 401 problem+json with the RFC 6750 challenge: a bare `Bearer` when no token was sent (the
 * client just has not authenticated), `error="invalid_token"` with a description otherwise.
 */
export function unauthorized(reason: UnauthorizedReason, errors?: ClaimError[]): ProblemException {
  const text = reason === 'INVALID_CLAIMS' ? INVALID_CLAIMS_TEXT : AUTH_FAILURE_TEXT[reason];
  const challenge = reason === 'MISSING_TOKEN' ? 'Bearer' : `Bearer error="invalid_token", error_description="${text}"`;
  const body = problem(401, 'unauthorized', 'Unauthorized', { detail: `${text}.`, reason, ...(errors ? { errors } : {}) });
  return new ProblemException(body, { 'WWW-Authenticate': challenge });
}

/**
 * Verifies the bearer token, builds the principal and puts it on the request; routes marked
 * @Public() pass untouched. It decides *who* is calling, never what they may see.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);
  private readonly verified = new VerifiedTokenCache();

  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: AuthModuleOptions,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    // Only HTTP carries bearer tokens; anything else routed through this guard is denied.
    if (context.getType() !== 'http') return false;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers?.authorization;
    const token = bearerToken(typeof header === 'string' ? header : undefined);
    const known = token ? this.verified.get(token) : undefined;
    if (known) {
      request.principal = known;
      return true;
    }
    let verified;
    try {
      verified = await verifyAccessToken(token, this.options);
    } catch (error) {
      // The issuer's keys could not be fetched or read: our outage, not a bad token.
      this.logger.error(`token keys unavailable: ${(error as Error).message}`);
      throw new ProblemException(
        problem(503, 'auth-unavailable', 'Authentication unavailable', {
          detail: 'The token issuer keys could not be loaded; try again shortly.',
        }),
        { 'Retry-After': '30' },
      );
    }
    if (!verified.ok) throw unauthorized(verified.reason);

    const parsed = principalFromClaims(verified.claims, this.options.principal);
    if (!parsed.ok) throw unauthorized('INVALID_CLAIMS', parsed.errors);
    request.principal = parsed.principal;
    if (token) this.verified.set(token, parsed.principal, verified.claims.exp);
    return true;
  }
}
