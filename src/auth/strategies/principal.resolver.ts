import { Injectable } from '@nestjs/common';
import { LivenessCache } from '../liveness/liveness-cache';
import { OAuthClientsRepository } from '../oauth/oauth-clients.repository';
import { Principal, Scope, SCOPES } from '../principal';
import { SessionsRepository } from '../sessions/sessions.repository';
import type { AccessTokenClaims } from '../tokens/access-token.service';

/**
 * Turns the claims of a VERIFIED first-party access token into the Principal, checking that the
 * session (users) or the client and token (OAuth clients) are still live. The check is a
 * primary-key lookup; a live answer is reused for at most AUTH_LIVENESS_CACHE_MS (1 s), and
 * dropped at once by any revocation in this process or, through LISTEN/NOTIFY, anywhere else
 * (src/auth/liveness/liveness-cache.ts, docs/auth.md "Liveness cache").
 */
@Injectable()
export class PrincipalResolver {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly clients: OAuthClientsRepository,
    private readonly liveness: LivenessCache,
  ) {}

  async fromClaims(claims: Partial<AccessTokenClaims>): Promise<Principal | undefined> {
    // RFC 9068 §2.2: these claims are REQUIRED; jsonwebtoken does not insist on `exp` itself.
    if (
      typeof claims.exp !== 'number' ||
      typeof claims.iat !== 'number' ||
      typeof claims.sub !== 'string' ||
      typeof claims.jti !== 'string' ||
      !isUuid(claims.sub) ||
      !isUuid(claims.jti)
    )
      return undefined;

    if (typeof claims.client_id === 'string') {
      if (claims.client_id !== claims.sub || claims.sid !== undefined) return undefined;
      const { sub, jti, iat } = claims;
      const live = await this.liveness.lookup(`client:${sub}:${jti}:${iat}`, async () => {
        const value = await this.clients.liveClient(sub, jti, iat);
        return value && { value };
      });
      if (!live) return undefined;
      // The token's scopes, narrowed again to what the client holds now.
      const granted = String(claims.scope ?? '').split(' ');
      const scopes = SCOPES.filter((s) => granted.includes(s) && live.scopes.includes(s));
      return {
        type: 'client',
        id: claims.sub,
        ownerId: live.ownerId,
        // A client acts as a plain user of its owner's data: never with support/admin powers,
        // and not at all for an owner who is not a `user` (e.g. an auditor).
        roles: live.ownerRoles.filter((r) => r === 'user'),
        scopes,
        tokenId: claims.jti,
      };
    }

    if (typeof claims.sid !== 'string' || !isUuid(claims.sid)) return undefined;
    const { sid, sub } = claims;
    const live = await this.liveness.lookup(`session:${sid}:${sub}`, async () => {
      const value = await this.sessions.liveSessionUser(sid, sub);
      return value && { value, notAfterMs: value.expiresAt.getTime() };
    });
    if (!live) return undefined;
    return {
      type: 'user',
      id: claims.sub,
      ownerId: claims.sub,
      // Roles come from the database, not the token: a demoted user loses them at once.
      roles: [...live.roles],
      // Contract: a user's own login token carries all four scopes.
      scopes: [...SCOPES] as Scope[],
      sessionId: claims.sid,
      tokenId: claims.jti,
    };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
