import { KeyObject } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { createRemoteJWKSet, customFetch } from 'jose';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import type { Principal } from '../principal';
import { decodeJwtHeader, peekJwtIssuer, refuseHeader } from '../strategies/jwt-header';
import { ExternalIdentityMapper } from './external-identity.mapper';

export const EXTERNAL_JWT_STRATEGY = 'external-jwt';

/** The JWKS fetch: bounded in time and size (OWASP API10: unsafe consumption of APIs). */
export const JWKS_FETCH_TIMEOUT_MS = 3000;
export const JWKS_MAX_BYTES = 64 * 1024;
/** At most one refetch per 30 s on an unknown `kid` (jose's cooldown), keys cached 10 min. */
export const JWKS_COOLDOWN_MS = 30_000;
export const JWKS_CACHE_MAX_AGE_MS = 600_000;

/** Asymmetric algorithms only: an external issuer never shares a secret with us. */
const EXTERNAL_ALGORITHMS = ['RS256', 'PS256', 'ES256'] as const;

/**
 * Resource-server mode (RFC 9068 / RFC 8725): when AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE
 * are set, access tokens of that issuer are accepted too. Keys come from its JWKS through jose's
 * `createRemoteJWKSet` (cached; an unknown `kid` triggers a refetch at most once per cooldown),
 * and the fetch URL is the configured one, never one a token names (`jku`/`x5u` are refused).
 * Verification itself stays synchronous in jsonwebtoken, pinned to the issuer, audience and
 * asymmetric algorithms. Without the configuration this strategy refuses every token.
 */
@Injectable()
export class ExternalJwtStrategy extends PassportStrategy(Strategy, EXTERNAL_JWT_STRATEGY) {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly mapper: ExternalIdentityMapper,
  ) {
    const external = config.auth.external;
    const jwks = external
      ? createRemoteJWKSet(new URL(external.jwksUrl), {
          timeoutDuration: JWKS_FETCH_TIMEOUT_MS,
          cooldownDuration: JWKS_COOLDOWN_MS,
          cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
          [customFetch]: boundedFetch,
        })
      : undefined;
    const logger = new Logger(ExternalJwtStrategy.name);
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: (
        _request: unknown,
        rawJwt: string,
        done: (err: Error | null, key?: string | Buffer) => void,
      ) => {
        if (!external || !jwks) return done(new Error('no external issuer configured'));
        // Route by the (unverified) issuer: only tokens claiming the configured issuer may
        // cause a JWKS lookup; everything else fails here without any network traffic.
        if (peekJwtIssuer(rawJwt) !== external.issuer) return done(new Error('foreign issuer'));
        const header = decodeJwtHeader(rawJwt);
        const refused = refuseHeader(header);
        if (refused || !header) return done(new Error(refused));
        if (!EXTERNAL_ALGORITHMS.includes(header.alg as (typeof EXTERNAL_ALGORITHMS)[number]))
          return done(new Error('algorithm not allowed'));
        jwks({ alg: header.alg as string, kid: header.kid as string })
          .then((key) => {
            const keyObject = key instanceof KeyObject ? key : KeyObject.from(key);
            done(null, keyObject as unknown as Buffer);
          })
          .catch((error: unknown) => {
            logger.warn({ err: error }, 'External JWKS key lookup failed');
            done(new Error('unknown kid'));
          });
      },
      algorithms: [...EXTERNAL_ALGORITHMS],
      issuer: external?.issuer ?? 'urn:invalid:no-external-issuer',
      audience: external?.audience ?? 'urn:invalid:no-external-issuer',
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: 5 },
    });
  }

  async validate(claims: Record<string, unknown>): Promise<Principal | false> {
    if (typeof claims.exp !== 'number' || typeof claims.sub !== 'string') return false;
    return this.mapper.toPrincipal(claims);
  }
}

/** fetch with a response size cap; jose supplies the timeout signal and `redirect: manual`. */
async function boundedFetch(url: string, options: RequestInit): Promise<Response> {
  const response = await fetch(url, options);
  if (response.status !== 200 || !response.body) return response;
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > JWKS_MAX_BYTES) throw new Error('JWKS response too large');
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > JWKS_MAX_BYTES) {
      await reader.cancel();
      throw new Error('JWKS response too large');
    }
    chunks.push(value);
  }
  return new Response(Buffer.concat(chunks), { status: 200 });
}
