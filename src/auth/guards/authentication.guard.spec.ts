import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PRINCIPAL_REQUEST_KEY } from '../decorators/current-principal.decorator';
import { IS_PUBLIC_KEY } from '../decorators/public.decorator';
import type { Principal } from '../principal';
import { ProblemException } from '../../http/problem';
import { PrincipalResolver } from '../strategies/principal.resolver';
import { AccessTokenClaims } from '../tokens/access-token.service';
import { VerifiedTokenCache } from '../tokens/verified-token-cache';
import { AuthenticationGuard } from './authentication.guard';

describe(AuthenticationGuard.name, () => {
  function context(request: {
    headers?: Record<string, string>;
    query?: object;
  }): ExecutionContext {
    return {
      getHandler: () => () => undefined,
      getClass: () => class {},
      switchToHttp: () => ({
        getRequest: () => ({ headers: {}, query: {}, ...request }),
        getResponse: () => ({}),
      }),
    } as unknown as ExecutionContext;
  }
  const reflector = (isPublic: boolean) =>
    ({
      getAllAndOverride: (key: string) => (key === IS_PUBLIC_KEY ? isPublic : undefined),
    }) as unknown as Reflector;
  const unusedResolver = {} as PrincipalResolver;
  const guard = (isPublic: boolean) =>
    new AuthenticationGuard(reflector(isPublic), new VerifiedTokenCache(), unusedResolver);
  const principal: Principal = { type: 'user', id: 'u', ownerId: 'u', roles: ['user'], scopes: [] };

  it('should answer 401, never a 500, to a malformed token in the benchmark baseline', async () => {
    const benchGuard = new AuthenticationGuard(
      reflector(false),
      new VerifiedTokenCache(),
      unusedResolver,
      undefined,
      { nodeEnv: 'test', benchmark: { securityOff: true } } as never,
    );
    for (const authorization of ['Bearer x.%%%.y', 'Bearer a.bm90IGpzb24.c', 'Bearer a.e30.c']) {
      const promise = benchGuard.canActivate(context({ headers: { authorization } }));
      await expect(promise).rejects.toMatchObject({ status: 401 });
    }
  });

  it('should let a @Public() route through without running passport', async () => {
    await expect(guard(true).canActivate(context({}))).resolves.toBe(true);
  });

  it('should refuse a token in the query string before looking at it', async () => {
    const promise = guard(false).canActivate(context({ query: { access_token: 'x' } }));
    await expect(promise).rejects.toBeInstanceOf(ProblemException);
    await expect(promise).rejects.toMatchObject({ status: 401 });
  });

  it('should answer a bare Bearer challenge when no token was presented', () => {
    try {
      guard(false).handleRequest(null, false, undefined, context({}));
      throw new Error('should have thrown');
    } catch (error) {
      expect((error as ProblemException).problem.headers?.['WWW-Authenticate']).toBe('Bearer');
    }
  });

  it('should answer error="invalid_token" when a token was presented and refused', () => {
    try {
      guard(false).handleRequest(
        null,
        false,
        new Error('unknown kid'),
        context({ headers: { authorization: 'Bearer x' } }),
      );
      throw new Error('should have thrown');
    } catch (error) {
      expect((error as ProblemException).getStatus()).toBe(401);
      expect((error as ProblemException).problem.headers?.['WWW-Authenticate']).toMatch(
        /^Bearer error="invalid_token"/,
      );
    }
  });

  it('should pass an infrastructure error through (a 500, never a misleading 401)', () => {
    const failure = new Error('connection refused');
    expect(() => guard(false).handleRequest(failure, false, undefined, context({}))).toThrow(
      failure,
    );
  });

  it('should return the principal the strategy produced', () => {
    expect(guard(false).handleRequest(null, principal, undefined, context({}))).toBe(principal);
  });

  describe('with a token already verified in this process', () => {
    const token = 'header.payload.signature';
    const claims: Partial<AccessTokenClaims> = { sub: 'u', exp: Date.now() / 1000 + 60 };
    function fastGuard(live: Principal | undefined) {
      const verified = new VerifiedTokenCache();
      verified.set(token, claims);
      const fromClaims = jest.fn(async () => live);
      const events = { record: jest.fn() };
      const subject = new AuthenticationGuard(
        reflector(false),
        verified,
        { fromClaims } as unknown as PrincipalResolver,
        events as never,
      );
      return { subject, fromClaims, events };
    }

    it('should set the principal from the live check without running passport', async () => {
      const { subject, fromClaims } = fastGuard(principal);
      const request = { headers: { authorization: `Bearer ${token}` }, query: {} };
      const ctx = { ...context({}), switchToHttp: () => ({ getRequest: () => request }) };
      // No passport strategy is registered in this test: reaching passport would throw.
      await expect(subject.canActivate(ctx as ExecutionContext)).resolves.toBe(true);
      expect(fromClaims).toHaveBeenCalledWith(claims);
      expect((request as Record<string, unknown>)[PRINCIPAL_REQUEST_KEY]).toBe(principal);
    });

    it('should answer 401 and record a revoked token when the session is no longer live', async () => {
      const { subject, events } = fastGuard(undefined);
      const promise = subject.canActivate(
        context({ headers: { authorization: `Bearer ${token}` } }),
      );
      await expect(promise).rejects.toMatchObject({ status: 401 });
      expect(events.record).toHaveBeenCalledWith('auth.token_refused', { reason: 'revoked' });
    });

    it('should not take the shortcut for a different token', async () => {
      const { subject, fromClaims } = fastGuard(principal);
      const promise = subject.canActivate(
        context({ headers: { authorization: `Bearer ${token}x` } }),
      );
      // Passport's path: no strategy is registered here, so it fails; the cache was not used.
      await expect(promise).rejects.toBeDefined();
      expect(fromClaims).not.toHaveBeenCalled();
    });
  });
});
