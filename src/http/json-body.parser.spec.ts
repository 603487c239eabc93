import { exceedsDepth, MAX_JSON_DEPTH, parseJsonBody } from './json-body.parser';
import { ProblemException } from './problem';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe(exceedsDepth.name, () => {
  it('should accept exactly the maximum depth and refuse one more', () => {
    expect(exceedsDepth(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(exceedsDepth(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
  });

  it('should count objects and arrays alike', () => {
    const objects = '{"a":'.repeat(4) + '1' + '}'.repeat(4);
    expect(exceedsDepth(objects, 4)).toBe(false);
    expect(exceedsDepth(`[${objects}]`, 4)).toBe(true);
  });

  it('should not count brackets inside strings, escaped quotes included', () => {
    expect(exceedsDepth(JSON.stringify({ a: '[[[[[[[[[[' }), 2)).toBe(false);
    expect(exceedsDepth(JSON.stringify({ a: 'x\\"[[[[[[[[' }), 2)).toBe(false);
    expect(exceedsDepth(JSON.stringify({ a: '\\', b: [[[[]]]] }), 2)).toBe(true);
  });

  it('should scan a 100 KB document in linear time, hostile or not', () => {
    const hostile = nested(50_000);
    const flat = JSON.stringify({ items: Array.from({ length: 10_000 }, (_, i) => [i]) });
    const started = performance.now();
    expect(exceedsDepth(hostile, MAX_JSON_DEPTH)).toBe(true);
    expect(exceedsDepth(flat, MAX_JSON_DEPTH)).toBe(false);
    // About 1 ms on these machines; the bound only catches a super-linear regression, with room
    // for a busy CI runner.
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe(parseJsonBody.name, () => {
  const refusal = (text: string): ProblemException => {
    try {
      parseJsonBody(text);
    } catch (error) {
      if (error instanceof ProblemException) return error;
      throw error;
    }
    throw new Error('expected a refusal');
  };

  it('should parse an ordinary body', () => {
    expect(parseJsonBody('{"name":"a","list":[1,{"b":null}]}')).toEqual({
      name: 'a',
      list: [1, { b: null }],
    });
  });

  it.each([
    '{"__proto__":{"polluted":true}}',
    '{"a":{"__proto__":{"polluted":true}}}',
    '[{"__proto__":{"polluted":true}}]',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"a":[{"constructor":{"prototype":{"polluted":true}}}]}',
    '{"\\u005f\\u005fproto__":{"polluted":true}}',
  ])('should refuse the poisoned body %s without polluting', (text) => {
    const error = refusal(text);
    expect(error.getStatus()).toBe(400);
    expect(error.problem.detail).toMatch(/forbidden key/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('should accept a "constructor" key that carries no prototype', () => {
    expect(parseJsonBody('{"constructor":"x"}')).toEqual({ constructor: 'x' });
  });

  it.each([
    ['empty', '  '],
    ['invalid', '{"a":'],
    ['too deep', nested(MAX_JSON_DEPTH + 1)],
  ])('should refuse an %s body with a 400 problem that echoes nothing', (_name, text) => {
    const error = refusal(text);
    expect(error.getStatus()).toBe(400);
    expect(error.problem.slug).toBe('invalid-json');
    expect(error.problem.detail).not.toContain('Unexpected');
  });
});
