import { ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { benchmarkSecurityOff } from '../../config/benchmark.config';
import { IS_PUBLIC_KEY } from '../decorators/public.decorator';
import { PRINCIPAL_REQUEST_KEY } from '../decorators/current-principal.decorator';
import { EXTERNAL_JWT_STRATEGY } from '../external/external-jwt.strategy';
import { Principal, SCOPES } from '../principal';
import { bearerToken, JWT_STRATEGY } from '../strategies/jwt.strategy';
import { PrincipalResolver } from '../strategies/principal.resolver';
import { VerifiedTokenCache } from '../tokens/verified-token-cache';
import { SecurityEvents } from '../../monitoring/security-events.service';
import { unauthorized } from './bearer-challenge';
import { tokenRefusalReason } from './token-refusal-reason';

/**
 * Global guard #1 (APP_GUARD, registered FIRST by AuthModule, before the authorization guard,
 * which needs the Principal this one sets). Deny by default: every route needs a valid bearer
 * access token unless it is marked `@Public()`.
 *
 * Tokens are tried against our own issuer (`jwt`), then, when configured, the external issuer
 * (`external-jwt`). Whatever fails answers 401 with `WWW-Authenticate: Bearer` (RFC 6750 §3).
 *
 * One shortcut, which changes no decision: a token that already passed our strategy's full
 * verification in this process (VerifiedTokenCache: the same bytes, before its `exp`) goes
 * straight to the live session / client check (PrincipalResolver), which runs on every request
 * either way. Passport's per-request machinery is then skipped (docs/performance.md).
 */
@Injectable()
export class AuthenticationGuard extends AuthGuard([JWT_STRATEGY, EXTERNAL_JWT_STRATEGY]) {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifiedTokens: VerifiedTokenCache,
    private readonly resolver: PrincipalResolver,
    @Optional() private readonly securityEvents?: SecurityEvents,
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
  ) {
    super();
    this.benchmarkOff = benchmarkSecurityOff(config);
  }

  /** `npm run bench` baseline only (never in production): see unverifiedPrincipal. */
  private readonly benchmarkOff: boolean;

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (this.benchmarkOff) return unverifiedPrincipal(request);
    // RFC 6750 §2.3 is "SHOULD NOT"; we refuse it: URLs end up in logs and Referer headers.
    const query = request.query as Record<string, unknown> | undefined;
    if (query && typeof query === 'object' && 'access_token' in query)
      throw unauthorized(true, 'Access tokens are accepted only in the Authorization header.');
    const token = bearerToken(request);
    const claims = token === null ? undefined : this.verifiedTokens.get(token);
    if (claims === undefined) return (await super.canActivate(context)) as boolean;
    // Already verified: the live check decides, exactly as in JwtStrategy.validate.
    const principal = this.handleRequest<Principal>(
      null,
      (await this.resolver.fromClaims(claims)) ?? false,
      undefined,
      context,
    );
    (request as unknown as Record<string, unknown>)[PRINCIPAL_REQUEST_KEY] = principal;
    return true;
  }

  override getAuthenticateOptions(): { session: boolean; property: string } {
    // passport stores the verified user under this key: `principalOf(request)` reads it.
    return { session: false, property: PRINCIPAL_REQUEST_KEY };
  }

  override handleRequest<TUser = Principal>(
    err: unknown,
    user: unknown,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    if (err && !(err instanceof Error && err.name === 'JsonWebTokenError')) {
      // A ProblemException from a strategy passes through; anything else (e.g. the database is
      // down) is a 500 handled by the problem filter, never a misleading 401.
      throw err instanceof Error ? err : new Error('Authentication failed');
    }
    if (!user) {
      const request = context.switchToHttp().getRequest<FastifyRequest>();
      const presented = typeof request.headers.authorization === 'string';
      // Monitoring (docs/monitoring.md): a presented token that was refused, by reason.
      const reason = presented ? tokenRefusalReason(err ?? info) : undefined;
      if (reason) this.securityEvents?.record('auth.token_refused', { reason });
      throw unauthorized(presented);
    }
    return user as TUser;
  }
}

/**
 * Benchmark baseline only (BENCHMARK_SECURITY_OFF, refused in production): the principal is
 * read from the bearer token's payload with NO signature, expiry or session check, so the
 * handlers run as they do for that user while the guard costs next to nothing.
 */
function unverifiedPrincipal(request: FastifyRequest): boolean {
  const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
  let claims: { sub?: unknown; sid?: unknown };
  try {
    claims = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString() || '{}',
    ) as typeof claims;
  } catch {
    // Even the baseline answers a malformed token with a 401, never a 500.
    throw unauthorized(token !== '');
  }
  if (typeof claims?.sub !== 'string' || claims.sub === '') throw unauthorized(token !== '');
  const principal: Principal = {
    type: 'user',
    id: claims.sub,
    ownerId: claims.sub,
    roles: ['user'],
    scopes: [...SCOPES],
    sessionId: typeof claims.sid === 'string' ? claims.sid : undefined,
  };
  (request as unknown as Record<string, unknown>)[PRINCIPAL_REQUEST_KEY] = principal;
  return true;
}
