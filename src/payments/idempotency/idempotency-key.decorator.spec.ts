import { ProblemException } from '../../http/problem';
import { parseIdempotencyKey } from './idempotency-key.decorator';

describe(parseIdempotencyKey.name, () => {
  it.each(['a', '8e03978e-40d5-43e8-bc93-6894a57f9324', '"quoted"', 'x'.repeat(255), '!~'])(
    'should accept %j',
    (key) => {
      expect(parseIdempotencyKey(key)).toBe(key);
    },
  );

  it.each([undefined, '', 'x'.repeat(256), 'a b', 'a, b', 'tab\there', 'é', ['a', 'b']])(
    'should refuse %j with a 400 problem',
    (key) => {
      expect(() => parseIdempotencyKey(key)).toThrow(ProblemException);
      try {
        parseIdempotencyKey(key);
      } catch (error) {
        expect((error as ProblemException).getStatus()).toBe(400);
      }
    },
  );
});
