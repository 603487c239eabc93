import { CanActivate, ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { benchmarkSecurityOff } from '../../config/benchmark.config';
import { AUTHORIZE_KEY, AuthorizeRule } from '../decorators/authorize.decorator';
import { principalOf } from '../decorators/current-principal.decorator';
import { IS_PUBLIC_KEY } from '../decorators/public.decorator';
import { ProblemException } from '../../http/problem';
import { insufficientScope, unauthorized } from './bearer-challenge';

/**
 * Global guard #2 (APP_GUARD, registered right AFTER AuthenticationGuard: it reads the Principal
 * that guard set). A route that is not `@Public()` must carry an `@Authorize(...)` rule, or it is
 * refused (deny by default; the route-inventory e2e test catches such a route before it ships).
 * - `principals`: which kinds of caller may use the route (user tokens, client tokens);
 * - `roles`: the caller needs at least one (a client holds its owner's `user` role only);
 * - `scopes`: the caller needs every one; missing scope is RFC 6750 `insufficient_scope`.
 */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  /** `npm run bench` baseline only (BENCHMARK_SECURITY_OFF; never in production). */
  private readonly benchmarkOff: boolean;

  constructor(
    private readonly reflector: Reflector,
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
  ) {
    this.benchmarkOff = benchmarkSecurityOff(config);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.benchmarkOff) return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    const principal = principalOf(context.switchToHttp().getRequest<FastifyRequest>());
    if (!principal) throw unauthorized(false);
    const rule = this.reflector.getAllAndOverride<AuthorizeRule | undefined>(
      AUTHORIZE_KEY,
      targets,
    );
    if (!rule) {
      throw new ProblemException(403, { detail: 'This route has no access rule.' });
    }
    if (rule.principals && !rule.principals.includes(principal.type)) {
      throw new ProblemException(403, {
        detail:
          principal.type === 'client'
            ? 'OAuth client tokens cannot use this route.'
            : 'This route is for OAuth clients only.',
      });
    }
    if (rule.roles && !rule.roles.some((role) => principal.roles.includes(role))) {
      throw new ProblemException(403, { detail: 'Your role does not allow this.' });
    }
    const missing = (rule.scopes ?? []).filter((scope) => !principal.scopes.includes(scope));
    if (missing.length > 0) throw insufficientScope(rule.scopes ?? []);
    return true;
  }
}
