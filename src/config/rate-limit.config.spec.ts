import { EnvReader } from './env-reader';
import { RATE_LIMIT_DEFAULTS, readRateLimitConfig } from './rate-limit.config';

describe(readRateLimitConfig.name, () => {
  it('should apply the documented defaults', () => {
    const r = new EnvReader({}, false);
    const config = readRateLimitConfig(r, false);
    expect(r.errors).toEqual([]);
    expect(config).toMatchObject({
      enabled: true,
      keyPrefix: 'rl:',
      address: RATE_LIMIT_DEFAULTS.address,
      principal: RATE_LIMIT_DEFAULTS.principal,
      routes: RATE_LIMIT_DEFAULTS.routes,
      lockout: RATE_LIMIT_DEFAULTS.lockout,
    });
  });

  it('should read every number from the environment', () => {
    const r = new EnvReader(
      {
        RATE_LIMIT_ADDRESS_LIMIT: '7',
        RATE_LIMIT_ADDRESS_WINDOW_SECONDS: '9',
        RATE_LIMIT_PAYMENT_CREATE_LIMIT: '3',
        LOGIN_LOCKOUT_ACCOUNT_FAILURES: '4',
        LOGIN_LOCKOUT_WINDOW_SECONDS: '120',
      },
      false,
    );
    const config = readRateLimitConfig(r, false);
    expect(config.address).toEqual({ limit: 7, windowSeconds: 9 });
    expect(config.routes.paymentCreate.limit).toBe(3);
    expect(config.lockout).toMatchObject({ accountFailures: 4, windowSeconds: 120 });
  });

  it('should refuse switching rate limiting off in production', () => {
    const r = new EnvReader({ RATE_LIMIT_ENABLED: 'false' }, true);
    readRateLimitConfig(r, true);
    expect(r.errors).toContain('RATE_LIMIT_ENABLED cannot be false in production');
  });

  it('should name out-of-range values and a bad key prefix', () => {
    const r = new EnvReader({ RATE_LIMIT_LOGIN_LIMIT: '0', RATE_LIMIT_KEY_PREFIX: 'a b' }, false);
    readRateLimitConfig(r, false);
    expect(r.errors).toEqual([
      expect.stringContaining('RATE_LIMIT_KEY_PREFIX'),
      'RATE_LIMIT_LOGIN_LIMIT must be between 1 and 1000000',
    ]);
  });
});
