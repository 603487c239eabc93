import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { AuditService } from './audit.service';

/**
 * Sees every response, whoever produced it: the authentication and authorization guards (401,
 * 403), the rate limiter (429), the exception filter, the router (404/405). Guards run before
 * interceptors, so an interceptor alone would miss every denial (issue 6); Fastify's
 * `onResponse` runs after the response is sent, so the audit never delays it.
 */
@Injectable()
export class AuditCaptureHook implements OnModuleInit {
  private readonly logger = new Logger(AuditCaptureHook.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    // The CLI runs an application context without an HTTP server: nothing to hook.
    const instance = this.adapterHost.httpAdapter?.getInstance<FastifyInstance | undefined>();
    if (!instance || typeof instance.addHook !== 'function') return;
    instance.addHook('onResponse', (request, reply, done) => {
      try {
        this.audit.captureResponse(request, reply.statusCode);
      } catch (error) {
        this.logger.error({ err: error }, 'Audit capture failed');
      }
      done();
    });
  }
}
