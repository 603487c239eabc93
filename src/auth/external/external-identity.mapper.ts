import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { Principal, ROLES, SCOPES } from '../principal';

/**
 * The documented mapping of an external issuer's claims (docs/auth.md, "Resource-server mode"):
 * - identity: `sub` of that issuer -> a local user id derived from (issuer, sub), so an external
 *   `sub` can never equal, and so impersonate, a local user's id; a local row is provisioned on
 *   first sight (no password: it can never log in locally) so ownership columns keep working;
 * - roles: `roles` (array) and Keycloak's `realm_access.roles`, kept when they name one of our
 *   roles; none -> `user`;
 * - scopes: `scope` (space-separated, RFC 8693 §4.2) or `scp` (array), kept when they name one of
 *   our scopes; none -> no scope (the token can reach no scoped route).
 */
@Injectable()
export class ExternalIdentityMapper {
  /** Ids already provisioned by this process: one INSERT per external user per process. */
  private readonly provisioned = new Set<string>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DataSource,
  ) {}

  async toPrincipal(claims: Record<string, unknown>): Promise<Principal | false> {
    const external = this.config.auth.external;
    if (!external || typeof claims.sub !== 'string' || claims.sub.length > 255) return false;
    const id = externalUserId(external.issuer, claims.sub);
    const realmRoles = (claims.realm_access as { roles?: unknown } | undefined)?.roles;
    const claimedRoles: unknown[] = [claims.roles, realmRoles].flatMap((v): unknown[] =>
      Array.isArray(v) ? (v as unknown[]) : [],
    );
    const roles = ROLES.filter((r) => claimedRoles.includes(r));
    const claimedScopes =
      typeof claims.scope === 'string'
        ? claims.scope.split(' ')
        : Array.isArray(claims.scp)
          ? claims.scp
          : [];
    const scopes = SCOPES.filter((s) => claimedScopes.includes(s));
    await this.provision(id);
    return {
      type: 'user',
      id,
      ownerId: id,
      roles: roles.length > 0 ? roles : ['user'],
      scopes,
      tokenId: typeof claims.jti === 'string' ? claims.jti : undefined,
    };
  }

  private async provision(id: string): Promise<void> {
    if (this.provisioned.has(id)) return;
    // `!` is not an argon2 hash: verification always fails, so this row can never log in.
    await this.db.query(
      `INSERT INTO users (id, email, password_hash, roles) VALUES ($1, $2, '!', '{user}')
       ON CONFLICT DO NOTHING`,
      [id, `${id}@external.invalid`],
    );
    this.provisioned.add(id);
  }
}

/** A stable local UUID for an external subject: issuer and subject hashed (never the raw sub). */
export function externalUserId(issuer: string, subject: string): string {
  const h = createHash('sha256').update(`${issuer}\u0000${subject}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50; // version 5-style (name-based, SHA hash)
  h[8] = (h[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
