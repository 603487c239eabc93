import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LivenessCache } from '../liveness/liveness-cache';
import type { Role } from '../principal';

/**
 * Sessions and their rotating refresh tokens. Only SHA-256 hashes of refresh tokens are stored
 * (a 256-bit random token needs no slow hash: it cannot be guessed, only stolen from the table).
 */
@Injectable()
export class SessionsRepository {
  constructor(
    private readonly db: DataSource,
    private readonly liveness: LivenessCache,
  ) {}

  async create(
    userId: string,
    refreshTokenHash: Buffer,
    idleTtlSeconds: number,
    absoluteTtlSeconds: number,
  ): Promise<string> {
    const rows: { id: string }[] = await this.db.query(
      `INSERT INTO auth_sessions (user_id, refresh_token_hash, idle_expires_at, expires_at)
       VALUES ($1, $2, now() + make_interval(secs => $3), now() + make_interval(secs => $4))
       RETURNING id`,
      [userId, refreshTokenHash, idleTtlSeconds, absoluteTtlSeconds],
    );
    return rows[0].id;
  }

  /**
   * Rotates the refresh token in ONE conditional statement: the UPDATE matches only the current,
   * live hash, and records the old hash as spent. Two concurrent refreshes with one token
   * serialise on the row lock; the second re-evaluates `refresh_token_hash = $1` after the first
   * commits, matches nothing, and loses (at most one wins).
   */
  async rotate(
    oldHash: Buffer,
    newHash: Buffer,
    idleTtlSeconds: number,
  ): Promise<{ sessionId: string; userId: string } | undefined> {
    const rows: { session_id: string; user_id: string }[] = await this.db.query(
      `WITH rotated AS (
         UPDATE auth_sessions
            SET refresh_token_hash = $2, last_used_at = now(),
                idle_expires_at = LEAST(expires_at, now() + make_interval(secs => $3))
          WHERE refresh_token_hash = $1 AND revoked_at IS NULL
            AND expires_at > now() AND idle_expires_at > now()
          RETURNING id, user_id
       ), spent AS (
         INSERT INTO auth_spent_refresh_tokens (token_hash, session_id)
         SELECT $1, id FROM rotated
         ON CONFLICT (token_hash) DO NOTHING
       )
       SELECT id AS session_id, user_id FROM rotated`,
      [oldHash, newHash, idleTtlSeconds],
    );
    return rows[0] && { sessionId: rows[0].session_id, userId: rows[0].user_id };
  }

  /** The session a spent (already rotated) refresh token belonged to, if any. */
  async findSessionOfSpentToken(
    hash: Buffer,
  ): Promise<{ sessionId: string; userId: string } | undefined> {
    const rows: { session_id: string; user_id: string }[] = await this.db.query(
      `SELECT s.id AS session_id, s.user_id FROM auth_spent_refresh_tokens t
         JOIN auth_sessions s ON s.id = t.session_id WHERE t.token_hash = $1`,
      [hash],
    );
    return rows[0] && { sessionId: rows[0].session_id, userId: rows[0].user_id };
  }

  /** Revokes at once: the session's access tokens fail the per-request `sid` check. */
  async revoke(sessionId: string, reason: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      // In a CTE: TypeORM returns [rows, count] for a bare UPDATE, plain rows for a SELECT.
      `WITH r AS (UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2
        WHERE id = $1 AND revoked_at IS NULL RETURNING id) SELECT id FROM r`,
      [sessionId, reason],
    );
    // This instance at once; the others through the NOTIFY of the statement's trigger.
    this.liveness.invalidateAll();
    return rows.length > 0;
  }

  /**
   * Incident response: revokes every live session of one user, or of everyone when `userId` is
   * undefined (signing-key rotation with --revoke-old). Their access tokens fail the `sid`
   * check on the next request; their refresh tokens no longer rotate. Returns how many.
   */
  async revokeAll(userId: string | undefined, reason: string): Promise<number> {
    // TypeORM answers UPDATE/DELETE with [rows, affected count], not the rows alone.
    const [, affected]: [unknown[], number] = await this.db.query(
      `UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2
        WHERE ($1::uuid IS NULL OR user_id = $1) AND revoked_at IS NULL`,
      [userId ?? null, reason],
    );
    this.liveness.invalidateAll();
    return affected;
  }

  /**
   * The revocation check: one primary-key lookup joined to the user, so logout, reuse detection,
   * absolute expiry, a disabled account and a role change all take effect on the next request.
   * PrincipalResolver reuses a live answer for at most AUTH_LIVENESS_CACHE_MS, invalidated by
   * every change (src/auth/liveness). Also returns the session's absolute expiry.
   */
  async liveSessionUser(
    sessionId: string,
    userId: string,
  ): Promise<{ roles: Role[]; expiresAt: Date } | undefined> {
    const rows: { roles: Role[]; expires_at: Date }[] = await this.db.query(
      `SELECT u.roles, s.expires_at FROM auth_sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL
          AND s.expires_at > now() AND NOT u.disabled`,
      [sessionId, userId],
    );
    return rows[0] && { roles: rows[0].roles, expiresAt: rows[0].expires_at };
  }
}
