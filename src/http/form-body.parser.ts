import { ProblemException } from './problem';

/** Keys that reach `Object.prototype` through a careless merge (`Object.assign`, lodash `merge`). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parses an `application/x-www-form-urlencoded` body (the OAuth endpoints, RFC 6749 §4.4.2)
 * into a plain object, refusing the same prototype-pollution keys as the JSON parser
 * (OWASP Prototype Pollution Prevention Cheat Sheet) rather than passing them on.
 */
export function parseFormBody(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    if (FORBIDDEN_KEYS.has(key)) {
      throw new ProblemException(400, {
        slug: 'invalid-form',
        title: 'Invalid form body',
        detail: 'The form body contains a forbidden key (__proto__, constructor or prototype).',
      });
    }
    // Own data property, never the `__proto__` setter (the key was refused above anyway).
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
