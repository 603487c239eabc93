import { JsonWebTokenError, TokenExpiredError } from 'jsonwebtoken';
import { tokenRefusalReason } from './token-refusal-reason';

describe(tokenRefusalReason.name, () => {
  it.each([
    [new TokenExpiredError('jwt expired', new Date()), 'expired'],
    [new JsonWebTokenError('invalid signature'), 'bad_signature'],
    [new JsonWebTokenError('jwt audience invalid. expected: x'), 'wrong_audience'],
    [new JsonWebTokenError('jwt issuer invalid. expected: x'), 'wrong_issuer'],
    [new JsonWebTokenError('invalid algorithm'), 'bad_algorithm'],
    [new JsonWebTokenError('jwt signature is required'), 'bad_algorithm'],
    [new Error('header jku is not accepted'), 'bad_algorithm'],
    [new JsonWebTokenError('jwt malformed'), 'malformed'],
    [new Error('missing or malformed kid'), 'malformed'],
    [new Error('unknown kid'), 'unknown_kid'],
    [new Error('wrong typ'), 'wrong_type'],
    [undefined, 'revoked'],
    [new Error('something new'), 'other'],
  ])('should classify %s as %s', (info, reason) => {
    expect(tokenRefusalReason(info)).toBe(reason);
    expect(tokenRefusalReason([info, new Error('no external issuer configured')])).toBe(reason);
  });

  it('should not count a request that presented no token', () => {
    expect(tokenRefusalReason(new Error('No auth token'))).toBeUndefined();
  });
});
