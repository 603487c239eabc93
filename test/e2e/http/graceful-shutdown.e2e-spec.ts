import { shutdownGracefully } from '../../../src/http/graceful-shutdown';
import { startTestApp, TestApp } from '../../helpers/test-app';
import { SLOW_ROUTE_MS, TestRoutesModule } from './test-routes.module';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`${shutdownGracefully.name} (e2e)`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ extraModules: [TestRoutesModule] });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should finish a request in flight (database included) and refuse new connections', async () => {
    const inFlight = fetch(`${t.url}/v1/test-only/slow`);
    await sleep(SLOW_ROUTE_MS / 3);
    const started = performance.now();
    const closing = shutdownGracefully(t.app);
    await sleep(50);
    await expect(fetch(`${t.url}/health/live`)).rejects.toThrow();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ db: 1 });
    await closing;
    // It waited for the request rather than cutting it off.
    expect(performance.now() - started).toBeGreaterThanOrEqual(SLOW_ROUTE_MS / 3);
  });
});
