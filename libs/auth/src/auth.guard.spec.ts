import { Controller, Get, type ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { ProblemException } from '@backbone/platform';
import type { AuthModuleOptions } from './auth-options';
import { AuthGuard } from './auth.guard';
import { AuthModule } from './auth.module';
import { CurrentPrincipal, Public, type AuthenticatedRequest } from './decorators';
import { exampleHealthWorkerClaims } from './dev-claims';
import { DEV_ISSUER, DevIssuer, unsignedToken } from './dev-issuer';
import { HELSEID_CLAIMS, type HealthWorkerPrincipal } from './principal';

@Controller()
class ExampleController {
  @Get('records')
  records(@CurrentPrincipal() principal: unknown) {
    return principal;
  }

  @Public()
  @Get('health')
  health() {
    return 'ok';
  }
}

@Public()
@Controller()
class OpenController {
  @Get('docs')
  docs() {
    return 'docs';
  }
}

/** Just enough of an ExecutionContext for a guard: no HTTP server. */
function httpContext(request: Partial<AuthenticatedRequest>, handler: (...args: never[]) => unknown = ExampleController.prototype.records, controller: object = ExampleController) {
  return {
    getType: () => 'http',
    getHandler: () => handler,
    getClass: () => controller,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}), getNext: () => undefined }),
  } as unknown as ExecutionContext;
}

const AUDIENCE = 'backbone-query';

