import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import request from 'supertest';
import { Public } from '../../../src/auth/decorators/public.decorator';
import { startTestApp, TestApp } from '../../helpers/test-app';
import { metricsUrl, scrape, valueOf } from './metrics-helpers';

/** A test-only route with a path parameter, to prove the label is the template. */
@Public()
@Controller({ path: 'metrics-probe', version: '1' })
class ProbeController {
  @Get(':id')
  get(@Param('id', new ParseUUIDPipe()) id: string): { id: string } {
    return { id };
  }
}

const TOKEN = 'metrics-token-for-tests-0123456789abcdef';

describe('metrics endpoint (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { METRICS_TOKEN: TOKEN },
      extraModules: [{ module: class ProbeModule {}, controllers: [ProbeController] }],
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should answer 404 for /metrics on the public port', async () => {
    await request(t.url).get('/metrics').expect(404);
    await request(t.url).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(404);
  });

  it('should serve the metrics on a listener separate from the public port', () => {
    expect(metricsUrl(t)).not.toEqual(t.url);
    expect(metricsUrl(t)).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('should refuse a scrape without the bearer token', async () => {
    const res = await request(metricsUrl(t)).get('/metrics').expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.text).not.toContain('http_requests_total');
  });

  it('should refuse a scrape with a wrong token', async () => {
    await request(metricsUrl(t))
      .get('/metrics')
      .set('Authorization', `Bearer ${TOKEN}x`)
      .expect(401);
    await request(metricsUrl(t)).get('/metrics').set('Authorization', TOKEN).expect(401);
  });

  it('should serve the Prometheus exposition with the token', async () => {
    const res = await request(metricsUrl(t))
      .get('/metrics')
      .set('Authorization', `Bearer ${TOKEN}`)
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('# TYPE http_requests_total counter');
  });

  it('should answer nothing but /metrics on the metrics listener', async () => {
    await request(metricsUrl(t)).get('/health/live').expect(404);
    await request(metricsUrl(t))
      .post('/metrics')
      .set('Authorization', `Bearer ${TOKEN}`)
      .expect(405);
  });

  it('should label requests with the route template, never the raw URL', async () => {
    const id = randomUUID();
    await request(t.url).get(`/v1/metrics-probe/${id}?email=someone@example.com`).expect(200);
    await request(t.url).get(`/no/such/${id}`).expect(404);
    const samples = await scrape(t, TOKEN);
    expect(
      valueOf(samples, 'http_requests_total', {
        method: 'GET',
        route: '/v1/metrics-probe/:id',
        status: '200',
      }),
    ).toBe(1);
    expect(
      valueOf(samples, 'http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      valueOf(samples, 'http_request_duration_seconds_count', {
        route: '/v1/metrics-probe/:id',
      }),
    ).toBe(1);
    const text = JSON.stringify(samples);
    expect(text).not.toContain(id);
    expect(text).not.toContain('example.com');
  });

  it('should count an unknown method token as OTHER, not as its own label', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${t.url}/health/live`, { method: 'PURGE' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBeGreaterThanOrEqual(400);
    const samples = await scrape(t, TOKEN);
    const methods = samples
      .filter((s) => s.name === 'http_requests_total')
      .map((s) => s.labels.method);
    expect(methods).toContain('OTHER');
    expect(methods).not.toContain('PURGE');
  });
});
