import { randomBytes } from 'node:crypto';
import { canonicalJson, PaymentHasher } from './payment-hasher';

describe(PaymentHasher.name, () => {
  const hasher = new PaymentHasher(randomBytes(32));

  it('should fingerprint the same card identically and never contain the number', () => {
    const a = hasher.cardFingerprint('4242424242424242');
    expect(a).toBe(hasher.cardFingerprint('4242424242424242'));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toContain('4242');
    expect(a).not.toBe(hasher.cardFingerprint('4000000000000002'));
  });

  it('should give other fingerprints under another key (keyed, not a plain hash)', () => {
    const other = new PaymentHasher(randomBytes(32));
    expect(other.cardFingerprint('4242424242424242')).not.toBe(
      hasher.cardFingerprint('4242424242424242'),
    );
  });

  it('should keep purposes apart (domain separation)', () => {
    expect(hasher.customerPseudonym('4242424242424242')).not.toBe(
      hasher.cardFingerprint('4242424242424242'),
    );
  });

  it('should hash requests independently of key order', () => {
    expect(hasher.requestHash('op', { a: 1, b: { c: 2, d: 3 } })).toBe(
      hasher.requestHash('op', { b: { d: 3, c: 2 }, a: 1 }),
    );
    expect(hasher.requestHash('op', { a: 1 })).not.toBe(hasher.requestHash('op', { a: 2 }));
    expect(hasher.requestHash('op', { a: 1 })).not.toBe(hasher.requestHash('other', { a: 1 }));
  });

  it('should refuse a key shorter than 32 bytes', () => {
    expect(() => new PaymentHasher(randomBytes(16))).toThrow();
  });

  it('should serialise canonically', () => {
    expect(canonicalJson({ b: [1, { y: 1, x: 2 }], a: 'x', u: undefined })).toBe(
      '{"a":"x","b":[1,{"x":2,"y":1}]}',
    );
  });
});
