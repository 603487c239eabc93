import { parseFormBody } from './form-body.parser';
import { ProblemException } from './problem';

describe(parseFormBody.name, () => {
  it('should parse an RFC 6749 token request body', () => {
    expect(
      parseFormBody('grant_type=client_credentials&scope=customers%3Aread+payments%3Aread'),
    ).toEqual({
      grant_type: 'client_credentials',
      scope: 'customers:read payments:read',
    });
  });

  it.each(['__proto__=x', 'a=1&constructor=x', 'prototype=x', '__proto__[polluted]=1&__proto__=y'])(
    'should refuse %s',
    (text) => {
      expect(() => parseFormBody(text)).toThrow(ProblemException);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('should keep a bracketed key as a plain own property', () => {
    const body = parseFormBody('__proto__%5Bpolluted%5D=1');
    expect(Object.keys(body)).toEqual(['__proto__[polluted]']);
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
