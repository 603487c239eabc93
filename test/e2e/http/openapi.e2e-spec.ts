import request from 'supertest';
import { startTestApp, TestApp } from '../../helpers/test-app';
import { expectSecurityHeaders } from './http-helpers';

interface OpenApiDocument {
  paths: Record<string, unknown>;
  components: { securitySchemes: Record<string, Record<string, unknown>> };
}

describe('OpenAPI document (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should publish the bearer and OAuth 2.0 client-credentials security schemes', async () => {
    const res = await request(t.url).get('/docs-json').expect(200);
    const doc = res.body as OpenApiDocument;
    expect(doc.components.securitySchemes.bearer).toEqual({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    expect(doc.components.securitySchemes.oauth2).toEqual({
      type: 'oauth2',
      flows: {
        clientCredentials: {
          tokenUrl: '/v1/oauth/token',
          scopes: expect.objectContaining({
            'customers:read': expect.any(String),
            'customers:write': expect.any(String),
            'payments:read': expect.any(String),
            'payments:write': expect.any(String),
          }),
        },
      },
    });
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/health/live', '/health/ready']),
    );
  });

  it('should serve the document with the API security headers', async () => {
    const res = await request(t.url).get('/docs-json').expect(200);
    expectSecurityHeaders(res);
  });
});

describe('OpenAPI in production (e2e)', () => {
  it('should not serve /docs-json in production unless API_DOCS=true', async () => {
    const t = await startTestApp({ env: { NODE_ENV: 'production' } });
    try {
      await request(t.url).get('/docs-json').expect(404);
      await request(t.url).get('/docs').expect(404);
    } finally {
      await t.close();
    }
  });

  it('should serve /docs-json in production when API_DOCS=true', async () => {
    const t = await startTestApp({ env: { NODE_ENV: 'production', API_DOCS: 'true' } });
    try {
      await request(t.url).get('/docs-json').expect(200);
    } finally {
      await t.close();
    }
  });
});
