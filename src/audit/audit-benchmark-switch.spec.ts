import type { AppConfig } from '../config/app-config';
import { AuditService } from './audit.service';
import type { AuditSealer } from './audit-sealer';
import type { AuditWriter } from './audit-writer';
import type { TransactionHost } from './transaction-host';

function auditFor(nodeEnv: AppConfig['nodeEnv']): AuditService {
  return new AuditService(
    {} as TransactionHost,
    {} as AuditWriter,
    {} as AuditSealer,
    {} as never,
    { nodeEnv, audit: { disabledForBenchmark: false } } as AppConfig,
  );
}

describe('AuditService.setEnabledForBenchmark (npm run bench only)', () => {
  it('should switch the audit off and on again outside production', () => {
    const audit = auditFor('test');
    audit.setEnabledForBenchmark(false);
    expect(audit.isEnabled).toBe(false);
    audit.setEnabledForBenchmark(true);
    expect(audit.isEnabled).toBe(true);
  });

  it('should refuse in production and leave the audit on', () => {
    const audit = auditFor('production');
    expect(() => audit.setEnabledForBenchmark(false)).toThrow(/production/);
    expect(audit.isEnabled).toBe(true);
  });
});
