import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { generateSecrets, GENERATED_SECRET_NAMES } from './dev-secrets';
import { isPlaceholder } from './env-reader';
import { ConfigError, loadConfig } from './load-config';

const PRODUCTION_DATABASE = 'postgres://app_runtime:pw@db.internal:5432/app';
/** Generated once: an EC key pair takes a few milliseconds. */
const secrets = generateSecrets();

function production(overrides: Record<string, string | undefined> = {}) {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: PRODUCTION_DATABASE,
    ...secrets,
    ...overrides,
  };
}

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected loadConfig to refuse this environment');
}

/**
 * The variables of .env.example that hold a secret: every one a generator exists for, every one
 * named like a secret (`*_KEY`, `*_SECRET`, `*_PASSWORD`, `*_TOKEN`) and every `change-me`
 * value, whoever added it. Empty values ship nothing and are covered by "is required".
 */
function shippedSecrets(): [string, string][] {
  const example = parseEnv(readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8'));
  return Object.entries(example).filter(
    (entry): entry is [string, string] =>
      typeof entry[1] === 'string' &&
      entry[1] !== '' &&
      entry[0] !== 'FIELD_ENCRYPTION_ACTIVE_KEY_ID' &&
      (GENERATED_SECRET_NAMES.includes(entry[0]) ||
        /_(KEY|SECRET|PASSWORD|TOKEN)$/.test(entry[0]) ||
        /change-?me/i.test(entry[1])),
  );
}

describe(loadConfig.name, () => {
  it('should accept a complete production configuration with real secrets', () => {
    const config = loadConfig(production());
    expect(config.nodeEnv).toBe('production');
    expect(config.http.apiDocs).toBe(false);
    expect(config.database.migrateOnStart).toBe(false);
    expect(config.crypto.encryptionKeys.get('k1')).toHaveLength(32);
  });

  it('should find the shipped secrets in .env.example (the next test is not vacuous)', () => {
    const names = shippedSecrets().map(([name]) => name);
    expect(names).toEqual(
      expect.arrayContaining([
        'JWT_PRIVATE_KEY',
        'CLIENT_SECRET_HASH_KEY',
        'FIELD_ENCRYPTION_KEYS',
        'BLIND_INDEX_KEY',
        'CARD_FINGERPRINT_KEY',
        'PROCESSOR_WEBHOOK_SECRET',
      ]),
    );
  });

  it.each(shippedSecrets())(
    'should refuse the .env.example value of %s in production',
    (name, value) => {
      expect(isPlaceholder(value)).toBe(true);
      const problems = problemsOf(production({ [name]: value }));
      expect(problems.some((p) => p.startsWith(`${name} `))).toBe(true);
      expect(problems.join('\n')).not.toContain(value);
    },
  );

  it('should refuse .env.example as shipped in production, naming every secret', () => {
    const example = parseEnv(readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8'));
    const problems = problemsOf({ ...example, NODE_ENV: 'production' }).join('\n');
    for (const [name] of shippedSecrets()) expect(problems).toContain(name);
    expect(problems).toContain('DATABASE_URL is required in production');
  });

  it('should refuse a missing DATABASE_URL in production', () => {
    expect(problemsOf(production({ DATABASE_URL: undefined }))).toEqual([
      'DATABASE_URL is required in production',
    ]);
  });

  it('should allow a missing DATABASE_URL outside production (embedded database)', () => {
    const config = loadConfig({ ...secrets, NODE_ENV: 'development' });
    expect(config.database.url).toBeUndefined();
  });

  it.each(GENERATED_SECRET_NAMES.filter((n) => !/ACTIVE_KEY_ID|EMBEDDED_DB/.test(n)))(
    'should refuse a missing %s in production',
    (name) => {
      const problems = problemsOf(production({ [name]: undefined }));
      expect(problems.join('\n')).toContain(name);
    },
  );

  it.each([
    ['CLIENT_SECRET_HASH_KEY', Buffer.alloc(16, 7).toString('base64')],
    ['BLIND_INDEX_KEY', Buffer.alloc(31, 7).toString('base64')],
    ['CARD_FINGERPRINT_KEY', Buffer.alloc(8, 7).toString('base64')],
    ['FIELD_ENCRYPTION_KEYS', `k1:${Buffer.alloc(16, 7).toString('base64')}`],
    ['FIELD_ENCRYPTION_KEYS', `k1:${Buffer.alloc(48, 7).toString('base64')}`],
    ['PROCESSOR_WEBHOOK_SECRET', 'tooShortWebhookSecret'],
  ])('should refuse a key of the wrong length in %s', (name, value) => {
    const problems = problemsOf(production({ [name]: value }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name} must`));
    expect(problems[0]).not.toContain(value);
  });

  it('should refuse a JWT key that is not an ES256 (P-256) private key', () => {
    const { generateKeyPairSync } = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const problems = problemsOf(
      production({ JWT_PRIVATE_KEY: Buffer.from(rsa).toString('base64') }),
    );
    expect(problems).toEqual(['JWT_PRIVATE_KEY must be an EC P-256 private key (ES256)']);
  });

  it('should name every bad variable at once and never print a value', () => {
    const bad = {
      PORT: 'not-a-port-4711',
      BODY_LIMIT_BYTES: '99999999999',
      CORS_ORIGINS: 'https://cors.example/with-a-path-xyz',
      API_DOCS: 'perhaps-xyz',
      LOG_LEVEL: 'verbose-xyz',
      CLIENT_SECRET_HASH_KEY: 'c2hvcnQtc2VjcmV0LXZhbHVlLTQy',
      PROCESSOR_WEBHOOK_SECRET: 'change-me-processor-webhook-secret',
      DATABASE_URL: 'mysql://root:hunter2-db-password@db/app',
    };
    let message = '';
    try {
      loadConfig(production(bad));
    } catch (error) {
      message = (error as Error).message;
    }
    for (const [name, value] of Object.entries(bad)) {
      expect(message).toContain(name);
      expect(message).not.toContain(value);
    }
    expect(message).not.toContain('hunter2');
  });

  it('should refuse a CORS origin that is not an exact origin', () => {
    for (const value of ['*', 'https://app.example.com/path', 'app.example.com']) {
      expect(problemsOf(production({ CORS_ORIGINS: value })).join()).toContain('CORS_ORIGINS');
    }
    expect(
      loadConfig(production({ CORS_ORIGINS: 'https://a.example, http://localhost:5173' })).http
        .corsOrigins,
    ).toEqual(['https://a.example', 'http://localhost:5173']);
  });

  it('should refuse an unknown NODE_ENV rather than fall back silently', () => {
    expect(problemsOf({ ...secrets, NODE_ENV: 'prod' })).toContain(
      'NODE_ENV must be development, test or production',
    );
  });

  it('should keep trust proxy off unless configured', () => {
    expect(loadConfig(production()).http.trustProxy).toBe(false);
    expect(loadConfig(production({ TRUST_PROXY: '1' })).http.trustProxy).toBe(1);
  });
});
