import { randomBytes } from 'node:crypto';
import { BlindIndexService, normaliseEmail } from './blind-index.service';

describe(BlindIndexService.name, () => {
  const key = randomBytes(32);
  const index = new BlindIndexService(key);

  it('should give the same index to the same normalised email', () => {
    expect(index.email('  Jane.Doe@Example.COM ')).toBe(index.email('jane.doe@example.com'));
    expect(index.email('jane.doe@example.com')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('should give different emails different indexes', () => {
    expect(index.email('jane@example.com')).not.toBe(index.email('john@example.com'));
  });

  it('should depend on the key (a plain hash of a guessable email would not)', () => {
    const other = new BlindIndexService(randomBytes(32));
    expect(other.email('jane@example.com')).not.toBe(index.email('jane@example.com'));
  });

  it('should separate purposes (domain separation)', () => {
    expect(index.compute('email', 'x')).not.toBe(
      new BlindIndexService(key).compute('other' as 'email', 'x'),
    );
  });

  it('should refuse a short key', () => {
    expect(() => new BlindIndexService(randomBytes(16))).toThrow(/32 bytes/);
  });

  it('should normalise emails by trimming, NFC and lower-casing', () => {
    expect(normaliseEmail(' Zoe\u0301@X.org ')).toBe('zo\u00e9@x.org');
  });
});
