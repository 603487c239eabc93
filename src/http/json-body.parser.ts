import secureJson from 'secure-json-parse';
import { ProblemException } from './problem';

/** Deeper than this is not a real API body; refusing it keeps validation recursion bounded. */
export const MAX_JSON_DEPTH = 32;

/**
 * Parses a JSON body safely:
 * - depth is checked first by one linear scan (no recursion, no parse of a hostile document),
 *   so `[[[[...` 100 KB deep is refused in microseconds without blocking the event loop;
 * - `__proto__` and `constructor.prototype` keys are refused (prototype pollution), not stripped.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') {
    throw new ProblemException(400, {
      slug: 'invalid-json',
      title: 'Invalid JSON',
      detail: 'The JSON body is empty.',
    });
  }
  if (exceedsDepth(text, MAX_JSON_DEPTH)) {
    throw new ProblemException(400, {
      slug: 'invalid-json',
      title: 'Invalid JSON',
      detail: `The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.`,
    });
  }
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    const poisoned = error instanceof SyntaxError && /prototype|__proto__/i.test(error.message);
    throw new ProblemException(400, {
      slug: 'invalid-json',
      title: 'Invalid JSON',
      detail: poisoned
        ? 'The JSON body contains a forbidden key (__proto__ or constructor.prototype).'
        : 'The body is not valid JSON.',
    });
  }
}

export function exceedsDepth(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}
