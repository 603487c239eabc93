import type { AppConfig } from './app-config';
import type { EnvReader } from './env-reader';

export interface BenchmarkConfig {
  /**
   * Benchmark only (issue 9, `npm run bench`): the baseline the security stack is measured
   * against. One switch turns off, together: the authentication and authorization guards (the
   * principal is read from the token's payload WITHOUT verifying it), the rate limiter, the
   * audit trail and field encryption (values stored in clear). Refused at boot when
   * NODE_ENV=production, and ignored there too (`benchmarkSecurityOff`).
   */
  securityOff: boolean;
  /**
   * Benchmark only: field encryption off alone (values stored in clear), so that the bench can
   * isolate the cost of the request layers (auth, roles, limiter) from encryption and audit.
   * Refused in production like the switch above.
   */
  plaintextFields: boolean;
}

/**
 * A benchmark-only switch: false by default, refused at boot in production (the error names the
 * variable) and false there anyway.
 */
export function readBenchmarkSwitch(r: EnvReader, name: string, production: boolean): boolean {
  const on = r.bool(name, false);
  if (production && on) r.errors.push(`${name} cannot be set in production`);
  return on && !production;
}

export function readBenchmarkConfig(r: EnvReader, production: boolean): BenchmarkConfig {
  const securityOff = readBenchmarkSwitch(r, 'BENCHMARK_SECURITY_OFF', production);
  const plaintextFields = readBenchmarkSwitch(r, 'BENCHMARK_PLAINTEXT_FIELDS', production);
  return { securityOff, plaintextFields: securityOff || plaintextFields };
}

/**
 * What the guards and the cipher ask. Belt and braces: false in production whatever the
 * object says, and false for a partial config (unit tests build those).
 */
export function benchmarkSecurityOff(config: Pick<AppConfig, 'nodeEnv'> | undefined): boolean {
  const c = config as Partial<AppConfig> | undefined;
  return c?.nodeEnv !== 'production' && c?.benchmark?.securityOff === true;
}

/** Field encryption off (the baseline, or BENCHMARK_PLAINTEXT_FIELDS); never in production. */
export function benchmarkPlaintextFields(config: Pick<AppConfig, 'nodeEnv'> | undefined): boolean {
  const c = config as Partial<AppConfig> | undefined;
  return c?.nodeEnv !== 'production' && c?.benchmark?.plaintextFields === true;
}
