import { createPrivateKey, createPublicKey } from 'node:crypto';
import { AppConfig, NodeEnv } from './app-config';
import { readAuditConfig } from './audit.config';
import { readBenchmarkConfig } from './benchmark.config';
import { EnvReader } from './env-reader';
import { readPaymentsConfig } from './payments.config';
import { readRateLimitConfig } from './rate-limit.config';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Builds the typed configuration from the environment, or throws a `ConfigError` naming every
 * bad variable. Production is strict: no embedded database, no placeholder secrets.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = (['development', 'test', 'production'] as const).includes(env.NODE_ENV as NodeEnv)
    ? (env.NODE_ENV as NodeEnv)
    : 'development';
  const production = nodeEnv === 'production';
  const r = new EnvReader(env, production);
  if (env.NODE_ENV && env.NODE_ENV !== nodeEnv)
    r.errors.push('NODE_ENV must be development, test or production');

  const databaseUrl = r.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  if (production && !databaseUrl) r.errors.push('DATABASE_URL is required in production');

  const config: AppConfig = {
    nodeEnv,
    http: {
      host: r.string('HOST', '127.0.0.1'),
      port: r.int('PORT', 3000, 0, 65535),
      bodyLimit: r.int('BODY_LIMIT_BYTES', 100 * 1024, 1024, 10 * 1024 * 1024),
      trustProxy: parseTrustProxy(r),
      corsOrigins: parseOrigins(r),
      apiDocs: r.bool('API_DOCS', !production),
    },
    database: {
      url: databaseUrl,
      ownerUrl: r.url('DATABASE_OWNER_URL', ['postgres:', 'postgresql:']),
      migrateOnStart: r.bool('DATABASE_MIGRATE_ON_START', !production),
      embeddedPort: r.int('EMBEDDED_DB_PORT', 54329, 1024, 65535),
      embeddedDataDir: r.string('EMBEDDED_DB_DIR', '.data/postgres'),
      embeddedPasswordSeed: r.string('EMBEDDED_DB_PASSWORD', ''),
    },
    redis: { url: r.url('REDIS_URL', ['redis:', 'rediss:']) },
    auth: {
      issuer: r.string('JWT_ISSUER', 'http://localhost:3000'),
      audience: r.string('JWT_AUDIENCE', 'secure-api'),
      accessTokenTtlSeconds: r.int('ACCESS_TOKEN_TTL_SECONDS', 600, 30, 3600),
      livenessCacheMs: r.int('AUTH_LIVENESS_CACHE_MS', 1000, 0, 5000),
      jwtPrivateKeyPem: parsePrivateKey(r),
      jwtPublishedPublicKeyPems: parsePublicKeys(r),
      refreshTokenIdleTtlSeconds: r.int(
        'REFRESH_TOKEN_IDLE_TTL_SECONDS',
        7 * 86400,
        60,
        90 * 86400,
      ),
      sessionAbsoluteTtlSeconds: r.int('SESSION_ABSOLUTE_TTL_SECONDS', 30 * 86400, 60, 365 * 86400),
      passwordMinLength: r.int('PASSWORD_MIN_LENGTH', 15, 8, 64),
      passwordMaxLength: r.int('PASSWORD_MAX_LENGTH', 128, 64, 1024),
      clientSecretKey: r.key('CLIENT_SECRET_HASH_KEY', 32),
      external: parseExternalIssuer(r),
    },
    crypto: parseCrypto(r),
    payments: readPaymentsConfig(r),
    rateLimit: readRateLimitConfig(r, production),
    monitoring: parseMonitoring(r, nodeEnv),
    audit: readAuditConfig(r, production),
    benchmark: readBenchmarkConfig(r, production),
    logLevel: r.oneOf(
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      production ? 'info' : 'info',
    ),
  };

  if (r.errors.length > 0) throw new ConfigError(r.errors);
  // The benchmark baseline's one switch also turns off the two layers that have their own
  // (non-production) switches, so the baseline is "no security stack" whatever else is set.
  if (config.benchmark.securityOff) {
    config.rateLimit.enabled = false;
    config.audit.disabledForBenchmark = true;
  }
  return config;
}

