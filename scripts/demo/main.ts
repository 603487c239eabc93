import { AuthService } from '../../src/auth/auth.service';
import { startThrowawayApi } from '../lib/throwaway-api';
import { runWalkthrough, summary } from './walkthrough';

/**
 * `npm run demo`: a throw-away API (fresh embedded PostgreSQL in a temporary directory, fresh
 * secrets, free ports, nothing read from .env or .secrets) and the reviewer's tour against it.
 * Exits 1 if any step did not behave as expected.
 */
async function main(): Promise<number> {
  const started = Date.now();
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const api = await startThrowawayApi({ log: out });
  out(`API listening on ${api.url} (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  let exitCode: number;
  try {
    const results = await runWalkthrough(
      {
        url: api.url,
        ownerUrl: api.ownerUrl,
        runtimeUrl: api.runtimeUrl,
        createUser: async (email, password, role) => {
          await api.app.get(AuthService).createUser({ email, password, role });
        },
      },
      out,
    );
    out('');
    summary(results).forEach(out);
    exitCode = results.every((r) => r.ok) ? 0 : 1;
  } finally {
    await api.stop();
  }
  out(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
