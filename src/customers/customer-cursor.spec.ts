import { ProblemException } from '../http/problem';
import { decodeCursor, encodeCursor } from './customer-cursor';

describe('customer cursor', () => {
  const position = {
    sort: '-createdAt' as const,
    createdAt: new Date('2026-01-02T03:04:05.678Z'),
    id: '2b0d7b3e-0a4c-4d7c-9a55-0d1b9a1b2c3d',
  };

  it('should round-trip a position as an opaque base64url string', () => {
    const text = encodeCursor(position);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text, '-createdAt')).toEqual(position);
  });

  it.each([
    ['garbage', 'bm90IGpzb24'],
    ['another sort', encodeCursor({ ...position, sort: 'createdAt' })],
    [
      'a bad id',
      Buffer.from(
        JSON.stringify({ s: '-createdAt', t: position.createdAt.toISOString(), i: "1' OR '1'='1" }),
      ).toString('base64url'),
    ],
    [
      'a bad time',
      Buffer.from(JSON.stringify({ s: '-createdAt', t: 'yesterday', i: position.id })).toString(
        'base64url',
      ),
    ],
    ['a JSON array', Buffer.from('[]').toString('base64url')],
  ])('should refuse %s with a 400 problem', (_name, text) => {
    expect(() => decodeCursor(text, '-createdAt')).toThrow(ProblemException);
    try {
      decodeCursor(text, '-createdAt');
    } catch (error) {
      expect((error as ProblemException).getStatus()).toBe(400);
    }
  });
});
