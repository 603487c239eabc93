import { VerifiedTokenCache } from './verified-token-cache';

const NOW = 1_800_000_000_000;
const claims = (expInSeconds: number) => ({ sub: 'u', exp: NOW / 1000 + expInSeconds });

describe(VerifiedTokenCache.name, () => {
  it('should return the claims of the same token until its exp, and nothing after', () => {
    let now = NOW;
    const cache = new VerifiedTokenCache(10, () => now);
    cache.set('token-a', claims(60));
    expect(cache.get('token-a')).toEqual(claims(60));
    now = NOW + 59_999;
    expect(cache.get('token-a')).toBeDefined();
    now = NOW + 60_000;
    expect(cache.get('token-a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('should never answer for another token, even one differing by a single character', () => {
    const cache = new VerifiedTokenCache(10, () => NOW);
    cache.set('header.payload.signature', claims(60));
    expect(cache.get('header.payload.signaturf')).toBeUndefined();
    expect(cache.get('header.payload.')).toBeUndefined();
  });

  it('should refuse to keep a token without exp or already expired', () => {
    const cache = new VerifiedTokenCache(10, () => NOW);
    cache.set('no-exp', { sub: 'u' });
    cache.set('expired', claims(0));
    expect(cache.size).toBe(0);
  });

  it('should stay within its bound, evicting the oldest entry first', () => {
    const cache = new VerifiedTokenCache(2, () => NOW);
    cache.set('t1', claims(60));
    cache.set('t2', claims(60));
    cache.set('t3', claims(60));
    expect(cache.size).toBe(2);
    expect(cache.get('t1')).toBeUndefined();
    expect(cache.get('t3')).toBeDefined();
  });

  it('should hand out frozen claims that a caller cannot alter', () => {
    const cache = new VerifiedTokenCache(10, () => NOW);
    cache.set('t', claims(60));
    expect(Object.isFrozen(cache.get('t'))).toBe(true);
  });
});
