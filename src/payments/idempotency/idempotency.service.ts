import { randomUUID } from 'node:crypto';
import { Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ProblemException } from '../../http/problem';
import { SecurityEvents } from '../../monitoring/security-events.service';

/** draft-ietf-httpapi-idempotency-key-header §2.3: keys expire; ours after 24 hours. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
/**
 * A claim older than this whose request never finished (the process died) may be taken over by
 * a retry of the same request. Longer than any processor call (whose timeout must be shorter).
 */
export const IDEMPOTENCY_LOCK_SECONDS = 60;

/** Whose key this is and for what: keys are scoped to the owner and the operation. */
export interface IdempotencyScope {
  ownerId: string;
  operation: string;
  key: string;
}

/** A response to send: a first one, or a stored one replayed. */
export interface IdempotentResponse<T> {
  status: number;
  body: T;
  replayed: boolean;
}

/** Handed to the work function: completes the record inside the work's own transaction. */
export interface IdempotencyClaim {
  complete(manager: EntityManager, status: number, body: unknown): Promise<void>;
}

interface StoredRecord {
  request_hash: string;
  state: 'in_flight' | 'completed';
  response_status: number | null;
  response_body: unknown;
}

/**
 * Idempotency keys per draft-ietf-httpapi-idempotency-key-header:
 *
 * 1. Claim: `INSERT ... ON CONFLICT DO NOTHING` on the (owner, operation, key) primary key.
 *    Exactly one of any number of concurrent requests inserts the row; there is no
 *    read-then-write window (20 parallel identical requests make one payment, tested).
 * 2. A request that did not win reads the row: other request hash -> 422 (§2.7, key reused for
 *    another payload); still in flight -> 409 (§2.7, concurrent request); completed -> the
 *    stored status and body, marked `Idempotent-Replayed: true`.
 * 3. The work runs and completes the record in its own transaction, so the payment and the
 *    stored response commit together or not at all. If the work fails, the claim is released
 *    and the key may be retried: only successful responses are stored (a 404 or 429 is not an
 *    outcome worth pinning for 24 hours; the client fixes the cause and retries).
 *
 * Stored: a keyed hash of the request (never the request: it carries card data) and the
 * response (which holds brand and last four at most). Expired keys are overwritten on reuse.
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger(IdempotencyService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() private readonly securityEvents?: SecurityEvents,
  ) {}

  async execute<T>(
    scope: IdempotencyScope,
    requestHash: string,
    work: (claim: IdempotencyClaim) => Promise<{ status: number; body: T }>,
  ): Promise<IdempotentResponse<T>> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const claimId = await this.tryClaim(scope, requestHash);
      if (claimId) return this.runClaimed(scope, claimId, work);
      const existing = await this.find(scope);
      if (!existing) continue; // released between our INSERT and SELECT: claim again
      if (existing.request_hash !== requestHash) {
        this.securityEvents?.record('payments.idempotency_conflict', { kind: 'mismatch' });
        throw new ProblemException(422, {
          slug: 'idempotency-key-reused',
          title: 'Idempotency key reused',
          detail: 'This Idempotency-Key was already used with a different request.',
          extensions: { code: 'PAYMENT.IDEMPOTENCY_MISMATCH' },
        });
      }
      if (existing.state === 'in_flight') {
        this.securityEvents?.record('payments.idempotency_conflict', { kind: 'in_flight' });
        throw new ProblemException(409, {
          slug: 'idempotency-request-in-flight',
          title: 'Request in progress',
          detail: 'A request with this Idempotency-Key is still being processed; retry later.',
          headers: { 'retry-after': '1' },
          extensions: { code: 'PAYMENT.IDEMPOTENCY_IN_FLIGHT' },
        });
      }
      return {
        status: existing.response_status ?? 200,
        body: existing.response_body as T,
        replayed: true,
      };
    }
    this.securityEvents?.record('payments.idempotency_conflict', { kind: 'in_flight' });
    throw new ProblemException(409, {
      slug: 'idempotency-request-in-flight',
      title: 'Request in progress',
      detail: 'A request with this Idempotency-Key is being processed; retry later.',
      headers: { 'retry-after': '1' },
    });
  }

  /** Deletes expired records (called periodically; an expired key is also overwritten on reuse). */
  async purgeExpired(): Promise<number> {
    const [, deleted] = await this.dataSource.query<[unknown[], number]>(
      'DELETE FROM idempotency_keys WHERE expires_at <= now()',
    );
    return deleted;
  }

  private async runClaimed<T>(
    scope: IdempotencyScope,
    claimId: string,
    work: (claim: IdempotencyClaim) => Promise<{ status: number; body: T }>,
  ): Promise<IdempotentResponse<T>> {
    const claim: IdempotencyClaim = {
      complete: async (manager, status, body) => {
        // Only our own, still in-flight claim: if it was taken over after the lock expired,
        // this throws and the work's transaction (the payment with it) rolls back.
        // TypeORM answers an UPDATE with [rows, rowCount]: count the affected rows.
        const [, affected] = await manager.query<[unknown[], number]>(
          `UPDATE idempotency_keys
              SET state = 'completed', response_status = $5, response_body = $6::jsonb
            WHERE owner_id = $1 AND operation = $2 AND key = $3 AND claim_id = $4
              AND state = 'in_flight'`,
          [scope.ownerId, scope.operation, scope.key, claimId, status, JSON.stringify(body)],
        );
        if (affected !== 1) throw new Error('Idempotency claim lost before completion');
      },
    };
    try {
      const { status, body } = await work(claim);
      return { status, body, replayed: false };
    } catch (error) {
      await this.release(scope, claimId);
      throw error;
    }
  }

  private async tryClaim(scope: IdempotencyScope, requestHash: string): Promise<string | null> {
    const claimId = randomUUID();
    // Inserts, or takes over a row that has expired, or an abandoned in-flight claim of the same
    // request. The row lock taken by ON CONFLICT makes the WHERE race-free.
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO idempotency_keys
              (owner_id, operation, key, request_hash, claim_id, state, locked_until, expires_at)
       VALUES ($1, $2, $3, $4, $5, 'in_flight',
               now() + make_interval(secs => $6), now() + make_interval(secs => $7))
       ON CONFLICT (owner_id, operation, key) DO UPDATE
          SET request_hash = EXCLUDED.request_hash, claim_id = EXCLUDED.claim_id,
              state = 'in_flight', response_status = NULL, response_body = NULL,
              created_at = now(), locked_until = EXCLUDED.locked_until,
              expires_at = EXCLUDED.expires_at
        WHERE idempotency_keys.expires_at <= now()
           OR (idempotency_keys.state = 'in_flight'
               AND idempotency_keys.locked_until <= now()
               AND idempotency_keys.request_hash = EXCLUDED.request_hash)
       RETURNING 1`,
      [
        scope.ownerId,
        scope.operation,
        scope.key,
        requestHash,
        claimId,
        IDEMPOTENCY_LOCK_SECONDS,
        IDEMPOTENCY_TTL_SECONDS,
      ],
    );
    return rows.length === 1 ? claimId : null;
  }

  private async find(scope: IdempotencyScope): Promise<StoredRecord | undefined> {
    const rows: StoredRecord[] = await this.dataSource.query(
      `SELECT request_hash, state, response_status, response_body FROM idempotency_keys
        WHERE owner_id = $1 AND operation = $2 AND key = $3 AND expires_at > now()`,
      [scope.ownerId, scope.operation, scope.key],
    );
    return rows[0];
  }

  private async release(scope: IdempotencyScope, claimId: string): Promise<void> {
    try {
      await this.dataSource.query(
        `DELETE FROM idempotency_keys
          WHERE owner_id = $1 AND operation = $2 AND key = $3 AND claim_id = $4
            AND state = 'in_flight'`,
        [scope.ownerId, scope.operation, scope.key, claimId],
      );
    } catch (error) {
      // The claim then expires after IDEMPOTENCY_LOCK_SECONDS; the original error matters more.
      this.logger.warn({ err: error }, 'Could not release an idempotency claim');
    }
  }
}