describe('AuthGuard', () => {
  let issuer: DevIssuer;
  let options: AuthModuleOptions;
  let guard: AuthGuard;
  const sign = (extra: Record<string, unknown> = {}) =>
    issuer.sign({ subject: 'sub', clientId: 'ehr-ous', audience: AUDIENCE, scope: 'backbone:read', extraClaims: extra });

  /** Runs the guard and returns the problem it threw. */
  async function rejection(request: Partial<AuthenticatedRequest>): Promise<ProblemException> {
    try {
      await guard.canActivate(httpContext(request));
    } catch (error) {
      expect(error).toBeInstanceOf(ProblemException);
      return error as ProblemException;
    }
    throw new Error('expected the guard to throw');
  }

  beforeAll(async () => {
    issuer = await DevIssuer.create();
    options = { keys: issuer.keySet(), issuer: DEV_ISSUER, audience: AUDIENCE };
    guard = new AuthGuard(options, new Reflector());
  });

  it('attaches a system principal for a good client-credentials token', async () => {
    const request: Partial<AuthenticatedRequest> = { headers: { authorization: `Bearer ${await sign()}` } };
    await expect(guard.canActivate(httpContext(request))).resolves.toBe(true);
    expect(request.principal).toEqual({ kind: 'system', clientId: 'ehr-ous', scopes: ['backbone:read'] });
  });

  it('attaches a health-worker principal for a HelseID user token', async () => {
    const request: Partial<AuthenticatedRequest> = { headers: { authorization: `bearer ${await sign(exampleHealthWorkerClaims())}` } };
    await guard.canActivate(httpContext(request));
    expect(request.principal).toMatchObject({ kind: 'health-worker', hprNumber: '9144900', attestation: { purposeOfUse: 'TREAT' } });
    expect((request.principal as HealthWorkerPrincipal).pid).toHaveLength(11);
  });

  it('no token: 401 with a bare Bearer challenge (RFC 6750)', async () => {
    const error = await rejection({ headers: {} });
    expect(error.getStatus()).toBe(401);
    expect(error.problem).toEqual({
      type: '/problems/unauthorized',
      title: 'Unauthorized',
      status: 401,
      detail: 'No bearer token was sent.',
      reason: 'MISSING_TOKEN',
    });
    expect(error.headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
  });

  it('a bad token: 401 invalid_token naming the reason', async () => {
    const expired = await rejection({ headers: { authorization: `Bearer ${await issuer.signExpired({ subject: 's', clientId: 'c', audience: AUDIENCE })}` } });
    expect(expired.problem).toMatchObject({ status: 401, type: '/problems/unauthorized', reason: 'EXPIRED', detail: 'The token has expired.' });
    expect(expired.headers).toEqual({ 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The token has expired"' });

    const none = await rejection({ headers: { authorization: `Bearer ${unsignedToken({ iss: DEV_ISSUER, aud: AUDIENCE, exp: 4102444800 })}` } });
    expect(none.problem).toMatchObject({ reason: 'UNSIGNED_TOKEN' });
    expect(none.headers['WWW-Authenticate']).toBe('Bearer error="invalid_token", error_description="The token is not signed"');
  });

  it('a valid token with broken claims: 401 INVALID_CLAIMS with field-named errors', async () => {
    const claims = exampleHealthWorkerClaims();
    delete claims[HELSEID_CLAIMS.hprNumber];
    const error = await rejection({ headers: { authorization: `Bearer ${await sign(claims)}` } });
    expect(error.problem).toMatchObject({
      status: 401,
      reason: 'INVALID_CLAIMS',
      errors: [{ field: HELSEID_CLAIMS.hprNumber, rule: 'required' }],
    });
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token", error_description="[^"\\]+"$/);
  });

  it('keys that cannot be loaded: 503, not 401', async () => {
    const failing = new AuthGuard({ ...options, keys: async () => Promise.reject(new Error('JWKS fetch timed out')) }, new Reflector());
    jest.spyOn(failing['logger'], 'error').mockImplementation(() => undefined);
    try {
      await failing.canActivate(httpContext({ headers: { authorization: `Bearer ${await sign()}` } }));
      throw new Error('expected the guard to throw');
    } catch (error) {
      expect((error as ProblemException).problem).toMatchObject({ status: 503, type: '/problems/auth-unavailable' });
      expect((error as ProblemException).headers).toEqual({ 'Retry-After': '30' });
    }
  });

  it('lets @Public() routes and controllers through without a token', async () => {
    const request: Partial<AuthenticatedRequest> = { headers: {} };
    await expect(guard.canActivate(httpContext(request, ExampleController.prototype.health))).resolves.toBe(true);
    await expect(guard.canActivate(httpContext(request, OpenController.prototype.docs, OpenController))).resolves.toBe(true);
    expect(request.principal).toBeUndefined();
  });

  it('denies non-HTTP contexts', async () => {
    const context = { ...httpContext({}), getType: () => 'rpc' } as unknown as ExecutionContext;
    await expect(guard.canActivate(context)).resolves.toBe(false);
  });
});

describe('@CurrentPrincipal()', () => {
  const factory = () => {
    const metadata = Reflect.getMetadata(ROUTE_ARGS_METADATA, ExampleController, 'records');
    return (Object.values(metadata)[0] as { factory: (data: unknown, context: ExecutionContext) => unknown }).factory;
  };

  it('returns the principal the guard attached', () => {
    const principal = { kind: 'system', clientId: 'c', scopes: [] };
    expect(factory()(undefined, httpContext({ principal } as Partial<AuthenticatedRequest>))).toBe(principal);
  });

  it('fails loudly on a route the guard did not authenticate', () => {
    expect(() => factory()(undefined, httpContext({}))).toThrow(/CurrentPrincipal/);
  });
});

describe('AuthModule.forRoot', () => {
  /** Whether an APP_GUARD provider is registered (Nest renames it to "APP_GUARD (UUID: ...)"). */
  async function compile(guardAllRoutes?: boolean) {
    const issuer = await DevIssuer.create();
    const moduleRef = await Test.createTestingModule({
      imports: [AuthModule.forRoot({ keys: issuer.keySet(), issuer: DEV_ISSUER, audience: AUDIENCE, guardAllRoutes })],
      controllers: [ExampleController],
    }).compile();
    type Modules = Map<string, { providers: Map<unknown, { token: unknown }> }>;
    const modules = (moduleRef as unknown as { container: { getModules(): Modules } }).container.getModules();
    const appGuard = [...modules.values()].some((module) =>
      [...module.providers.values()].some((wrapper) => typeof wrapper.token === 'string' && wrapper.token.startsWith(APP_GUARD)),
    );
    const guard = moduleRef.get(AuthGuard);
    await moduleRef.close();
    return { appGuard, guard };
  }

  it('provides the guard and registers it for every route by default', async () => {
    const { appGuard, guard } = await compile();
    expect(guard).toBeInstanceOf(AuthGuard);
    expect(appGuard).toBe(true);
  });

  it('leaves routing to @UseGuards(AuthGuard) with guardAllRoutes: false', async () => {
    const { appGuard, guard } = await compile(false);
    expect(guard).toBeInstanceOf(AuthGuard);
    expect(appGuard).toBe(false);
  });
});
