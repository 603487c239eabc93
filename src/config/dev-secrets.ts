import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseEnv } from 'node:util';

type Env = Record<string, string | undefined>;

/** Generators for every secret the service needs; `.env.example` shows the same commands. */
const GENERATORS: Record<string, () => string> = {
  JWT_PRIVATE_KEY: () =>
    Buffer.from(
      generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
    ).toString('base64'),
  FIELD_ENCRYPTION_KEYS: () => `k1:${randomBytes(32).toString('base64')}`,
  FIELD_ENCRYPTION_ACTIVE_KEY_ID: () => 'k1',
  BLIND_INDEX_KEY: () => randomBytes(32).toString('base64'),
  CLIENT_SECRET_HASH_KEY: () => randomBytes(32).toString('base64'),
  CARD_FINGERPRINT_KEY: () => randomBytes(32).toString('base64'),
  PROCESSOR_WEBHOOK_SECRET: () => randomBytes(32).toString('base64url'),
  // Seed of the embedded development database's passwords (not read in production).
  EMBEDDED_DB_PASSWORD: () => randomBytes(24).toString('base64url'),
};

export const GENERATED_SECRET_NAMES = Object.keys(GENERATORS);

/** Fresh values for every secret, in memory (tests, and the first development start). */
export function generateSecrets(): Record<string, string> {
  return Object.fromEntries(Object.entries(GENERATORS).map(([name, make]) => [name, make()]));
}

/**
 * Development only: fills in every secret missing from `env` from a git-ignored file, generating
 * the file the first time, so `npm start` needs no set-up and restarts reuse the same keys.
 * Returns the names it generated (for one loud log line). Never called in production.
 */
export function ensureDevSecrets(env: Env, file: string): { generated: string[] } {
  const stored: Record<string, string | undefined> = existsSync(file)
    ? parseEnv(readFileSync(file, 'utf8'))
    : {};
  const generated: string[] = [];
  const operatorKeys = Boolean(env.FIELD_ENCRYPTION_KEYS);
  for (const [name, make] of Object.entries(GENERATORS)) {
    if (env[name]) continue;
    if (!stored[name]) {
      // Keep the encryption key id and key together: an id without its key would not decrypt.
      stored[name] = name === 'FIELD_ENCRYPTION_ACTIVE_KEY_ID' && operatorKeys ? '' : make();
      if (stored[name]) generated.push(name);
    }
    if (stored[name]) env[name] = stored[name];
  }
  if (generated.length > 0) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const body = Object.entries(stored)
      .filter(([, value]) => value)
      .map(([name, value]) => `${name}=${value}`)
      .join('\n');
    writeFileSync(
      file,
      `# Generated development secrets. Never use in production; never commit.\n${body}\n`,
      {
        mode: 0o600,
      },
    );
  }
  return { generated };
}

/** Loads `KEY=value` lines from a file into `env` without overriding what is already set. */
export function loadEnvFile(env: Env, file: string): void {
  if (!existsSync(file)) return;
  for (const [name, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
    if (env[name] === undefined) env[name] = value;
  }
}
