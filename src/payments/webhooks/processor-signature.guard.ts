import { CanActivate, ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { rawBodyOf } from '../../http/http-pipeline';
import { ProblemException } from '../../http/problem';
import { SecurityEvents } from '../../monitoring/security-events.service';
import { SIGNATURE_HEADER, verifyWebhookSignature } from '../processor/webhook-signature';

/**
 * Authenticates a processor webhook (OWASP API10:2023, unsafe consumption of APIs): the route
 * is public, so the HMAC signature over `<t>.<raw body>` is the only proof of origin. Runs as a
 * guard, before the validation pipe, so an unsigned body is refused (401) before any of it is
 * interpreted; a correctly signed but old event is refused (400) because a captured event could
 * otherwise be replayed outside the 5-minute window. The route needs
 * `@RouteConfig({ [RAW_BODY]: true })` so the exact bytes are available.
 */
@Injectable()
export class ProcessorSignatureGuard implements CanActivate {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly securityEvents?: SecurityEvents,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers[SIGNATURE_HEADER];
    const rawBody = rawBodyOf(request);
    const check =
      rawBody === undefined || typeof header !== 'string'
        ? 'invalid'
        : verifyWebhookSignature(this.config.payments.webhookSecret, header, rawBody);
    if (check !== 'valid') {
      // Monitoring (docs/monitoring.md): forged, unsigned or replayed webhooks (OWASP API10).
      const reason = typeof header !== 'string' ? 'missing' : check;
      this.securityEvents?.record('webhook.signature_invalid', { reason });
    }
    if (check === 'invalid') {
      throw new ProblemException(401, {
        slug: 'invalid-signature',
        title: 'Invalid signature',
        detail: 'The Processor-Signature header is missing or does not match the body.',
        // RFC 9110 §11.6.1: a 401 names the scheme it wants; here, the signature header.
        headers: { 'www-authenticate': 'Processor-Signature realm="webhooks"' },
      });
    }
    if (check === 'stale') {
      throw new ProblemException(400, {
        slug: 'stale-signature',
        title: 'Stale event',
        detail: 'The signature timestamp is more than 300 seconds away from the server clock.',
      });
    }
    return true;
  }
}
