import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RateLimitConfig, RouteLimitName } from '../config/rate-limit.config';
import { ProblemException } from '../http/problem';
import {
  decide,
  definePolicy,
  RateLimitDecision,
  RateLimitPolicy,
  rateLimitFields,
  RETRY_AFTER_HEADER,
} from './rate-limit-headers';
import { FailoverRateLimitStore } from './stores/failover-rate-limit.store';
import { MemoryRateLimitStore } from './stores/memory-rate-limit.store';
import { HitResult, isPromise, MaybePromise, RateLimitStore } from './stores/rate-limit-store';
import { RedisRateLimitStore } from './stores/redis-rate-limit.store';

/** Policy names as they appear in the RateLimit fields and in counter keys. */
export const ROUTE_POLICY_NAMES: Record<RouteLimitName, string> = {
  login: 'login',
  register: 'register',
  refresh: 'refresh',
  oauthToken: 'oauth-token',
  paymentCreate: 'payment-create',
};

/**
 * The counters behind every tier: which store (memory, or Redis with a memory fallback), the
 * policies built from configuration, and one `consume` that counts a hit and says whether it is
 * within budget. Stateless about HTTP: the hook and the guard decide what to count.
 */
@Injectable()
export class RateLimiter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  readonly config: RateLimitConfig;
  readonly store: RateLimitStore;
  private readonly redis?: RedisRateLimitStore;
  private readonly failover?: FailoverRateLimitStore;

  readonly addressPolicy: RateLimitPolicy;
  readonly principalPolicy: RateLimitPolicy;
  readonly routePolicies: Record<RouteLimitName, RateLimitPolicy>;
  readonly lockoutAccountPolicy: RateLimitPolicy;
  readonly lockoutAddressPolicy: RateLimitPolicy;

  constructor(@Inject(APP_CONFIG) appConfig: AppConfig) {
    this.config = appConfig.rateLimit;
    const memory = new MemoryRateLimitStore(this.config.memoryMaxKeys);
    if (appConfig.redis.url && this.config.enabled) {
      this.redis = new RedisRateLimitStore(appConfig.redis.url, {
        commandTimeoutMs: this.config.redisCommandTimeoutMs,
      });
      // ioredis emits 'error' on every failed reconnect; the failover store logs the outage once.
      this.redis.client.on('error', () => undefined);
      this.failover = new FailoverRateLimitStore(this.redis, memory);
      this.store = this.failover;
    } else {
      this.store = memory;
    }
    const c = this.config;
    this.addressPolicy = definePolicy('address', c.address);
    this.principalPolicy = definePolicy('principal', c.principal);
    this.routePolicies = Object.fromEntries(
      (Object.keys(ROUTE_POLICY_NAMES) as RouteLimitName[]).map((route) => [
        route,
        definePolicy(ROUTE_POLICY_NAMES[route], c.routes[route]),
      ]),
    ) as Record<RouteLimitName, RateLimitPolicy>;
    const lockoutWindow = { windowSeconds: c.lockout.windowSeconds };
    this.lockoutAccountPolicy = definePolicy('login-account', {
      limit: c.lockout.accountFailures,
      ...lockoutWindow,
    });
    this.lockoutAddressPolicy = definePolicy('login-address', {
      limit: c.lockout.addressFailures,
      ...lockoutWindow,
    });
  }

  async onModuleInit(): Promise<void> {
    if (!this.redis || !this.failover) return;
    // Start even when Redis is down (limited per instance meanwhile) rather than not at all.
    if (!(await this.redis.connect())) this.failover.markFailed(new Error('connect failed'));
    else this.logger.log('Rate-limit counters are shared through Redis');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.close();
  }

  /** True while Redis is configured but failing (limits are per instance until it returns). */
  get degraded(): boolean {
    return this.failover?.degraded ?? false;
  }

  /** The counter key of a policy for one client identity. */
  key(policy: RateLimitPolicy, id: string): string {
    return `${this.config.keyPrefix}${policy.name}:${id}`;
  }

  /** Counts one hit of `id` against `policy`. Synchronous with the memory store. */
  consume(policy: RateLimitPolicy, id: string): MaybePromise<RateLimitDecision> {
    const result = this.store.hit(this.key(policy, id), policy.windowMs);
    return isPromise(result)
      ? result.then((r: HitResult) => decide(policy, r.count, r.resetMs))
      : decide(policy, result.count, result.resetMs);
  }

  release(key: string): MaybePromise<void> {
    return this.store.release(key);
  }
}

/**
 * The 429 problem (RFC 6585 §4, RFC 9457) with `Retry-After` in seconds and, unless `silent`, the
 * RateLimit fields of the applied policies.
 */
export function rateLimitedProblem(
  refused: RateLimitDecision,
  applied: readonly RateLimitDecision[],
  detail = 'Too many requests. Retry after the time given in Retry-After.',
): ProblemException {
  return new ProblemException(429, {
    slug: 'rate-limited',
    detail,
    headers: {
      ...(applied.length > 0 ? rateLimitFields(applied) : {}),
      [RETRY_AFTER_HEADER]: String(refused.resetSeconds),
    },
  });
}
