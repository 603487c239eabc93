import { createServer, Server, Socket, connect } from 'node:net';
import request from 'supertest';
import { createUser } from '../../helpers/auth';
import { TestApp } from '../../helpers/test-app';
import { startRateLimitedApp } from './rate-limit-test-app';

/** A loopback port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A TCP relay in front of the real Redis: `stop()` drops every connection and refuses new ones,
 * which to the app is Redis dying mid-test, without touching the machine's Redis that others use.
 */
class RedisRelay {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: URL) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(Number(this.target.port || 6379), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  url(): string {
    const url = new URL(this.target.href);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.href;
  }
}

async function statuses(url: string, n: number): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < n; i++) result.push((await request(url).get('/health/live')).status);
  return result;
}

const ok = (list: number[]) => list.filter((s) => s === 200).length;

describe('rate limit when Redis is unreachable (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startRateLimitedApp({
      REDIS_URL: `redis://127.0.0.1:${await deadPort()}`,
      RATE_LIMIT_ADDRESS_LIMIT: '4',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should still limit, per instance in memory', async () => {
    expect(await statuses(t.url, 6)).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it('should show the outage on /health/ready as degraded (still 200: the instance serves)', async () => {
    // The address budget above is spent; readiness of a fresh instance is checked below.
    const fresh = await startRateLimitedApp(
      { REDIS_URL: `redis://127.0.0.1:${await deadPort()}` },
      t.db,
    );
    try {
      const res = await request(fresh.url).get('/health/ready').expect(200);
      expect(res.body).toEqual({ status: 'degraded' });
    } finally {
      await fresh.close();
    }
  });
});

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) {
  // Said plainly rather than skipped silently: these promises are unproven in this run.
  console.warn(
    'SKIPPED: shared-Redis rate-limit tests (two instances, Redis dying mid-test) need REDIS_URL',
  );
} else {
  describe('rate limit shared through Redis (e2e)', () => {
    describe('two app instances on one Redis', () => {
      let a: TestApp;
      let b: TestApp;
      beforeAll(async () => {
        const env = { REDIS_URL, RATE_LIMIT_ADDRESS_LIMIT: '10' };
        a = await startRateLimitedApp(env);
        // Same database, same Redis, same key prefix: two replicas of one deployment.
        b = await startRateLimitedApp(
          { ...env, RATE_LIMIT_KEY_PREFIX: a.config.rateLimit.keyPrefix },
          a.db,
        );
      });
      afterAll(async () => {
        await b?.close();
        await a?.close();
      });

      it('should accept exactly the limit in total across both, even when requests race', async () => {
        const requests = Array.from({ length: 40 }, (_, i) =>
          request(i % 2 === 0 ? a.url : b.url).get('/health/live'),
        );
        const results = (await Promise.all(requests)).map((r) => r.status);
        expect(ok(results)).toBe(10);
        expect(results.filter((s) => s === 429)).toHaveLength(30);
        const ready = await request(a.url).get('/health/live').expect(429);
        expect(ready.headers['ratelimit']).toMatch(/^"address";r=0;t=\d+$/);
      });
    });

    describe('login lock-out over two app instances', () => {
      let a: TestApp;
      let b: TestApp;
      beforeAll(async () => {
        const env = { REDIS_URL, LOGIN_LOCKOUT_ACCOUNT_FAILURES: '3' };
        a = await startRateLimitedApp(env);
        b = await startRateLimitedApp(
          { ...env, RATE_LIMIT_KEY_PREFIX: a.config.rateLimit.keyPrefix },
          a.db,
        );
      });
      afterAll(async () => {
        await b?.close();
        await a?.close();
      });

      it('should lock the account on every instance after failures spread over both', async () => {
        const user = await createUser(a);
        const login = (url: string, password: string) =>
          request(url).post('/v1/auth/login').send({ email: user.email, password });
        await login(a.url, 'wrong-password-123456').expect(401);
        await login(b.url, 'wrong-password-123456').expect(401);
        await login(a.url, 'wrong-password-123456').expect(401);
        await login(b.url, user.password).expect(429);
        await login(a.url, user.password).expect(429);
      });
    });

    describe('Redis down at start, up later', () => {
      let relay: RedisRelay;
      let t: TestApp;
      beforeAll(async () => {
        relay = new RedisRelay(new URL(REDIS_URL));
        relay.port = await deadPort();
        t = await startRateLimitedApp({ REDIS_URL: relay.url(), RATE_LIMIT_ADDRESS_LIMIT: '50' });
      });
      afterAll(async () => {
        await t?.close();
        await relay?.stop();
      });

      it('should start degraded, then connect and report ok once Redis is reachable', async () => {
        expect((await request(t.url).get('/health/ready').expect(200)).body).toEqual({
          status: 'degraded',
        });
        await relay.start();
        let ready = '';
        for (let i = 0; i < 40 && ready !== 'ok'; i++) {
          await new Promise((r) => setTimeout(r, 250));
          ready = (await request(t.url).get('/health/ready').expect(200)).body.status;
        }
        expect(ready).toBe('ok');
      }, 30_000);
    });

    describe('Redis dying mid-test and coming back', () => {
      let relay: RedisRelay;
      let t: TestApp;
      let probe: TestApp;
      beforeAll(async () => {
        relay = new RedisRelay(new URL(REDIS_URL));
        await relay.start();
        const env = { REDIS_URL: relay.url(), RATE_LIMIT_ADDRESS_LIMIT: '5' };
        t = await startRateLimitedApp(env);
        // A second instance with a large budget, to read /health/ready while t is limited.
        probe = await startRateLimitedApp({ REDIS_URL: relay.url() }, t.db);
      });
      afterAll(async () => {
        await probe?.close();
        await t?.close();
        await relay?.stop();
      });

      it('should keep limiting through the outage and share counters again afterwards', async () => {
        expect(await statuses(t.url, 3)).toEqual([200, 200, 200]);
        await expect(request(probe.url).get('/health/ready')).resolves.toMatchObject({
          body: { status: 'ok' },
        });

        await relay.stop();
        // Redis is gone: the count restarts in this instance's memory but the limit holds.
        expect(await statuses(t.url, 7)).toEqual([200, 200, 200, 200, 200, 429, 429]);
        const degraded = await request(probe.url).get('/health/ready').expect(200);
        expect(degraded.body).toEqual({ status: 'degraded' });

        await relay.start();
        // While the instance is still counting in memory it answers 429; once it is back on
        // Redis the shared count (3) resumes: 4 -> one request left.
        const deadline = Date.now() + 15_000;
        let back = false;
        while (!back && Date.now() < deadline) {
          const res = await request(t.url).get('/health/live');
          back = res.status === 200 && /^"address";r=1;t=\d+$/.test(res.headers['ratelimit']);
          if (!back) await new Promise((r) => setTimeout(r, 300));
        }
        expect(back).toBe(true);
        expect(await statuses(t.url, 2)).toEqual([200, 429]);
        // The other instance notices at its next counted request after the retry interval.
        let ready = '';
        for (let i = 0; i < 40 && ready !== 'ok'; i++) {
          ready = (await request(probe.url).get('/health/ready').expect(200)).body.status;
          if (ready !== 'ok') await new Promise((r) => setTimeout(r, 250));
        }
        expect(ready).toBe('ok');
      }, 30_000);
    });
  });
}
