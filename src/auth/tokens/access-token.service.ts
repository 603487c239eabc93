import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import * as jwt from 'jsonwebtoken';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import type { Role, Scope } from '../principal';
import { loadSigningKeys, SigningKeys, VerificationKey } from './signing-keys';

/** RFC 9068 §2.1: the `typ` header of a JWT access token. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** Claims of our own access tokens (RFC 9068 §2.2; `sid` from OpenID Connect). */
export interface AccessTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  exp: number;
  iat: number;
  jti: string;
  /** User tokens: the session; checked against revoked sessions on every request. */
  sid?: string;
  roles?: Role[];
  /** Client tokens (RFC 8693 §4.2 / RFC 9068 §2.2.3): space-separated scopes. */
  scope?: string;
  client_id?: string;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresIn: number;
  expiresAt: Date;
}

/** Signs ES256 access tokens and publishes the verification keys (JWKS). */
@Injectable()
export class AccessTokenService {
  private readonly keys: SigningKeys;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.keys = loadSigningKeys(
      config.auth.jwtPrivateKeyPem,
      config.auth.jwtPublishedPublicKeyPems,
    );
  }

  get ttlSeconds(): number {
    return this.config.auth.accessTokenTtlSeconds;
  }

  issueForUser(userId: string, sessionId: string, roles: Role[]): IssuedAccessToken {
    return this.sign({ sub: userId, sid: sessionId, roles });
  }

  issueForClient(clientId: string, scopes: Scope[]): IssuedAccessToken {
    return this.sign({ sub: clientId, client_id: clientId, scope: scopes.join(' ') });
  }

  /** Pre-parsed verification key by kid (undefined for an unknown kid). */
  verificationKey(kid: string): VerificationKey | undefined {
    return this.keys.verification.get(kid);
  }

  /**
   * Verifies a token of ours for revocation (RFC 7009): signature, algorithm, issuer and
   * audience; an expired token verifies too (revoking it is a no-op). Undefined if not ours.
   */
  verifyOwnToken(token: string): Partial<AccessTokenClaims> | undefined {
    try {
      const decoded = jwt.decode(token, { complete: true });
      const kid = decoded?.header.kid;
      const key = typeof kid === 'string' ? this.keys.verification.get(kid) : undefined;
      if (!key) return undefined;
      const claims = jwt.verify(token, key.key, {
        algorithms: ['ES256'],
        issuer: this.config.auth.issuer,
        audience: this.config.auth.audience,
        ignoreExpiration: true,
      });
      return typeof claims === 'object' ? (claims as Partial<AccessTokenClaims>) : undefined;
    } catch {
      return undefined;
    }
  }

  /** RFC 7517 JWK Set of every published key. */
  jwks(): { keys: Record<string, string>[] } {
    return {
      keys: [...this.keys.verification.values()].map(({ kid, jwk }) => ({
        kty: String(jwk.kty),
        crv: String(jwk.crv),
        x: String(jwk.x),
        y: String(jwk.y),
        kid,
        alg: 'ES256',
        use: 'sig',
      })),
    };
  }

  private sign(claims: Partial<AccessTokenClaims>): IssuedAccessToken {
    const jti = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.ttlSeconds;
    const token = jwt.sign(
      {
        ...claims,
        iss: this.config.auth.issuer,
        aud: this.config.auth.audience,
        iat: now,
        exp,
        jti,
      },
      this.keys.signing.privateKey,
      {
        algorithm: 'ES256',
        keyid: this.keys.signing.kid,
        header: { alg: 'ES256', typ: ACCESS_TOKEN_TYP, kid: this.keys.signing.kid },
      },
    );
    return { token, jti, expiresIn: this.ttlSeconds, expiresAt: new Date(exp * 1000) };
  }
}
