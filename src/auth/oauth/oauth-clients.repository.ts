import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LivenessCache } from '../liveness/liveness-cache';
import type { Role, Scope } from '../principal';

export interface OAuthClientRecord {
  id: string;
  ownerId: string;
  name: string;
  scopes: Scope[];
  createdAt: Date;
}

interface ClientRow {
  id: string;
  owner_id: string;
  name: string;
  scopes: Scope[];
  created_at: Date;
}

const toRecord = (row: ClientRow): OAuthClientRecord => ({
  id: row.id,
  ownerId: row.owner_id,
  name: row.name,
  scopes: row.scopes,
  createdAt: row.created_at,
});

/** OAuth clients (secrets only as HMAC-SHA256) and revoked client tokens. */
@Injectable()
export class OAuthClientsRepository {
  constructor(
    private readonly db: DataSource,
    private readonly liveness: LivenessCache,
  ) {}

  async create(
    ownerId: string,
    name: string,
    scopes: Scope[],
    secretHash: Buffer,
  ): Promise<OAuthClientRecord> {
    const rows: ClientRow[] = await this.db.query(
      `INSERT INTO oauth_clients (owner_id, name, scopes, secret_hash) VALUES ($1, $2, $3, $4)
       RETURNING id, owner_id, name, scopes, created_at`,
      [ownerId, name, scopes, secretHash],
    );
    return toRecord(rows[0]);
  }

  /**
   * One page of the owner's clients, newest first, keyset-paginated on (created_at in
   * microseconds, id). Ownership is in the query (OWASP API1).
   */
  async listByOwner(
    ownerId: string,
    limit: number,
    after?: { createdUs: string; id: string },
  ): Promise<{ clients: OAuthClientRecord[]; next?: { createdUs: string; id: string } }> {
    const rows: (ClientRow & { created_us: string })[] = await this.db.query(
      `SELECT id, owner_id, name, scopes, created_at,
              ((extract(epoch FROM created_at) * 1000000)::bigint)::text AS created_us
         FROM oauth_clients
        WHERE owner_id = $1
          AND ($2::bigint IS NULL
               OR ((extract(epoch FROM created_at) * 1000000)::bigint, id) < ($2::bigint, $3::uuid))
        ORDER BY created_at DESC, id DESC
        LIMIT $4`,
      [ownerId, after?.createdUs ?? null, after?.id ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      clients: page.map(toRecord),
      next: rows.length > limit && last ? { createdUs: last.created_us, id: last.id } : undefined,
    };
  }

  /** Deletes a client of this owner; its revoked-token rows go with it (cascade). */
  async deleteOwned(id: string, ownerId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      // In a CTE: TypeORM returns [rows, count] for a bare DELETE, plain rows for a SELECT.
      'WITH d AS (DELETE FROM oauth_clients WHERE id = $1 AND owner_id = $2 RETURNING id) SELECT id FROM d',
      [id, ownerId],
    );
    // Liveness changes: this instance now; the others by NOTIFY (src/auth/liveness).
    this.liveness.invalidateAll();
    return rows.length > 0;
  }

  /** The client with its secret hash, for client authentication at the token endpoint. */
  async findForAuthentication(
    id: string,
  ): Promise<(OAuthClientRecord & { secretHash: Buffer; ownerDisabled: boolean }) | undefined> {
    const rows: (ClientRow & { secret_hash: Buffer; disabled: boolean })[] = await this.db.query(
      `SELECT c.id, c.owner_id, c.name, c.scopes, c.created_at, c.secret_hash, u.disabled
         FROM oauth_clients c JOIN users u ON u.id = c.owner_id WHERE c.id = $1`,
      [id],
    );
    const row = rows[0];
    return row && { ...toRecord(row), secretHash: row.secret_hash, ownerDisabled: row.disabled };
  }

  /** RFC 7009: records a client token as revoked until it would have expired anyway. */
  async revokeToken(jti: string, clientId: string, expiresAt: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO oauth_revoked_tokens (jti, client_id, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (jti) DO NOTHING`,
      [jti, clientId, expiresAt],
    );
    this.liveness.invalidateAll();
  }

  /**
   * Incident response: every token issued so far to this client (or to every client when
   * `clientId` is undefined) is refused from its next use (`tokens_not_before`, migration
   * 1764000600000). Returns how many clients were cut off.
   */
  async cutOffTokens(clientId: string | undefined): Promise<number> {
    // TypeORM answers UPDATE/DELETE with [rows, affected count], not the rows alone.
    const [, affected]: [unknown[], number] = await this.db.query(
      `UPDATE oauth_clients SET tokens_not_before = now() WHERE ($1::uuid IS NULL OR id = $1)`,
      [clientId ?? null],
    );
    this.liveness.invalidateAll();
    return affected;
  }

  /** Incident response: deletes a client whoever owns it; its tokens stop with it. */
  async deleteAny(id: string): Promise<boolean> {
    // TypeORM answers UPDATE/DELETE with [rows, affected count], not the rows alone.
    const [, affected]: [unknown[], number] = await this.db.query(
      'DELETE FROM oauth_clients WHERE id = $1',
      [id],
    );
    this.liveness.invalidateAll();
    return affected > 0;
  }

  /**
   * The per-request check of a client token: the client still exists (deleting it stops its
   * tokens), its owner is not disabled, this token's `jti` was not revoked, and it was issued
   * after the client's incident cut-off, if any (`iat` has one-second precision: a token from
   * the cut-off's own second is refused too). Primary-key lookups; PrincipalResolver reuses a
   * live answer briefly (src/auth/liveness).
   */
  async liveClient(
    clientId: string,
    jti: string,
    issuedAt: number,
  ): Promise<{ ownerId: string; ownerRoles: Role[]; scopes: Scope[] } | undefined> {
    const rows: { owner_id: string; roles: Role[]; scopes: Scope[] }[] = await this.db.query(
      `SELECT c.owner_id, u.roles, c.scopes FROM oauth_clients c JOIN users u ON u.id = c.owner_id
        WHERE c.id = $1 AND NOT u.disabled
          AND (c.tokens_not_before IS NULL OR to_timestamp($3) > c.tokens_not_before)
          AND NOT EXISTS (SELECT 1 FROM oauth_revoked_tokens r WHERE r.jti = $2)`,
      [clientId, jti, issuedAt],
    );
    const row = rows[0];
    return row && { ownerId: row.owner_id, ownerRoles: row.roles, scopes: row.scopes };
  }
}
