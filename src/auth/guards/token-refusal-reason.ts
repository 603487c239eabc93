import type { TOKEN_REFUSAL_REASONS } from '../../monitoring/security-event-catalog';

export type TokenRefusalReason = (typeof TOKEN_REFUSAL_REASONS)[number];

/**
 * Why passport refused a presented bearer token, as one of the monitoring catalog's closed
 * reasons (docs/monitoring.md), or undefined when no token was presented at all. `info` is what
 * the strategies failed with: jsonwebtoken's errors, our key provider's errors (jwt.strategy.ts,
 * jwt-header.ts), or nothing when the token verified but its session or client is no longer live
 * (`validate` returned false: revoked, logged out, disabled account, deleted client). With
 * several strategies it is an array; the first one is our own issuer's.
 */
export function tokenRefusalReason(info: unknown): TokenRefusalReason | undefined {
  const first: unknown = Array.isArray(info) ? info[0] : info;
  if (first === undefined || first === null) return 'revoked';
  const name = first instanceof Error ? first.name : '';
  const message = (
    first instanceof Error ? first.message : typeof first === 'string' ? first : ''
  ).toLowerCase();
  if (message === 'no auth token') return undefined;
  if (name === 'TokenExpiredError') return 'expired';
  if (message.includes('invalid signature')) return 'bad_signature';
  if (message.includes('audience invalid')) return 'wrong_audience';
  if (message.includes('issuer invalid') || message === 'foreign issuer') return 'wrong_issuer';
  if (message === 'unknown kid') return 'unknown_kid';
  if (message === 'wrong typ') return 'wrong_type';
  // RFC 8725 §2.1/§3.1: `none`, an unsigned token, HS256 against our public key, a key or key
  // location carried in the header.
  if (
    message.includes('invalid algorithm') ||
    message.includes('signature is required') ||
    message.includes('algorithm not allowed') ||
    message.includes('is not accepted')
  )
    return 'bad_algorithm';
  if (message.includes('malformed') || message.includes('invalid token')) return 'malformed';
  return 'other';
}
