import { randomBytes } from 'node:crypto';
import { startTestApp, TestApp, TestDatabase } from '../../helpers/test-app';

/** A counter-key prefix of its own, so tests sharing one Redis never see each other's counts. */
export function uniqueKeyPrefix(): string {
  return `rltest-${randomBytes(6).toString('hex')}:`;
}

export async function startRateLimitedApp(
  env: Record<string, string>,
  db?: TestDatabase,
): Promise<TestApp> {
  return startTestApp({
    env: { RATE_LIMIT_KEY_PREFIX: uniqueKeyPrefix(), ...env },
    db,
  });
}
