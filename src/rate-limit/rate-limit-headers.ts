/**
 * The IETF rate-limit fields, draft-ietf-httpapi-ratelimit-headers (revisions -08 to -11): two
 * Structured Field lists (RFC 9651) whose items are the policy names as strings.
 *   RateLimit-Policy: "address";q=600;w=60        quota q per window w seconds
 *   RateLimit: "address";r=598;t=41               r left, t seconds until the window resets
 * A response lists every policy that was applied to it. The older drafts' RateLimit-Limit /
 * -Remaining / -Reset and @nestjs/throttler's X-RateLimit-* fields are not sent.
 */
export const RATE_LIMIT_POLICY_HEADER = 'ratelimit-policy';
export const RATE_LIMIT_HEADER = 'ratelimit';
export const RETRY_AFTER_HEADER = 'retry-after';

export interface RateLimitPolicy {
  /** A Structured Field token-safe name: the policy's identity in both fields. */
  name: string;
  limit: number;
  windowSeconds: number;
  windowMs: number;
  /** The policy's `RateLimit-Policy` item, built once. */
  field: string;
}

/** The state of one policy for one request. */
export interface RateLimitDecision {
  policy: RateLimitPolicy;
  allowed: boolean;
  remaining: number;
  /** Seconds until the window resets: also the `Retry-After` of a refusal (RFC 9110 §10.2.3). */
  resetSeconds: number;
}

export function definePolicy(
  name: string,
  rule: { limit: number; windowSeconds: number },
): RateLimitPolicy {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`Invalid rate-limit policy name ${name}`);
  return {
    name,
    limit: rule.limit,
    windowSeconds: rule.windowSeconds,
    windowMs: rule.windowSeconds * 1000,
    field: `"${name}";q=${rule.limit};w=${rule.windowSeconds}`,
  };
}

export function decide(policy: RateLimitPolicy, count: number, resetMs: number): RateLimitDecision {
  return {
    policy,
    allowed: count <= policy.limit,
    remaining: Math.max(0, policy.limit - count),
    // Never 0: a client told "retry after 0" would retry at once, into the same window.
    resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)),
  };
}

export function limitItem(decision: RateLimitDecision): string {
  return `"${decision.policy.name}";r=${decision.remaining};t=${decision.resetSeconds}`;
}

/** Both fields for a set of applied policies, in the order they were applied. */
export function rateLimitFields(decisions: readonly RateLimitDecision[]): Record<string, string> {
  return {
    [RATE_LIMIT_POLICY_HEADER]: decisions.map((d) => d.policy.field).join(', '),
    [RATE_LIMIT_HEADER]: decisions.map(limitItem).join(', '),
  };
}
