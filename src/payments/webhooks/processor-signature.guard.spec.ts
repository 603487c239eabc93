import { ExecutionContext } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { ProblemException } from '../../http/problem';
import { signWebhook } from '../processor/webhook-signature';
import { ProcessorSignatureGuard } from './processor-signature.guard';

// The raw body is kept by the JSON parser under a private symbol; here it is read from the mock.
jest.mock('../../http/http-pipeline', () => ({
  rawBodyOf: (request: { rawBodyForTest?: string }) => request.rawBodyForTest,
}));

const secret = 'whsec_unit_test_0123456789abcdef0123456789';
const config = { payments: { webhookSecret: secret } } as unknown as AppConfig;
const body = '{"id":"evt_1","type":"payment.disputed","created":1,"data":{"paymentId":"p"}}';

function contextFor(
  headers: Record<string, string>,
  rawBody: string | undefined,
): ExecutionContext {
  const request = { headers, rawBodyForTest: rawBody };
  return {
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof ProblemException ? error.getStatus() : -1;
  }
  return undefined;
}

describe(ProcessorSignatureGuard.name, () => {
  const events = { record: jest.fn() };
  const guard = new ProcessorSignatureGuard(config, events as never);
  const now = Math.floor(Date.now() / 1000);

  beforeEach(() => events.record.mockClear());

  it('should let a fresh event signed over the raw body through', () => {
    const ctx = contextFor({ 'processor-signature': signWebhook(secret, body, now) }, body);
    expect(guard.canActivate(ctx)).toBe(true);
    expect(events.record).not.toHaveBeenCalled();
  });

  it('should refuse a missing header, a missing raw body or a wrong signature with 401', () => {
    expect(statusOf(() => guard.canActivate(contextFor({}, body)))).toBe(401);
    const header = signWebhook(secret, body, now);
    expect(
      statusOf(() => guard.canActivate(contextFor({ 'processor-signature': header }, undefined))),
    ).toBe(401);
    const forged = signWebhook('another-secret-another-secret-another', body, now);
    expect(
      statusOf(() => guard.canActivate(contextFor({ 'processor-signature': forged }, body))),
    ).toBe(401);
    expect(events.record).toHaveBeenCalledWith('webhook.signature_invalid', { reason: 'missing' });
  });

  it('should refuse a correctly signed event older than 300 seconds with 400', () => {
    const old = signWebhook(secret, body, now - 301);
    expect(
      statusOf(() => guard.canActivate(contextFor({ 'processor-signature': old }, body))),
    ).toBe(400);
    expect(events.record).toHaveBeenCalledWith('webhook.signature_invalid', { reason: 'stale' });
  });
});