function parseTrustProxy(r: EnvReader): boolean | number | string {
  const value = r.raw('TRUST_PROXY');
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

function parseOrigins(r: EnvReader): string[] {
  const origins = r.list('CORS_ORIGINS');
  for (const origin of origins) {
    // An allow-list entry is an exact origin; `*` and paths are refused rather than guessed at.
    if (origin === '*' || !/^https?:\/\/[^/\s]+$/.test(origin)) {
      r.errors.push('CORS_ORIGINS must list exact origins like https://app.example.com (never *)');
      break;
    }
  }
  return origins;
}

function parsePrivateKey(r: EnvReader): string {
  const value = r.secret('JWT_PRIVATE_KEY', 1);
  if (value === '') return '';
  const pem = Buffer.from(value, 'base64').toString('utf8');
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      r.errors.push('JWT_PRIVATE_KEY must be an EC P-256 private key (ES256)');
    }
  } catch {
    r.errors.push('JWT_PRIVATE_KEY must be a base64-encoded PKCS#8 PEM private key');
  }
  return pem;
}

function parsePublicKeys(r: EnvReader): string[] {
  return r.list('JWT_PUBLISHED_PUBLIC_KEYS').map((value) => {
    const pem = Buffer.from(value, 'base64').toString('utf8');
    try {
      createPublicKey(pem);
    } catch {
      r.errors.push('JWT_PUBLISHED_PUBLIC_KEYS must be base64-encoded SPKI PEM public keys');
    }
    return pem;
  });
}

function parseExternalIssuer(r: EnvReader): AppConfig['auth']['external'] {
  const jwksUrl = r.url('AUTH_JWKS_URL', ['https:', 'http:']);
  const issuer = r.raw('AUTH_ISSUER');
  const audience = r.raw('AUTH_AUDIENCE');
  const set = [jwksUrl, issuer, audience].filter((v) => v !== undefined).length;
  if (set === 0) return undefined;
  if (set !== 3 || !jwksUrl || !issuer || !audience) {
    r.errors.push('AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE must be set together');
    return undefined;
  }
  return { jwksUrl, issuer, audience };
}

function parseCrypto(r: EnvReader): AppConfig['crypto'] {
  const encryptionKeys = new Map<string, Buffer>();
  const entries = r.list('FIELD_ENCRYPTION_KEYS');
  if (entries.length === 0) r.errors.push('FIELD_ENCRYPTION_KEYS is required');
  for (const entry of entries) {
    const [id, material] = entry.split(':', 2);
    if (!id || !material || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
      r.errors.push('FIELD_ENCRYPTION_KEYS must be a list of <id>:<base64 32-byte key>');
      continue;
    }
    r.refusePlaceholder('FIELD_ENCRYPTION_KEYS', material);
    const key = r.decodeKey('FIELD_ENCRYPTION_KEYS', material, 32);
    // AES-256-GCM takes exactly 32 bytes; shorter keys are already refused by decodeKey.
    if (key.length > 32) r.errors.push('FIELD_ENCRYPTION_KEYS must hold keys of exactly 32 bytes');
    encryptionKeys.set(id, key);
  }
  const activeEncryptionKeyId = r.string(
    'FIELD_ENCRYPTION_ACTIVE_KEY_ID',
    entries[0]?.split(':')[0] ?? '',
  );
  if (entries.length > 0 && !encryptionKeys.has(activeEncryptionKeyId)) {
    r.errors.push('FIELD_ENCRYPTION_ACTIVE_KEY_ID must name a key in FIELD_ENCRYPTION_KEYS');
  }
  return { encryptionKeys, activeEncryptionKeyId, blindIndexKey: r.key('BLIND_INDEX_KEY', 32) };
}

/**
 * The metrics listener is internal: loopback by default. Bound to another interface in
 * production (a container network), it must also require a bearer token, so a mistake in the
 * network layout does not publish the metrics (docs/monitoring.md).
 */
function parseMonitoring(r: EnvReader, nodeEnv: NodeEnv): AppConfig['monitoring'] {
  const metricsHost = r.string('METRICS_HOST', '127.0.0.1');
  const metricsPort = r.int('METRICS_PORT', nodeEnv === 'test' ? 0 : 9464, 0, 65535);
  const metricsToken = r.raw('METRICS_TOKEN');
  if (metricsToken !== undefined) {
    r.refusePlaceholder('METRICS_TOKEN', metricsToken);
    if (metricsToken.length < 32) r.errors.push('METRICS_TOKEN must be at least 32 characters');
  }
  const loopback = ['127.0.0.1', '::1', 'localhost'].includes(metricsHost);
  if (nodeEnv === 'production' && !loopback && metricsToken === undefined)
    r.errors.push('METRICS_TOKEN is required when METRICS_HOST is not a loopback address');
  // The AuditChainVerificationStale alert fires after 2 h without a verification.
  const auditVerifyIntervalSeconds = r.int(
    'AUDIT_VERIFY_INTERVAL_SECONDS',
    nodeEnv === 'test' ? 0 : 3600,
    0,
    7200,
  );
  return { metricsHost, metricsPort, metricsToken, auditVerifyIntervalSeconds };
}
