import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { AUDITED_READ_KEY } from './audited-read.decorator';
import { AuditService } from './audit.service';

/**
 * Runs every handler with its request in the audit's AsyncLocalStorage, so `audit.record()`
 * deep inside a service knows the actor, request id, address and agent without being passed
 * them; marks `@AuditedRead` routes. Interceptors run after guards: this one never sees a
 * request a guard refused, which is why denials are captured by the response hook instead
 * (audit-capture.hook.ts).
 */
@Injectable()
export class AuditContextInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const readAction = this.reflector.getAllAndOverride<string | undefined>(AUDITED_READ_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (readAction) this.audit.markRead(request, readAction);
    // The handler runs on subscription: subscribe inside the storage so that it, and every
    // promise it chains, sees the request.
    return new Observable((subscriber) =>
      this.audit.runInRequest(request, () => next.handle().subscribe(subscriber)),
    );
  }
}
