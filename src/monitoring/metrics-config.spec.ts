import { generateSecrets } from '../config/dev-secrets';
import { ConfigError, loadConfig } from '../config/load-config';

/** The metrics listener's configuration rules (docs/monitoring.md, "Where /metrics lives"). */
const secrets = generateSecrets();
const production = (env: Record<string, string> = {}) => ({
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://app_runtime:pw@db.internal:5432/app',
  ...secrets,
  ...env,
});

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('metrics configuration', () => {
  it('should bind the metrics listener to loopback on port 9464 by default', () => {
    const config = loadConfig(production());
    expect(config.monitoring).toMatchObject({ metricsHost: '127.0.0.1', metricsPort: 9464 });
    expect(config.monitoring.metricsToken).toBeUndefined();
  });

  it('should refuse a non-loopback metrics interface without a token in production', () => {
    expect(problemsOf(production({ METRICS_HOST: '0.0.0.0' }))).toContain(
      'METRICS_TOKEN is required when METRICS_HOST is not a loopback address',
    );
    expect(
      problemsOf(production({ METRICS_HOST: '0.0.0.0', METRICS_TOKEN: 'k'.repeat(48) })),
    ).toEqual([]);
  });

  it('should refuse a short or placeholder token, naming the variable but not the value', () => {
    const short = problemsOf(production({ METRICS_TOKEN: 'short-token' }));
    expect(short).toContain('METRICS_TOKEN must be at least 32 characters');
    expect(short.join(' ')).not.toContain('short-token');
    expect(
      problemsOf(production({ METRICS_TOKEN: 'change-me-metrics-token-0123456789abcdef' })),
    ).toEqual([expect.stringMatching(/^METRICS_TOKEN holds a placeholder/)]);
  });

  it('should pick a free port under NODE_ENV=test so parallel apps never collide', () => {
    expect(loadConfig({ ...production(), NODE_ENV: 'test' }).monitoring.metricsPort).toBe(0);
  });
});
