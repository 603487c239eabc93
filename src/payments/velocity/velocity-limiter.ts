import { Inject, Injectable, Optional } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { ProblemException } from '../../http/problem';
import { SecurityEvents } from '../../monitoring/security-events.service';

/**
 * Business-flow protection (OWASP API6:2023, "unrestricted access to sensitive business
 * flows"): a stolen token or a card-testing script may create at most `maxCount` payments and
 * `maxAmount` minor units per currency, per owner, in any sliding window of `windowSeconds`.
 * Declined attempts count too: card testing is a stream of declines.
 *
 * It counts the owner's payments in the database rather than keeping counters elsewhere, so it
 * needs no other store and cannot drift from what was really charged. Race-safe: a
 * transaction-scoped advisory lock per owner serialises the check-and-insert of one owner's
 * payments (other owners are not blocked), so two parallel requests cannot both pass with one
 * slot left. The route-level request rate limit (src/rate-limit) is a separate, cheaper layer.
 */
@Injectable()
export class VelocityLimiter {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly securityEvents?: SecurityEvents,
  ) {}

  /** Must be called inside the transaction that inserts the payment. */
  async check(
    manager: EntityManager,
    ownerId: string,
    amount: number,
    currency: string,
  ): Promise<void> {
    const { windowSeconds, maxCount, maxAmount } = this.config.payments.velocity;
    await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `payments.velocity:${ownerId}`,
    ]);
    const [usage] = await manager.query<
      { count: number; amount: string; oldest_leaves_in: string | null }[]
    >(
      `SELECT count(*)::int AS count,
              coalesce(sum(amount) FILTER (WHERE currency = $3), 0)::bigint AS amount,
              extract(epoch FROM min(created_at) - (clock_timestamp() - make_interval(secs => $2)))
                AS oldest_leaves_in
         FROM payments
        WHERE owner_id = $1 AND created_at > clock_timestamp() - make_interval(secs => $2)`,
      [ownerId, windowSeconds, currency],
    );
    const overCount = usage.count + 1 > maxCount;
    const overAmount = Number(usage.amount) + amount > maxAmount;
    if (!overCount && !overAmount) return;

    // When the oldest payment leaves the window a slot opens (for the amount limit that is a
    // lower bound: more may have to leave).
    const retryAfter = Math.max(1, Math.ceil(Number(usage.oldest_leaves_in ?? windowSeconds)));
    const policy = overCount ? 'payments-count' : 'payments-amount';
    const quota = overCount ? maxCount : maxAmount;
    this.securityEvents?.record('rate_limit.exceeded', { tier: 'velocity' }); // docs/monitoring.md
    throw new ProblemException(429, {
      slug: 'quota-exceeded',
      title: 'Payment velocity limit exceeded',
      detail: overCount
        ? `At most ${maxCount} payments per ${windowSeconds} seconds.`
        : `At most ${maxAmount} minor units of ${currency} per ${windowSeconds} seconds.`,
      headers: {
        'retry-after': String(retryAfter),
        // draft-ietf-httpapi-ratelimit-headers: the policy and what is left of it.
        'ratelimit-policy': `"${policy}";q=${quota};w=${windowSeconds}`,
        ratelimit: `"${policy}";r=0;t=${retryAfter}`,
      },
      extensions: { code: 'PAYMENT.VELOCITY_LIMIT' },
    });
  }
}
