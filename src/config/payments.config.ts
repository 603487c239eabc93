import type { EnvReader } from './env-reader';

export interface PaymentsConfig {
  /** HMAC key of card fingerprints and the other keyed hashes of payments (32+ bytes). */
  cardFingerprintKey: Buffer;
  /** Shared secret of the processor's webhook signatures. */
  webhookSecret: string;
  /**
   * Per-owner velocity limit on payment creation (OWASP API6): at most `maxCount` payments and
   * `maxAmount` minor units per currency in any sliding window of `windowSeconds`.
   */
  velocity: { windowSeconds: number; maxCount: number; maxAmount: number };
}

/** Defaults, documented in docs/payments.md and .env.example. */
export const PAYMENT_VELOCITY_DEFAULTS = {
  windowSeconds: 3600,
  maxCount: 100,
  maxAmount: 100_000_000,
} as const;

export function readPaymentsConfig(r: EnvReader): PaymentsConfig {
  return {
    cardFingerprintKey: r.key('CARD_FINGERPRINT_KEY', 32),
    webhookSecret: r.secret('PROCESSOR_WEBHOOK_SECRET', 32),
    velocity: {
      windowSeconds: r.int(
        'PAYMENT_VELOCITY_WINDOW_SECONDS',
        PAYMENT_VELOCITY_DEFAULTS.windowSeconds,
        1,
        7 * 86400,
      ),
      maxCount: r.int(
        'PAYMENT_VELOCITY_MAX_COUNT',
        PAYMENT_VELOCITY_DEFAULTS.maxCount,
        1,
        1_000_000,
      ),
      maxAmount: r.int(
        'PAYMENT_VELOCITY_MAX_AMOUNT',
        PAYMENT_VELOCITY_DEFAULTS.maxAmount,
        1,
        Number.MAX_SAFE_INTEGER,
      ),
    },
  };
}
