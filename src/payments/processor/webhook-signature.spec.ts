import { signWebhook, verifyWebhookSignature } from './webhook-signature';

describe(verifyWebhookSignature.name, () => {
  const secret = 'whsec_test_0123456789abcdef0123456789abcdef';
  const body = '{"id":"evt_1","type":"payment.disputed","created":1,"data":{"paymentId":"x"}}';
  const now = 1_800_000_000;

  it('should accept a signature made with the secret over the exact body', () => {
    expect(verifyWebhookSignature(secret, signWebhook(secret, body, now), body, now)).toBe('valid');
  });

  it('should refuse a signature over a different body, secret or timestamp', () => {
    const header = signWebhook(secret, body, now);
    expect(verifyWebhookSignature(secret, header, body.replace('disputed', 'refunded'), now)).toBe(
      'invalid',
    );
    expect(verifyWebhookSignature(`${secret}x`, header, body, now)).toBe('invalid');
    const moved = header.replace(`t=${now}`, `t=${now + 1}`);
    expect(verifyWebhookSignature(secret, moved, body, now)).toBe('invalid');
  });

  it('should refuse missing or malformed headers', () => {
    for (const header of [undefined, '', 't=1', 'v1=abc', `t=x,v1=${'0'.repeat(64)}`, 'garbage'])
      expect(verifyWebhookSignature(secret, header, body, now)).toBe('invalid');
  });

  it('should call a correctly signed event older or newer than 300 seconds stale', () => {
    expect(verifyWebhookSignature(secret, signWebhook(secret, body, now - 301), body, now)).toBe(
      'stale',
    );
    expect(verifyWebhookSignature(secret, signWebhook(secret, body, now + 301), body, now)).toBe(
      'stale',
    );
    expect(verifyWebhookSignature(secret, signWebhook(secret, body, now - 300), body, now)).toBe(
      'valid',
    );
  });

  it('should accept any one of several v1 signatures (secret rotation)', () => {
    const good = signWebhook(secret, body, now).split(',v1=')[1];
    const header = `t=${now},v1=${'a'.repeat(64)},v1=${good}`;
    expect(verifyWebhookSignature(secret, header, body, now)).toBe('valid');
  });
});
