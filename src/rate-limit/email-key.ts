import { createHash } from 'node:crypto';

/**
 * The lock-out identity of an account: the email as the login form sends it, normalised the way
 * two spellings of one mailbox collapse (Unicode NFKC, trimmed, lower-cased), then hashed so the
 * counter store (Redis) never holds an email address (GDPR data minimisation). Returns undefined
 * when there is no usable email (the request then fails validation; the address is still counted).
 */
export function accountKey(email: unknown): string | undefined {
  if (typeof email !== 'string') return undefined;
  const normalised = email.normalize('NFKC').trim().toLowerCase();
  if (normalised.length === 0 || normalised.length > 320) return undefined;
  return createHash('sha256').update(normalised).digest('base64url');
}
