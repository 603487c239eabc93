import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY } from '../decorators/public.decorator';
import type { Principal } from '../principal';
import { ProblemException } from '../../http/problem';
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
  const guard = (isPublic: boolean) =>
    new AuthenticationGuard({
      getAllAndOverride: (key: string) => (key === IS_PUBLIC_KEY ? isPublic : undefined),
    } as unknown as Reflector);
  const principal: Principal = { type: 'user', id: 'u', ownerId: 'u', roles: ['user'], scopes: [] };

  it('should answer 401, never a 500, to a malformed token in the benchmark baseline', async () => {
    const benchGuard = new AuthenticationGuard(
      { getAllAndOverride: () => undefined } as unknown as Reflector,
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
});
