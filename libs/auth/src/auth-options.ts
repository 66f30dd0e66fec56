import type { JWTVerifyGetKey } from 'jose';
import type { PrincipalOptions } from './principal';

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');

export interface AuthModuleOptions {
  /** jwksFromConfig(...) or DevIssuer.keySet() */
  keys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  algorithms?: readonly string[];
  clockToleranceSeconds?: number;
  now?: () => Date;
  principal?: PrincipalOptions;
  /**
   * Register AuthGuard for every route (APP_GUARD), so a route is protected unless marked
   * @Public(): deny by default. Default true; false leaves it to @UseGuards(AuthGuard).
   */
  guardAllRoutes?: boolean;
}
