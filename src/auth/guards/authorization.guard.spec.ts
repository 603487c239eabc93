import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AUTHORIZE_KEY, AuthorizeRule } from '../decorators/authorize.decorator';
import { PRINCIPAL_REQUEST_KEY } from '../decorators/current-principal.decorator';
import { IS_PUBLIC_KEY } from '../decorators/public.decorator';
import type { Principal } from '../principal';
import { ProblemException } from '../../http/problem';
import { AuthorizationGuard } from './authorization.guard';

describe(AuthorizationGuard.name, () => {
  const user: Principal = {
    type: 'user',
    id: 'u1',
    ownerId: 'u1',
    roles: ['user'],
    scopes: ['customers:read', 'customers:write', 'payments:read', 'payments:write'],
  };
  const client: Principal = {
    type: 'client',
    id: 'c1',
    ownerId: 'u1',
    roles: ['user'],
    scopes: ['customers:read'],
  };

  function run(meta: { isPublic?: boolean; rule?: AuthorizeRule }, principal?: Principal): boolean {
    const reflector = {
      getAllAndOverride: (key: string) =>
        key === IS_PUBLIC_KEY ? meta.isPublic : key === AUTHORIZE_KEY ? meta.rule : undefined,
    } as unknown as Reflector;
    const context = {
      getHandler: () => () => undefined,
      getClass: () => class {},
      switchToHttp: () => ({ getRequest: () => ({ [PRINCIPAL_REQUEST_KEY]: principal }) }),
    } as unknown as ExecutionContext;
    return new AuthorizationGuard(reflector).canActivate(context);
  }
  const status = (fn: () => unknown): number => {
    try {
      fn();
    } catch (error) {
      return (error as ProblemException).getStatus();
    }
    return 200;
  };

  it('should let public routes through without a principal', () => {
    expect(run({ isPublic: true })).toBe(true);
  });

  it('should refuse a protected route without a rule (deny by default)', () => {
    expect(status(() => run({}, user))).toBe(403);
  });

  it('should refuse a protected route without a principal with 401', () => {
    expect(status(() => run({ rule: { roles: ['user'] } }))).toBe(401);
  });

  it('should check roles: one of them is enough', () => {
    expect(run({ rule: { roles: ['admin', 'user'] } }, user)).toBe(true);
    expect(status(() => run({ rule: { roles: ['admin'] } }, user))).toBe(403);
  });

  it('should answer insufficient_scope with WWW-Authenticate for a missing scope', () => {
    try {
      run({ rule: { roles: ['user'], scopes: ['payments:write'] } }, client);
      throw new Error('should have thrown');
    } catch (error) {
      const problem = error as ProblemException;
      expect(problem.getStatus()).toBe(403);
      expect(problem.problem.headers?.['WWW-Authenticate']).toBe(
        'Bearer error="insufficient_scope", scope="payments:write"',
      );
    }
  });

  it('should restrict principal types when the rule says so', () => {
    expect(status(() => run({ rule: { roles: ['user'], principals: ['user'] } }, client))).toBe(
      403,
    );
    expect(run({ rule: { roles: ['user'], principals: ['user'] } }, user)).toBe(true);
  });
});
