import type { EnvReader } from './env-reader';

/** A budget: at most `limit` requests per `windowSeconds` (a fixed window opened by the first hit). */
export interface RateLimitRule {
  limit: number;
  windowSeconds: number;
}

/** The routes with their own (tier 3) limits; see docs/rate-limiting.md. */
export type RouteLimitName = 'login' | 'register' | 'refresh' | 'oauthToken' | 'paymentCreate';

export interface RateLimitConfig {
  /** Off only outside production (the benchmark measures the limiter off against on). */
  enabled: boolean;
  /** Prefix of every counter key (in Redis and in memory); lets tests and tenants share a Redis. */
  keyPrefix: string;
  /** A Redis command slower than this counts as an outage (the memory fallback answers). */
  redisCommandTimeoutMs: number;
  /** Upper bound on the in-memory counters (oldest evicted first beyond it). */
  memoryMaxKeys: number;
  /** Tier 1: every request, per client address, before authentication. */
  address: RateLimitRule;
  /** Tier 2: every authenticated request, per principal (user or OAuth client id). */
  principal: RateLimitRule;
  /** Tier 3: per route, per address (unauthenticated routes) or per principal (payments). */
  routes: Record<RouteLimitName, RateLimitRule>;
  /** Failed logins (401s) only: per normalised email and per address. */
  lockout: { accountFailures: number; addressFailures: number; windowSeconds: number };
}

/** Defaults, documented in docs/rate-limiting.md and .env.example. */
export const RATE_LIMIT_DEFAULTS = {
  address: { limit: 1200, windowSeconds: 60 },
  principal: { limit: 600, windowSeconds: 60 },
  routes: {
    login: { limit: 30, windowSeconds: 60 },
    register: { limit: 30, windowSeconds: 600 },
    refresh: { limit: 60, windowSeconds: 60 },
    oauthToken: { limit: 60, windowSeconds: 60 },
    paymentCreate: { limit: 60, windowSeconds: 60 },
  },
  lockout: { accountFailures: 10, addressFailures: 30, windowSeconds: 900 },
} as const;

const DAY = 86400;

function rule(r: EnvReader, name: string, fallback: RateLimitRule): RateLimitRule {
  return {
    limit: r.int(`${name}_LIMIT`, fallback.limit, 1, 1_000_000),
    windowSeconds: r.int(`${name}_WINDOW_SECONDS`, fallback.windowSeconds, 1, DAY),
  };
}

/** Reads every RATE_LIMIT_* / LOGIN_LOCKOUT_* variable; errors are collected by the reader. */
export function readRateLimitConfig(r: EnvReader, production: boolean): RateLimitConfig {
  const d = RATE_LIMIT_DEFAULTS;
  const enabled = r.bool('RATE_LIMIT_ENABLED', true);
  // OWASP API4:2023 (unrestricted resource consumption): production cannot switch it off.
  if (production && !enabled) r.errors.push('RATE_LIMIT_ENABLED cannot be false in production');
  const keyPrefix = r.string('RATE_LIMIT_KEY_PREFIX', 'rl:');
  if (!/^[A-Za-z0-9:_-]{1,64}$/.test(keyPrefix))
    r.errors.push('RATE_LIMIT_KEY_PREFIX must be 1-64 characters of A-Z a-z 0-9 : _ -');
  return {
    enabled,
    keyPrefix,
    redisCommandTimeoutMs: r.int('RATE_LIMIT_REDIS_TIMEOUT_MS', 250, 10, 10_000),
    memoryMaxKeys: r.int('RATE_LIMIT_MEMORY_MAX_KEYS', 500_000, 1000, 50_000_000),
    address: rule(r, 'RATE_LIMIT_ADDRESS', d.address),
    principal: rule(r, 'RATE_LIMIT_PRINCIPAL', d.principal),
    routes: {
      login: rule(r, 'RATE_LIMIT_LOGIN', d.routes.login),
      register: rule(r, 'RATE_LIMIT_REGISTER', d.routes.register),
      refresh: rule(r, 'RATE_LIMIT_REFRESH', d.routes.refresh),
      oauthToken: rule(r, 'RATE_LIMIT_OAUTH_TOKEN', d.routes.oauthToken),
      paymentCreate: rule(r, 'RATE_LIMIT_PAYMENT_CREATE', d.routes.paymentCreate),
    },
    lockout: {
      accountFailures: r.int('LOGIN_LOCKOUT_ACCOUNT_FAILURES', d.lockout.accountFailures, 1, 1000),
      addressFailures: r.int(
        'LOGIN_LOCKOUT_ADDRESS_FAILURES',
        d.lockout.addressFailures,
        1,
        10_000,
      ),
      windowSeconds: r.int('LOGIN_LOCKOUT_WINDOW_SECONDS', d.lockout.windowSeconds, 1, DAY),
    },
  };
}
