import { decodeJwtHeader, peekJwtIssuer, refuseHeader } from './jwt-header';

describe('jwt header checks', () => {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const kid = 'VqtCkWbdYUpmaey5z9cuE9PfqC5VTgC2vGp3bUlIBZw';

  it('should accept an at+jwt header with a well-formed kid', () => {
    expect(refuseHeader({ alg: 'ES256', typ: 'at+jwt', kid }, 'at+jwt')).toBeUndefined();
    expect(
      refuseHeader({ alg: 'ES256', typ: 'application/at+jwt', kid }, 'at+jwt'),
    ).toBeUndefined();
  });

  it.each(['jwk', 'jku', 'x5u', 'x5c', 'crit'])('should refuse a %s header', (name) => {
    expect(refuseHeader({ alg: 'ES256', typ: 'at+jwt', kid, [name]: 'x' }, 'at+jwt')).toMatch(name);
  });

  it('should refuse a missing or hostile kid and a wrong typ', () => {
    expect(refuseHeader({ alg: 'ES256', typ: 'at+jwt' }, 'at+jwt')).toMatch(/kid/);
    expect(
      refuseHeader({ alg: 'ES256', typ: 'at+jwt', kid: '../../etc/passwd' }, 'at+jwt'),
    ).toMatch(/kid/);
    expect(refuseHeader({ alg: 'ES256', typ: 'JWT', kid }, 'at+jwt')).toMatch(/typ/);
  });

  it('should decode only well-formed JSON object headers', () => {
    expect(decodeJwtHeader(`${b64({ alg: 'ES256' })}.x.y`)).toEqual({ alg: 'ES256' });
    expect(decodeJwtHeader(`${b64([1, 2])}.x.y`)).toBeUndefined();
    expect(decodeJwtHeader('not base64!.x.y')).toBeUndefined();
    expect(peekJwtIssuer(`${b64({})}.${b64({ iss: 'https://idp' })}.s`)).toBe('https://idp');
    expect(peekJwtIssuer(`${b64({})}.${b64({ iss: 42 })}.s`)).toBeUndefined();
  });
});
