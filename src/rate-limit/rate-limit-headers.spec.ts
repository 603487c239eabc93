import { decide, definePolicy, rateLimitFields } from './rate-limit-headers';

describe('rate-limit headers', () => {
  const policy = definePolicy('address', { limit: 10, windowSeconds: 60 });

  it('should write RateLimit-Policy and RateLimit as draft-ietf-httpapi-ratelimit-headers lists', () => {
    const other = definePolicy('login', { limit: 5, windowSeconds: 900 });
    expect(rateLimitFields([decide(policy, 3, 41_200), decide(other, 1, 900_000)])).toEqual({
      'ratelimit-policy': '"address";q=10;w=60, "login";q=5;w=900',
      ratelimit: '"address";r=7;t=42, "login";r=4;t=900',
    });
  });

  it('should refuse past the limit with no remaining quota and a reset of at least one second', () => {
    const d = decide(policy, 11, 10);
    expect(d).toMatchObject({ allowed: false, remaining: 0, resetSeconds: 1 });
    expect(decide(policy, 10, 10).allowed).toBe(true);
  });

  it('should refuse a policy name that is not a safe token', () => {
    expect(() => definePolicy('a"b', { limit: 1, windowSeconds: 1 })).toThrow();
  });
});
