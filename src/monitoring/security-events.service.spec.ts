import type { PinoLogger } from 'nestjs-pino';
import { parseExposition } from '../../test/e2e/monitoring/metrics-helpers';
import { MetricsService } from './metrics.service';
import { safeLabels, SECURITY_EVENTS } from './security-event-catalog';
import { SecurityEvents } from './security-events.service';

function fakeLogger(): { logger: PinoLogger; lines: { level: string; obj: unknown }[] } {
  const lines: { level: string; obj: unknown }[] = [];
  const at = (level: string) => (obj: unknown) => lines.push({ level, obj });
  const logger = {
    setContext: jest.fn(),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  } as unknown as PinoLogger;
  return { logger, lines };
}

describe(SecurityEvents.name, () => {
  let metrics: MetricsService;
  beforeEach(() => {
    metrics = new MetricsService();
  });
  afterEach(() => metrics.onModuleDestroy());

  async function value(name: string, labels: Record<string, string> = {}): Promise<number> {
    const samples = parseExposition((await metrics.exposition()).body);
    return samples
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((sum, s) => sum + s.value, 0);
  }

  it('should increment the counter and write a line with a stable event field', async () => {
    const { logger, lines } = fakeLogger();
    const events = new SecurityEvents(metrics, logger);
    events.record('auth.refresh_reuse', {}, { userId: 'u-1', sessionId: 's-1' });
    expect(await value('security_refresh_token_reuse_total')).toBe(1);
    expect(lines).toEqual([
      { level: 'error', obj: { event: 'auth.refresh_reuse', userId: 'u-1', sessionId: 's-1' } },
    ]);
  });

  it('should record a label value outside its allow-list as other', async () => {
    const { logger, lines } = fakeLogger();
    const events = new SecurityEvents(metrics, logger);
    events.record('auth.token_refused', {
      reason: 'alice@example.com' as unknown as 'expired',
    });
    expect(await value('security_tokens_refused_total', { reason: 'other' })).toBe(1);
    expect((await metrics.exposition()).body).not.toContain('alice@example.com');
    expect(JSON.stringify(lines)).not.toContain('alice@example.com');
  });

  it('should drop subject values that do not look like identifiers', () => {
    const { logger, lines } = fakeLogger();
    const events = new SecurityEvents(metrics, logger);
    events.record('auth.lockout', {}, { userId: 'alice@example.com x', clientId: 'c'.repeat(65) });
    expect(lines[0].obj).toEqual({ event: 'auth.lockout' });
  });

  it('should set the audit chain gauges and log a broken chain', async () => {
    const { logger, lines } = fakeLogger();
    const events = new SecurityEvents(metrics, logger);
    events.auditChainVerified({ valid: true, checked: 3 });
    expect(await value('audit_chain_valid')).toBe(1);
    expect(lines).toHaveLength(0);
    events.auditChainVerified({ valid: false, checked: 3, firstInvalidId: '42' });
    expect(await value('audit_chain_valid')).toBe(0);
    expect(await value('audit_chain_verifications_total', { result: 'invalid' })).toBe(1);
    expect(lines).toEqual([
      { level: 'error', obj: { event: 'audit.chain_broken', checked: 3, resourceId: '42' } },
    ]);
  });

  it('should report the age of the oldest unsealed audit entry from the probe', async () => {
    metrics.setAuditBacklogProbe(async () => ({
      unsealed: 4,
      oldestUnsealedAt: new Date(Date.now() - 120_000),
    }));
    expect(await value('audit_unsealed_entries')).toBe(4);
    const age = await value('audit_unsealed_oldest_age_seconds');
    expect(age).toBeGreaterThanOrEqual(119);
    expect(age).toBeLessThan(130);
  });

  it('should export every labelled security counter at zero before any event', async () => {
    expect(await value('security_rate_limited_total', { tier: 'principal' })).toBe(0);
    const body = (await metrics.exposition()).body;
    for (const spec of Object.values(SECURITY_EVENTS))
      expect(body).toContain(`# TYPE ${spec.metric} counter`);
  });
});

describe(safeLabels.name, () => {
  it('should keep allowed values, replace others and drop undeclared labels', () => {
    expect(safeLabels('rate_limit.exceeded', { tier: 'login', userId: 'u-1' })).toEqual({
      tier: 'login',
    });
    expect(safeLabels('rate_limit.exceeded', { tier: '1.2.3.4' })).toEqual({ tier: 'other' });
    expect(safeLabels('rate_limit.exceeded', {})).toEqual({ tier: 'other' });
    expect(safeLabels('auth.lockout', { email: 'a@b.c' })).toEqual({});
  });
});
