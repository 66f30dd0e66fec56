import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AUTH_OPTIONS, type AuthModuleOptions } from './auth-options';
import { AuthGuard } from './auth.guard';

/**
 * `AuthModule.forRoot({ keys, issuer, audience })`, or `forRoot(authModuleOptions(config))` from
 * the environment. Guards every route unless `guardAllRoutes: false`; mark open routes @Public().
 */
@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions): DynamicModule {
    const providers: Provider[] = [{ provide: AUTH_OPTIONS, useValue: options }, AuthGuard];
    if (options.guardAllRoutes ?? true) providers.push({ provide: APP_GUARD, useExisting: AuthGuard });
    return { module: AuthModule, global: true, providers, exports: [AUTH_OPTIONS, AuthGuard] };
  }
}
