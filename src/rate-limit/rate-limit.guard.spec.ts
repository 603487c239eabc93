import { ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PRINCIPAL_REQUEST_KEY } from '../auth/decorators/current-principal.decorator';
import type { Principal } from '../auth/principal';
import type { AppConfig } from '../config/app-config';
import { EnvReader } from '../config/env-reader';
import { readRateLimitConfig } from '../config/rate-limit.config';
import { ProblemException } from '../http/problem';
import { RateLimitGuard } from './rate-limit.guard';
import { loginReservationOf } from './rate-limit-state';
import { RateLimiter } from './rate-limiter.service';

function limiter(env: Record<string, string>): RateLimiter {
  const rateLimit = readRateLimitConfig(new EnvReader(env, false), false);
  return new RateLimiter({ redis: {}, rateLimit } as AppConfig);
}

function context(request: Partial<FastifyRequest> & Record<string, unknown>) {
  const headers: Record<string, string> = {};
  const reply = {
    header: (name: string, value: string) => {
      headers[name] = value;
      return reply;
    },
  } as unknown as FastifyReply;
  const ctx = {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ExecutionContext;
  return { ctx, headers };
}

const user: Principal = { type: 'user', id: 'u1', ownerId: 'u1', roles: ['user'], scopes: [] };

describe(RateLimitGuard.name, () => {
  it('should pass a public request outside the route table synchronously, counting nothing', () => {
    const guard = new RateLimitGuard(limiter({ RATE_LIMIT_PRINCIPAL_LIMIT: '1' }));
    const { ctx, headers } = context({
      ip: '192.0.2.1',
      method: 'GET',
      routeOptions: { url: '/x' },
    } as never);
    expect(guard.canActivate(ctx)).toBe(true);
    expect(headers).toEqual({});
  });

  it('should refuse a principal past its budget with a 429 problem and Retry-After', async () => {
    const guard = new RateLimitGuard(limiter({ RATE_LIMIT_PRINCIPAL_LIMIT: '1' }));
    const request = {
      ip: '192.0.2.1',
      method: 'GET',
      routeOptions: { url: '/v1/auth/me' },
      [PRINCIPAL_REQUEST_KEY]: user,
    };
    await expect(guard.canActivate(context(request as never).ctx)).resolves.toBe(true);
    const refused = guard.canActivate(context(request as never).ctx);
    await expect(refused).rejects.toBeInstanceOf(ProblemException);
    await expect(refused).rejects.toMatchObject({
      problem: { slug: 'rate-limited', headers: { 'retry-after': '60' } },
    });
  });

  it('should reserve a login attempt on the account and the address, and lock out past the limit', async () => {
    const guard = new RateLimitGuard(limiter({ LOGIN_LOCKOUT_ACCOUNT_FAILURES: '1' }));
    const login = () =>
      ({
        ip: '192.0.2.1',
        method: 'POST',
        routeOptions: { url: '/v1/auth/login' },
        body: { email: 'Ada@Example.com', password: 'x' },
      }) as never;
    const first = login();
    await expect(guard.canActivate(context(first).ctx)).resolves.toBe(true);
    expect(loginReservationOf(first)).toEqual([
      'rl:login-address:192.0.2.1',
      expect.stringMatching(/^rl:login-account:[A-Za-z0-9_-]{43}$/),
    ]);
    // The first attempt was not released (as after a 401): the account is now locked.
    await expect(guard.canActivate(context(login()).ctx)).rejects.toMatchObject({
      problem: { slug: 'rate-limited' },
    });
  });
});
