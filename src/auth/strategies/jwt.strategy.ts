import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import type { Principal } from '../principal';
import {
  ACCESS_TOKEN_TYP,
  AccessTokenClaims,
  AccessTokenService,
} from '../tokens/access-token.service';
import { VerifiedTokenCache } from '../tokens/verified-token-cache';
import { decodeJwtHeader, refuseHeader } from './jwt-header';
import { PrincipalResolver } from './principal.resolver';

export const JWT_STRATEGY = 'jwt';

/**
 * Verifies OUR access tokens (RFC 9068 profile, RFC 8725 best practices) with passport-jwt:
 * - the token comes only from `Authorization: Bearer` (RFC 6750 §2.1; never the query string);
 * - the key is chosen by `kid` among pre-parsed KeyObjects, synchronously, never fetched;
 * - algorithm pinned to ES256 (so `none` and HS256-with-the-public-key fail), issuer and
 *   audience pinned, `typ` must be `at+jwt`, `exp` required and enforced;
 * - then the session or client is checked live (PrincipalResolver), on every request.
 * A token that passed all of this once is recorded in the VerifiedTokenCache until its `exp`:
 * AuthenticationGuard then sends it straight to the live check, without passport or this class.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    tokens: AccessTokenService,
    private readonly resolver: PrincipalResolver,
    private readonly verified: VerifiedTokenCache,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: (
        _request: unknown,
        rawJwt: string,
        done: (err: Error | null, key?: string | Buffer) => void,
      ) => {
        const header = decodeJwtHeader(rawJwt);
        const refused = refuseHeader(header, ACCESS_TOKEN_TYP);
        if (refused) return done(new Error(refused));
        const key = tokens.verificationKey(String(header?.kid));
        if (!key) return done(new Error('unknown kid'));
        // passport-jwt hands this to jsonwebtoken.verify, which accepts a KeyObject.
        done(null, key.key as unknown as Buffer);
      },
      algorithms: ['ES256'],
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: 5 },
      passReqToCallback: true,
    });
  }

  async validate(request: Request, claims: Partial<AccessTokenClaims>): Promise<Principal | false> {
    // Called by passport-jwt only after full verification: only verified claims are cached.
    const token = bearerToken(request);
    if (token) this.verified.set(token, claims);
    return (await this.resolver.fromClaims(claims)) ?? false;
  }
}

const extractBearer = ExtractJwt.fromAuthHeaderAsBearerToken();
/** The bearer token exactly as passport-jwt extracts it (Authorization header only). */
export function bearerToken(request: { headers: Record<string, unknown> }): string | null {
  return extractBearer(request);
}
