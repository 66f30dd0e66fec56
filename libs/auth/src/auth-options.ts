import type { PrincipalOptions } from './principal';
import type { VerifyAccessTokenOptions } from './verify-token';

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');

/** How tokens are verified (keys: jwksFromConfig(...) or DevIssuer.keySet()), plus the guard's own settings. */
export interface AuthModuleOptions extends VerifyAccessTokenOptions {
  principal?: PrincipalOptions;
  /**
   * Register AuthGuard for every route (APP_GUARD), so a route is protected unless marked
   * @Public(): deny by default. Default true; false leaves it to @UseGuards(AuthGuard).
   */
  guardAllRoutes?: boolean;
}
