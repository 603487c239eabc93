import { fieldNames, REDACTED, safeDetails, sanitizeText } from './audit-sanitizer';

describe('audit sanitizer', () => {
  it('should remove CR, LF, NUL, other control characters and Unicode line separators', () => {
    expect(sanitizeText('a\r\nb\u0000c\u0007d\u2028e\u202ef\u0085g')).toBe('abcdefg');
  });

  it('should bound the length of a text', () => {
    expect(sanitizeText('x'.repeat(500), 10)).toHaveLength(10);
  });

  it('should return null for objects, so no structure is ever stringified into a row', () => {
    expect(sanitizeText({ password: 'p' })).toBeNull();
  });

  it('should keep the names of sensitive keys but never their values', () => {
    const details = safeDetails({
      password: 'hunter2-canary',
      refresh_token: 'rt-canary',
      clientSecret: 's-canary',
      cardNumber: '4242424242424242',
      cvc: '123',
      nationalId: '123456789',
      reason: 'not_owner',
    });
    expect(JSON.stringify(details)).not.toMatch(/canary|4242|123456789|"123"/);
    expect(details).toMatchObject({ password: REDACTED, cvc: REDACTED, reason: 'not_owner' });
  });

  it('should list field names of a body without values, sanitised', () => {
    expect(fieldNames({ 'a\nb': 1, email: 'x@example.com' })).toEqual(['ab', 'email']);
    expect(fieldNames(['x'])).toEqual([]);
  });
});
