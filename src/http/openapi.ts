import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/**
 * OpenAPI at /docs (Swagger UI) and /docs-json, with both security schemes of the API:
 * user bearer tokens and OAuth 2.0 client credentials. Off in production unless API_DOCS=true.
 * `ui: false` serves the JSON only: Jest's module system cannot load @fastify/static (ESM,
 * loaded by a dynamic import), so e2e tests inside Jest check the document and the browser test
 * checks the UI against a real server process.
 */
export function setupOpenApi(app: NestFastifyApplication, options: { ui: boolean }): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Secure API reference')
      .setDescription(
        'A NestJS reference backend for secure APIs. Errors are RFC 9457 problem documents; ' +
          'every route needs a bearer token unless marked public.',
      )
      .setVersion('1.0.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
      .addOAuth2(
        {
          type: 'oauth2',
          flows: {
            clientCredentials: {
              tokenUrl: '/v1/oauth/token',
              scopes: {
                'customers:read': 'Read customers',
                'customers:write': 'Create, change and erase customers',
                'payments:read': 'Read payments',
                'payments:write': 'Create payments and refunds',
              },
            },
          },
        },
        'oauth2',
      )
      .build(),
  );
  SwaggerModule.setup('docs', app, document, {
    ui: options.ui,
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    swaggerOptions: { persistAuthorization: false },
  });
}
