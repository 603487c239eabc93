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
 * A token that passed all of this once is not re-verified until its `exp` (VerifiedTokenCache).
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    tokens: AccessTokenService,
    private readonly resolver: PrincipalResolver,
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

  /** Signature checks already passed, per token, until its `exp` (verified-token-cache.ts). */
  private readonly verified = new VerifiedTokenCache();

  /**
   * A token verified before in this process skips jsonwebtoken (the ECDSA verification, the
   * costliest step: docs/performance.md) and goes straight to `validate`, whose live session
   * check runs on every request either way. Anything else takes passport-jwt's full path.
   */
  override authenticate(request: Request, options?: unknown): void {
    const token = bearerToken(request);
    const claims = token ? this.verified.get(token) : undefined;
    if (!claims) return super.authenticate(request, options);
    this.resolver.fromClaims(claims).then(
      (principal) => (principal ? this.success(principal) : this.fail(401)),
      (error: unknown) => this.error(error instanceof Error ? error : new Error(String(error))),
    );
  }

  async validate(request: Request, claims: Partial<AccessTokenClaims>): Promise<Principal | false> {
    // Called by passport-jwt only after full verification: only verified claims are cached.
    const token = bearerToken(request);
    if (token) this.verified.set(token, claims);
    return (await this.resolver.fromClaims(claims)) ?? false;
  }
}

const extractBearer = ExtractJwt.fromAuthHeaderAsBearerToken();
function bearerToken(request: Request): string | null {
  return extractBearer(request);
}
