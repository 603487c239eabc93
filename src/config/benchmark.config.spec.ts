import type { AppConfig } from './app-config';
import { benchmarkSecurityOff, readBenchmarkConfig } from './benchmark.config';
import { generateSecrets } from './dev-secrets';
import { EnvReader } from './env-reader';
import { ConfigError, loadConfig } from './load-config';

/** Generated once: an EC key pair takes a few milliseconds. */
const secrets = generateSecrets();
const DATABASE = 'postgres://app_runtime:pw@db.internal:5432/app';

describe(readBenchmarkConfig.name, () => {
  it('should leave the security stack on by default', () => {
    const r = new EnvReader({}, false);
    expect(readBenchmarkConfig(r, false)).toEqual({ securityOff: false, plaintextFields: false });
    expect(r.errors).toEqual([]);
  });

  it('should allow the switch outside production', () => {
    const r = new EnvReader({ BENCHMARK_SECURITY_OFF: 'true' }, false);
    expect(readBenchmarkConfig(r, false)).toEqual({ securityOff: true, plaintextFields: true });
    expect(r.errors).toEqual([]);
  });

  it('should refuse the switch in production, and leave it off anyway', () => {
    const r = new EnvReader({ BENCHMARK_SECURITY_OFF: 'true' }, true);
    expect(readBenchmarkConfig(r, true)).toEqual({ securityOff: false, plaintextFields: false });
    expect(r.errors).toContain('BENCHMARK_SECURITY_OFF cannot be set in production');
  });

  it('should allow plaintext fields alone outside production, and refuse them in production', () => {
    const test = new EnvReader({ BENCHMARK_PLAINTEXT_FIELDS: 'true' }, false);
    expect(readBenchmarkConfig(test, false)).toEqual({ securityOff: false, plaintextFields: true });
    const prod = new EnvReader({ BENCHMARK_PLAINTEXT_FIELDS: 'true' }, true);
    expect(readBenchmarkConfig(prod, true)).toEqual({ securityOff: false, plaintextFields: false });
    expect(prod.errors).toContain('BENCHMARK_PLAINTEXT_FIELDS cannot be set in production');
  });
});

describe('BENCHMARK_SECURITY_OFF through loadConfig', () => {
  it('should refuse to boot production with the switch on', () => {
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: DATABASE,
      ...secrets,
      BENCHMARK_SECURITY_OFF: 'true',
    };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (error) {
      expect((error as ConfigError).problems).toContain(
        'BENCHMARK_SECURITY_OFF cannot be set in production',
      );
    }
  });

  it('should turn the limiter and the audit off with it in the benchmark baseline', () => {
    const config = loadConfig({ NODE_ENV: 'test', ...secrets, BENCHMARK_SECURITY_OFF: 'true' });
    expect(benchmarkSecurityOff(config)).toBe(true);
    expect(config.rateLimit.enabled).toBe(false);
    expect(config.audit.disabledForBenchmark).toBe(true);
  });

  it('should leave every layer on without the switch', () => {
    const config = loadConfig({ NODE_ENV: 'test', ...secrets });
    expect(benchmarkSecurityOff(config)).toBe(false);
    expect(config.rateLimit.enabled).toBe(true);
    expect(config.audit.disabledForBenchmark).toBe(false);
  });
});

describe(benchmarkSecurityOff.name, () => {
  it('should say off only when the loaded config says so outside production', () => {
    const off = { securityOff: true };
    expect(benchmarkSecurityOff({ nodeEnv: 'test', benchmark: off } as AppConfig)).toBe(true);
    // A config object built by hand with production and the switch: still on.
    expect(benchmarkSecurityOff({ nodeEnv: 'production', benchmark: off } as AppConfig)).toBe(
      false,
    );
    // Partial configs of unit tests (no `benchmark` at all) and no config: on.
    expect(benchmarkSecurityOff({ nodeEnv: 'test' })).toBe(false);
    expect(benchmarkSecurityOff(undefined)).toBe(false);
  });
});
