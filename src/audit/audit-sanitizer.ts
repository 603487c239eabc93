import type { AuditDetails, AuditDetailValue } from './audit-entry';

/**
 * Everything user-supplied passes through here before it reaches an audit row.
 *
 * - Log injection (OWASP Logging Cheat Sheet; CWE-117): CR, LF and every other control
 *   character (C0, DEL, C1) and the Unicode line/paragraph separators are removed, so a
 *   user agent or field name can never forge or split an entry in any export of the log.
 * - Sensitive values (OWASP ASVS 16.2.5 / Logging Cheat Sheet "data to exclude"): a detail whose
 *   key names a password, token, secret, card data or an encrypted personal field keeps its name
 *   but never its value.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Keys whose values never enter the audit log (matched case-insensitively, anywhere in the key). */
const SENSITIVE_KEY =
  /pass(word)?|token|secret|authori[sz]ation|cookie|card|^number$|pan$|cvc|cvv|signature|national|birth|full_?name|phone|address|iban|key$|hash|cipher|encrypted/i;

export const REDACTED = '[redacted]';

export function sanitizeText(value: unknown, maxLength = 200): string | null {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
    return null;
  const text = String(value).replace(CONTROL_CHARACTERS, '').trim();
  if (text === '') return null;
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/** Field names of a body, sanitised and bounded: names only, never values. */
export function fieldNames(body: unknown, max = 30): string[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [];
  return Object.keys(body)
    .slice(0, max)
    .map((key) => sanitizeText(key, 64))
    .filter((key): key is string => key !== null);
}

/** Details reduced to safe primitives with sanitised keys and values, sensitive values removed. */
export function safeDetails(details: AuditDetails | undefined): AuditDetails {
  const out: AuditDetails = {};
  if (!details) return out;
  for (const [rawKey, value] of Object.entries(details).slice(0, 40)) {
    const key = sanitizeText(rawKey, 64);
    if (!key) continue;
    out[key] = isSensitiveKey(key) ? REDACTED : safeValue(value);
  }
  return out;
}

function safeValue(value: AuditDetailValue): AuditDetailValue {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value))
    return value
      .slice(0, 50)
      .map((item) => sanitizeText(item, 64))
      .filter((item): item is string => item !== null);
  return sanitizeText(value, 200);
}
