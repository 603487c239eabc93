import { createHmac } from 'node:crypto';
import { Injectable } from '@nestjs/common';

/** Purposes keep the indexes of different kinds of value apart (domain separation). */
export type BlindIndexPurpose = 'email';

/**
 * Blind indexes: HMAC-SHA256 (RFC 2104) under BLIND_INDEX_KEY, its own key and never an
 * encryption key, over a normalised value. The deterministic digest goes in its own column and
 * answers exact-match lookups (`?email=`) without decrypting rows or storing the value in clear.
 * A keyed hash, not a plain SHA-256: without the key an attacker with the table cannot test
 * guesses (emails are guessable). What it still leaks: which rows share a value (docs/encryption.md).
 */
@Injectable()
export class BlindIndexService {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('The blind-index key must be at least 32 bytes');
  }

  /** Index of an already normalised value, as 64 hex characters. */
  compute(purpose: BlindIndexPurpose, normalisedValue: string): string {
    return createHmac('sha256', this.key)
      .update(purpose, 'utf8')
      .update('\u0000', 'utf8')
      .update(normalisedValue, 'utf8')
      .digest('hex');
  }

  /** Index of an email: trimmed, Unicode NFC, lower-cased, so `A@X.com ` finds `a@x.com`. */
  email(email: string): string {
    return this.compute('email', normaliseEmail(email));
  }
}

export function normaliseEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}
