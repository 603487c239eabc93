import type { AuditConfig } from './audit.config';
import type { BenchmarkConfig } from './benchmark.config';
import type { PaymentsConfig } from './payments.config';
import type { RateLimitConfig } from './rate-limit.config';

/**
 * The one typed configuration of the service. It is built once at boot by `loadConfig()` from
 * the environment and injected as `AppConfig`; nothing deeper in the code reads `process.env`.
 */
export type NodeEnv = 'development' | 'test' | 'production';

export interface AppConfig {
  nodeEnv: NodeEnv;
  http: {
    host: string;
    port: number;
    /** Fastify `bodyLimit` in bytes (contract: 100 KB). */
    bodyLimit: number;
    /** Fastify `trustProxy`: false, true, a hop count or a comma-separated list of addresses/CIDRs. */
    trustProxy: boolean | number | string;
    corsOrigins: string[];
    apiDocs: boolean;
  };
  database: {
    /** Runtime role's connection. Undefined => the embedded PostgreSQL (never in production). */
    url?: string;
    /** Owner role's connection, used for migrations and the audit maintenance path. */
    ownerUrl?: string;
    /** Apply migrations at start (default: on outside production). */
    migrateOnStart: boolean;
    embeddedPort: number;
    embeddedDataDir: string;
    embeddedPasswordSeed: string;
  };
  redis: { url?: string };
  auth: {
    issuer: string;
    audience: string;
    accessTokenTtlSeconds: number;
    /**
     * How long a "session / client token is live" answer may be reused (ms; 0: never). Bounded
     * further by LISTEN/NOTIFY invalidation: docs/auth.md "Liveness cache".
     */
    livenessCacheMs: number;
    /** PEM of the active ES256 private key (PKCS#8). */
    jwtPrivateKeyPem: string;
    /** PEMs of earlier public keys still published in the JWKS (signing key rotation). */
    jwtPublishedPublicKeyPems: string[];
    refreshTokenIdleTtlSeconds: number;
    sessionAbsoluteTtlSeconds: number;
    passwordMinLength: number;
    passwordMaxLength: number;
    /** HMAC key for OAuth client secrets (a keyed fast hash; see docs/auth.md). */
    clientSecretKey: Buffer;
    external?: { jwksUrl: string; issuer: string; audience: string };
  };
  crypto: {
    /** Field-encryption keys by id (32 bytes each, AES-256-GCM). */
    encryptionKeys: Map<string, Buffer>;
    activeEncryptionKeyId: string;
    /** HMAC-SHA256 key for blind indexes; never an encryption key. */
    blindIndexKey: Buffer;
  };
  payments: PaymentsConfig;
  rateLimit: RateLimitConfig;
  monitoring: {
    /** Interface of the internal metrics listener (never the public one; see docs/monitoring.md). */
    metricsHost: string;
    /** Port of the metrics listener; 0 picks a free port (the default under NODE_ENV=test). */
    metricsPort: number;
    /** Bearer token Prometheus must send; required in production off loopback. */
    metricsToken?: string;
    /** Seconds between periodic audit-chain verifications (0: off; the default in tests). */
    auditVerifyIntervalSeconds: number;
  };
  audit: AuditConfig;
  /** `npm run bench` only; refused in production (benchmark.config.ts). */
  benchmark: BenchmarkConfig;
  logLevel: string;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
