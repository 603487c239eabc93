import { createHmac } from 'node:crypto';

/** Purposes keep the digests of different kinds of value apart (domain separation). */
type Purpose = 'card-fingerprint' | 'customer-pseudonym' | 'idempotency-request';

/**
 * Every keyed hash of the payments feature, in one place (HMAC-SHA256, RFC 2104, under
 * CARD_FINGERPRINT_KEY; each purpose prefixes its own label so digests of one purpose can never
 * be matched against another's).
 *
 * - Card fingerprint: spots the same card across payments without keeping the number. A plain
 *   SHA-256 of a 16-digit number with a known BIN and Luhn digit is brute-forced in seconds;
 *   a keyed hash is not, without the key (PCI DSS v4.0 3.5.1.1 requires keyed hashes of PANs).
 * - Customer pseudonym: survives the customer's erasure (GDPR art. 4(5) pseudonymisation).
 * - Idempotency request hash: tells "same request" from "other request" for a key; the request
 *   carries the card, so it too must be keyed.
 */
export class PaymentHasher {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('CARD_FINGERPRINT_KEY must be at least 32 bytes');
  }

  cardFingerprint(cardNumber: string): string {
    return this.digest('card-fingerprint', cardNumber);
  }

  customerPseudonym(customerId: string): string {
    return this.digest('customer-pseudonym', customerId.toLowerCase());
  }

  /** Hash of an operation's canonical request (see `canonicalJson`). */
  requestHash(operation: string, request: unknown): string {
    return this.digest('idempotency-request', `${operation}\u0000${canonicalJson(request)}`);
  }

  private digest(purpose: Purpose, value: string): string {
    return createHmac('sha256', this.key)
      .update(purpose, 'utf8')
      .update('\u0000', 'utf8')
      .update(value, 'utf8')
      .digest('hex');
  }
}

/**
 * JSON with object keys sorted at every level, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are the
 * same request (the draft compares payloads, not their serialisation).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
