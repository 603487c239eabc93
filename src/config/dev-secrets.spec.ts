import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDevSecrets, GENERATED_SECRET_NAMES, loadEnvFile } from './dev-secrets';
import { loadConfig } from './load-config';

describe(ensureDevSecrets.name, () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dev-secrets-'));
    file = join(dir, '.secrets', 'dev.env');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should generate every missing secret once into an owner-only file', () => {
    const env: Record<string, string | undefined> = {};
    const { generated } = ensureDevSecrets(env, file);
    expect(generated.sort()).toEqual([...GENERATED_SECRET_NAMES].sort());
    for (const name of GENERATED_SECRET_NAMES) expect(env[name]).toBeTruthy();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, '.secrets')).mode & 0o077).toBe(0);
    // The generated values form a configuration development accepts.
    expect(() => loadConfig({ ...env, NODE_ENV: 'development' })).not.toThrow();
  });

  it('should reuse the stored secrets on the next start and generate nothing', () => {
    const first: Record<string, string | undefined> = {};
    ensureDevSecrets(first, file);
    const before = readFileSync(file, 'utf8');
    const second: Record<string, string | undefined> = {};
    const { generated } = ensureDevSecrets(second, file);
    expect(generated).toEqual([]);
    expect(second).toEqual(first);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('should never override or store a secret the operator set', () => {
    const operatorKey = Buffer.alloc(32, 9).toString('base64');
    const env: Record<string, string | undefined> = { BLIND_INDEX_KEY: operatorKey };
    const { generated } = ensureDevSecrets(env, file);
    expect(generated).not.toContain('BLIND_INDEX_KEY');
    expect(env.BLIND_INDEX_KEY).toBe(operatorKey);
    expect(readFileSync(file, 'utf8')).not.toContain(operatorKey);
  });

  it('should not pair a generated active key id with operator-supplied encryption keys', () => {
    const env: Record<string, string | undefined> = {
      FIELD_ENCRYPTION_KEYS: `ops:${Buffer.alloc(32, 1).toString('base64')}`,
    };
    ensureDevSecrets(env, file);
    expect(env.FIELD_ENCRYPTION_ACTIVE_KEY_ID).toBeUndefined();
    expect(loadConfig({ ...env, NODE_ENV: 'development' }).crypto.activeEncryptionKeyId).toBe(
      'ops',
    );
  });
});

describe(loadEnvFile.name, () => {
  it('should load a file without overriding what the environment already sets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'env-file-'));
    try {
      const file = join(dir, '.env');
      writeFileSync(file, 'PORT=4000\nHOST=0.0.0.0\n');
      const env: Record<string, string | undefined> = { PORT: '5000' };
      loadEnvFile(env, file);
      expect(env).toEqual({ PORT: '5000', HOST: '0.0.0.0' });
      loadEnvFile(env, join(dir, 'missing.env'));
      expect(env).toEqual({ PORT: '5000', HOST: '0.0.0.0' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
