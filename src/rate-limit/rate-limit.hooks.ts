import { Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import { SecurityEvents } from '../monitoring/security-events.service';
import { clientAddressKey } from './client-address';
import {
  limitItem,
  RATE_LIMIT_HEADER,
  RATE_LIMIT_POLICY_HEADER,
  RateLimitDecision,
} from './rate-limit-headers';
import { loginReservationOf, setAddressDecision } from './rate-limit-state';
import { RateLimiter, rateLimitedProblem } from './rate-limiter.service';
import { isPromise } from './stores/rate-limit-store';

/**
 * Tier 1 and the login-failure count, as Fastify hooks on the root instance.
 *
 * Tier 1 is an `onRequest` hook, not a Nest guard, because it must come before everything else
 * that costs: it runs before the body is read and parsed, before routing to a handler (404s and
 * 405s are counted too), and before the authentication guard verifies a token, so floods of
 * garbage tokens, login guesses and unknown paths all spend the one per-address budget. Only the
 * request-id hook runs earlier (so a 429 still carries its X-Request-Id).
 */
@Injectable()
export class RateLimitHooks implements OnModuleInit {
  private readonly logger = new Logger('RateLimit');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly limiter: RateLimiter,
    @Optional() private readonly securityEvents?: SecurityEvents,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || typeof fastify.addHook !== 'function') return;
    if (!this.limiter.config.enabled) {
      this.logger.warn('Rate limiting is DISABLED (RATE_LIMIT_ENABLED=false)');
      return;
    }
    fastify.addHook('onRequest', this.limitByAddress);
    fastify.addHook('onResponse', this.countLoginFailure);
  }

  /** Callback style (no promise) so the memory store's synchronous path allocates nothing extra. */
  private readonly limitByAddress = (
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void => {
    const policy = this.limiter.addressPolicy;
    const finish = (decision: RateLimitDecision): void => {
      setAddressDecision(request, decision);
      void reply.header(RATE_LIMIT_POLICY_HEADER, policy.field);
      void reply.header(RATE_LIMIT_HEADER, limitItem(decision));
      if (decision.allowed) return done();
      this.securityEvents?.record('rate_limit.exceeded', { tier: 'address' }); // docs/monitoring.md
      done(rateLimitedProblem(decision, [decision]));
    };
    const decision = this.limiter.consume(policy, clientAddressKey(request.ip));
    if (isPromise(decision)) decision.then(finish, done);
    else finish(decision);
  };

  /** A reserved login attempt that did not end in 401 was not a failure: give it back. */
  private readonly countLoginFailure = (
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void => {
    const keys = loginReservationOf(request);
    if (keys !== undefined && reply.statusCode !== 401) {
      for (const key of keys) {
        const released = this.limiter.release(key);
        if (isPromise(released))
          released.catch((error: unknown) =>
            this.logger.warn({ err: error }, 'Could not release a login reservation'),
          );
      }
    }
    done();
  };
}
