import { readAuditConfig } from './audit.config';
import { EnvReader } from './env-reader';

describe(readAuditConfig.name, () => {
  it('should keep entries a year by default, with the audit on', () => {
    const r = new EnvReader({}, false);
    expect(readAuditConfig(r, false)).toEqual({
      retentionDays: 365,
      archiveDir: '.data/audit-archive',
      disabledForBenchmark: false,
    });
    expect(r.errors).toEqual([]);
  });

  it('should allow the benchmark switch outside production only', () => {
    const dev = new EnvReader({ AUDIT_DISABLED_FOR_BENCHMARK: 'true' }, false);
    expect(readAuditConfig(dev, false).disabledForBenchmark).toBe(true);
  });

  it('should refuse the benchmark switch in production, and leave the audit on anyway', () => {
    const r = new EnvReader({ AUDIT_DISABLED_FOR_BENCHMARK: 'true' }, true);
    expect(readAuditConfig(r, true).disabledForBenchmark).toBe(false);
    expect(r.errors).toContain('AUDIT_DISABLED_FOR_BENCHMARK cannot be set in production');
  });

  it('should refuse a retention of zero days', () => {
    const r = new EnvReader({ AUDIT_RETENTION_DAYS: '0' }, false);
    readAuditConfig(r, false);
    expect(r.errors.join(' ')).toMatch(/AUDIT_RETENTION_DAYS/);
  });
});
