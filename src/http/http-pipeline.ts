import { randomUUID } from 'node:crypto';
import helmet from '@fastify/helmet';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config';
import { parseFormBody } from './form-body.parser';
import { parseJsonBody } from './json-body.parser';
import { ProblemException, problemType } from './problem';

/** Route config flag (`@RouteConfig({ [FORM_BODY]: true })`): the route takes form bodies. */
export const FORM_BODY = 'formBody';

/**
 * Route config flag (`@RouteConfig({ [RAW_BODY]: true })`): the exact JSON body text is kept
 * on the request (`rawBodyOf(request)`), for checks over the bytes received, such as a webhook
 * signature (a re-serialised body would not match). Other routes do not keep a copy.
 */
export const RAW_BODY = 'rawBody';
const RAW_BODY_REQUEST_KEY = Symbol('rawBody');

export function rawBodyOf(request: FastifyRequest): string | undefined {
  return (request as unknown as Record<symbol, string | undefined>)[RAW_BODY_REQUEST_KEY];
}

/** CSP for API responses: nothing may load, nothing may frame us. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** Swagger UI needs its own scripts and styles (served from self), still never framed. */
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * The Fastify instance: body limit, poisoning protection, server-generated request ids (the
 * client's `X-Request-Id` is ignored: `requestIdHeader: false`), and `trustProxy` only when
 * configured, so `X-Forwarded-For` cannot spoof the client address by default.
 */
export function createFastifyAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.http.bodyLimit,
    trustProxy: toFastifyTrustProxy(config.http.trustProxy),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    logger: false,
    routerOptions: { maxParamLength: 200 },
    frameworkErrors: answerRouterError,
  });
}

/**
 * Errors the router raises before any hook, filter or Nest code runs: a path that is not valid
 * percent-encoding (`/v1/customers/%ZZ`) or a parameter longer than `maxParamLength`. Fastify's
 * default answers them with its own JSON (found by the fuzzer, test/fuzz); the contract wants
 * an RFC 9457 problem like every other error, with the same headers (no hook runs here).
 */
function answerRouterError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  void reply
    .status(tooLong ? 414 : 400)
    .headers({
      'x-request-id': String(request.id),
      'content-security-policy': API_CSP,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    })
    .type('application/problem+json')
    .send({
      type: problemType(tooLong ? 'uri-too-long' : 'bad-request'),
      title: tooLong ? 'URI Too Long' : 'Bad Request',
      status: tooLong ? 414 : 400,
      detail: tooLong
        ? 'A path segment is longer than allowed.'
        : 'The path is not valid percent-encoding.',
      requestId: String(request.id),
    });
}

/**
 * Everything HTTP-level that is not a Nest guard, pipe or filter. Must run before `app.init()`
 * so that the route hook sees every route.
 */
export async function configureHttpPipeline(
  app: NestFastifyApplication,
  config: AppConfig,
): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();

  recordRoutesForMethodNotAllowed(fastify);

  // Only the body types we accept. Anything else is 415 (Fastify's FST_ERR_CTP_INVALID_MEDIA_TYPE).
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    try {
      if ((req.routeOptions.config as unknown as Record<string, unknown> | undefined)?.[RAW_BODY])
        (req as unknown as Record<symbol, string>)[RAW_BODY_REQUEST_KEY] = body as string;
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (req, body, done) => {
      // RFC 6749 endpoints take form bodies; every other route is JSON only.
      if (
        !(req.routeOptions.config as unknown as Record<string, unknown> | undefined)?.[FORM_BODY]
      ) {
        done(
          new ProblemException(415, { detail: 'Send the body as application/json.' }),
          undefined,
        );
        return;
      }
      try {
        done(null, parseFormBody(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );

  await app.register(helmet, {
    // CSP is set per response below (API vs. Swagger UI); everything else is helmet's default,
    // hardened: HSTS one year with subdomains, frames denied, no referrer.
    contentSecurityPolicy: false,
    frameguard: { action: 'deny' },
    hsts: { maxAge: 31536000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });

  // CORS allow-list: only listed origins are echoed back (with Vary: Origin); never `*`.
  app.enableCors({
    origin: config.http.corsOrigins.length > 0 ? config.http.corsOrigins : false,
    credentials: false,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
    exposedHeaders: [
      'X-Request-Id',
      'Retry-After',
      'RateLimit',
      'RateLimit-Policy',
      'Idempotent-Replayed',
      'Location',
    ],
    maxAge: 600,
  });

  fastify.addHook('onRequest', async (request, reply) => {
    // pino-http (through Nest middleware) reads `req.id` from the raw request.
    (request.raw as { id?: string }).id = String(request.id);
    void reply.header('x-request-id', request.id);
  });

  fastify.addHook('onSend', async (request, reply, payload) => {
    const isDocs = request.url === '/docs' || request.url.startsWith('/docs/');
    void reply.header('content-security-policy', isDocs ? DOCS_CSP : API_CSP);
    // API responses are personal or token-bearing: never cache (contract). Docs assets may be.
    if (!isDocs && !reply.hasHeader('cache-control'))
      void reply.header('cache-control', 'no-store');
    return payload;
  });
}

/**
 * Fastify answers an unknown method on a known path with 404. The contract prefers 405 with
 * `Allow`: remember every route's pattern and methods, so the not-found path can tell the two apart.
 */
function recordRoutesForMethodNotAllowed(fastify: FastifyInstance): void {
  const routes: { pattern: RegExp; methods: Set<string> }[] = [];
  fastify.addHook('onRoute', (route) => {
    const source =
      '^' +
      route.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+') +
      '$';
    const pattern = new RegExp(source);
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const existing = routes.find((r) => r.pattern.source === pattern.source);
    if (existing) methods.forEach((m) => existing.methods.add(m));
    else routes.push({ pattern, methods: new Set(methods) });
  });
  fastify.decorate('allowedMethodsFor', (request: FastifyRequest): string[] => {
    const path = request.url.split('?')[0];
    const allowed = new Set<string>();
    for (const route of routes)
      if (route.pattern.test(path)) route.methods.forEach((m) => allowed.add(m));
    return [...allowed];
  });
}

export function allowedMethodsFor(request: FastifyRequest): string[] {
  const fn = (request.server as unknown as { allowedMethodsFor?: (r: FastifyRequest) => string[] })
    .allowedMethodsFor;
  return fn ? fn(request) : [];
}

/** A hop count trusts that many proxies in front of us (counted from the socket). */
function toFastifyTrustProxy(
  value: boolean | number | string,
): boolean | string | ((address: string, hop: number) => boolean) {
  return typeof value === 'number' ? (_address: string, hop: number) => hop < value : value;
}
