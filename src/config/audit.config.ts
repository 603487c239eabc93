import { readBenchmarkSwitch } from './benchmark.config';
import type { EnvReader } from './env-reader';

export interface AuditConfig {
  /** Entries older than this many days are archived and removed by `audit:archive`. */
  retentionDays: number;
  /** Where `audit:archive` writes its JSON Lines archives. */
  archiveDir: string;
  /**
   * Benchmark only (issue 9 measures POST /v1/customers with audit on and off in one run):
   * writes no audit entries. Refused at boot when NODE_ENV=production, and ignored there too.
   */
  disabledForBenchmark: boolean;
}

export function readAuditConfig(r: EnvReader, production: boolean): AuditConfig {
  return {
    retentionDays: r.int('AUDIT_RETENTION_DAYS', 365, 1, 36500),
    archiveDir: r.string('AUDIT_ARCHIVE_DIR', '.data/audit-archive'),
    disabledForBenchmark: readBenchmarkSwitch(r, 'AUDIT_DISABLED_FOR_BENCHMARK', production),
  };
}
