import fc from 'fast-check';
import { requestFor } from './arbitraries';
import {
  Actor,
  ACTORS,
  assertHealthy,
  FuzzApp,
  NUM_RUNS,
  SEED,
  send,
  startFuzzApp,
  violation,
} from './fuzz-harness';

/**
 * Property-based fuzzing of every route of the route inventory, as every kind of principal
 * (OWASP WSTG input validation testing; OWASP API8:2023 security misconfiguration: no error may
 * leak internals). The properties: never a 5xx, every error an RFC 9457 problem document (the
 * two OAuth endpoints: RFC 6749 §5.2 JSON), no internals in any body, and the application
 * healthy afterwards. `FUZZ_NUM_RUNS` sets the runs per route and actor (`npm run fuzz`);
 * `FUZZ_SEED` replays a reported failure.
 */
/** Room for ~30 routes at up to 150 ms a request on a loaded runner, whatever NUM_RUNS is. */
const PER_ACTOR_TIMEOUT_MS = 60_000 + NUM_RUNS * 30 * 150;

describe('API fuzzing (e2e)', () => {
  let fuzz: FuzzApp;
  /** Statuses seen per route, to prove the generated requests got past authentication. */
  const seen = new Map<string, Map<number, number>>();

  beforeAll(async () => {
    fuzz = await startFuzzApp();
  });
  afterAll(async () => {
    if (process.env.FUZZ_REPORT) {
      for (const [route, statuses] of seen)
        process.stdout.write(`${route}: ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    }
    await fuzz?.t.close();
  });

  it('should fuzz the whole route inventory (discovered from the running app)', () => {
    const keys = fuzz.routes.map((r) => r.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'POST /v1/auth/login',
        'POST /v1/oauth/token',
        'GET /v1/customers/:id',
        'POST /v1/payments/:id/refunds',
        'GET /v1/audit-logs',
        'POST /v1/webhooks/processor',
      ]),
    );
  });

  it('should cover every operation of the OpenAPI document too', async () => {
    const res = await fetch(`${fuzz.t.url}/docs-json`);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map(
        (method) => `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`,
      ),
    );
    const fuzzed = new Set(fuzz.routes.map((r) => r.key));
    expect(documented.length).toBeGreaterThan(10);
    expect(documented.filter((key) => !fuzzed.has(key))).toEqual([]);
  });

  it.each(ACTORS)(
    'should answer every generated request as %s without a 5xx and with a well-formed error',
    async (actor: Actor) => {
      for (const route of fuzz.routes) {
        await fc.assert(
          fc.asyncProperty(requestFor(route, actor, fuzz.world), async (req) => {
            const res = await send(fuzz.t.url, req);
            const counts = seen.get(route.key) ?? new Map<number, number>();
            counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
            seen.set(route.key, counts);
            const problem = violation(route.key, req, res);
            if (problem) throw new Error(`${route.key} as ${actor}: ${problem}`);
          }),
          { numRuns: NUM_RUNS, seed: SEED, endOnFailure: false },
        );
      }
    },
    PER_ACTOR_TIMEOUT_MS,
  );

  it('should have reached past authentication on every route (the fuzzer is not just bouncing)', () => {
    const bounced = fuzz.routes
      .map((r) => r.key)
      .filter((key) => {
        const statuses = [...(seen.get(key)?.keys() ?? [])];
        return !statuses.some((s) => ![401, 403, 405, 415, 429].includes(s));
      });
    expect(bounced).toEqual([]);
  });

  it('should still be ready and serve an ordinary request after the fuzzing', async () => {
    await assertHealthy(fuzz.t);
  });
});
