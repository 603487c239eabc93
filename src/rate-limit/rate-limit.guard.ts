import { CanActivate, ExecutionContext, Injectable, Optional } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { principalOf } from '../auth/decorators/current-principal.decorator';
import { SecurityEvents } from '../monitoring/security-events.service';
import { clientAddressKey } from './client-address';
import { accountKey } from './email-key';
import { RateLimitDecision, rateLimitFields } from './rate-limit-headers';
import { addressDecisionOf, setLoginReservation } from './rate-limit-state';
import { RateLimiter, rateLimitedProblem } from './rate-limiter.service';
import { LOGIN_ROUTE, routeLimitOf } from './route-limits';

/**
 * Tiers 2 and 3, and the login lock-out. A global guard that MUST run after the authentication
 * guard (it reads the verified principal): Nest runs APP_GUARDs in module registration order, so
 * RateLimitModule is imported after AuthModule in AppModule and no module imported earlier may
 * import it (the principal-limit e2e test fails if the order is ever wrong).
 *
 * - Tier 2: an authenticated caller's budget is keyed by principal (`user:<id>` / `client:<id>`),
 *   not address: colleagues behind one NAT keep separate budgets, and one user cannot multiply
 *   its budget by spreading over addresses.
 * - Tier 3: the routes in ROUTE_LIMITS get their own budget, per address or per principal.
 * - Lock-out (OWASP ASVS 2.2.1, OWASP Authentication Cheat Sheet): on POST /v1/auth/login, one
 *   attempt is reserved on the account's and on the address's failure counters before the
 *   password is checked; the login-failure hook gives the reservation back unless the answer is
 *   the 401 of a failed login. Reserving first (rather than counting 401s afterwards) means
 *   concurrent guesses cannot overshoot the limit. Once either counter is full the attempt is
 *   refused with 429 before the password is looked at, so the right password does not help.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly limiter: RateLimiter,
    @Optional() private readonly securityEvents?: SecurityEvents,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (!this.limiter.config.enabled || context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = principalOf(request);
    const route = routeLimitOf(request.routeOptions?.url, request.method);
    if (principal === undefined && route === undefined) return true;
    return this.check(request, context.switchToHttp().getResponse<FastifyReply>(), route);
  }

  private async check(
    request: FastifyRequest,
    reply: FastifyReply,
    route: ReturnType<typeof routeLimitOf>,
  ): Promise<boolean> {
    const principal = principalOf(request);
    const principalId = principal ? `${principal.type}:${principal.id}` : undefined;
    const address = clientAddressKey(request.ip);
    const applied: RateLimitDecision[] = [];
    const tier1 = addressDecisionOf(request);
    if (tier1) applied.push(tier1);

    const limit = async (
      decision: Promise<RateLimitDecision> | RateLimitDecision,
      tier: 'principal' | 'route',
    ) => {
      const d = await decision;
      applied.push(d);
      if (!d.allowed) {
        this.securityEvents?.record('rate_limit.exceeded', { tier }); // docs/monitoring.md
        throw rateLimitedProblem(d, applied);
      }
    };

    if (principalId !== undefined) {
      await limit(this.limiter.consume(this.limiter.principalPolicy, principalId), 'principal');
    }
    if (route !== undefined) {
      const id = route.by === 'principal' ? principalId : address;
      // A principal-keyed route reached without a principal falls back to the address.
      await limit(
        this.limiter.consume(this.limiter.routePolicies[route.name], id ?? address),
        'route',
      );
    }
    for (const [name, value] of Object.entries(rateLimitFields(applied))) {
      void reply.header(name, value);
    }
    if (request.routeOptions?.url === LOGIN_ROUTE.url && request.method === LOGIN_ROUTE.method) {
      await this.reserveLoginAttempt(request, address);
    }
    return true;
  }

  private async reserveLoginAttempt(request: FastifyRequest, address: string): Promise<void> {
    const { limiter } = this;
    const account = accountKey((request.body as Record<string, unknown> | undefined)?.email);
    const reservations: [string, ReturnType<RateLimiter['consume']>][] = [
      [
        limiter.key(limiter.lockoutAddressPolicy, address),
        limiter.consume(limiter.lockoutAddressPolicy, address),
      ],
    ];
    if (account !== undefined) {
      reservations.push([
        limiter.key(limiter.lockoutAccountPolicy, account),
        limiter.consume(limiter.lockoutAccountPolicy, account),
      ]);
    }
    // Recorded before any refusal: the login-failure hook releases every reservation of an
    // attempt that does not end in 401, a 429 refusal included.
    setLoginReservation(
      request,
      reservations.map(([key]) => key),
    );
    const decisions = await Promise.all(reservations.map(async ([, decision]) => decision));
    const refused = decisions
      .filter((d) => !d.allowed)
      .sort((a, b) => b.resetSeconds - a.resetSeconds)[0];
    if (refused !== undefined) {
      // Monitoring (docs/monitoring.md): an attempt refused by the lock-out; no email in labels
      // or log line.
      const byAccount = refused.policy === limiter.lockoutAccountPolicy;
      this.securityEvents?.record('auth.lockout', {});
      this.securityEvents?.record('rate_limit.exceeded', { tier: byAccount ? 'account' : 'login' });
      // Lock-out counters stay out of the RateLimit fields: they would tell anyone how many
      // failures an account has collected. Retry-After is still given (RFC 6585 §4).
      throw rateLimitedProblem(
        refused,
        [],
        'Too many failed sign-in attempts. Retry after the time given in Retry-After.',
      );
    }
  }
}
