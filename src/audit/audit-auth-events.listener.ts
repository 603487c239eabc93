import { Injectable, OnModuleInit } from '@nestjs/common';
import { AuthEvent, AuthEventsService } from '../auth/auth-events.service';
import { AuditService } from './audit.service';

/**
 * Authentication events (login success and failure, refresh, refresh-token reuse, logout, client
 * tokens, client management) become the audit entry of the request that caused them, with the
 * event's own action (`auth.refresh_reuse` rather than a bare 401) and actor (the user who just
 * logged in, or `anonymous` for a failed attempt). The denial reason (`wrong_password`,
 * `unknown_email`, ...) is kept for investigators; the client never learns it. Events carry no
 * password, token or secret by contract (auth-events.service.ts).
 */
@Injectable()
export class AuditAuthEventsListener implements OnModuleInit {
  constructor(
    private readonly events: AuthEventsService,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.events.on((event) => this.onEvent(event));
  }

  onEvent(event: AuthEvent): void {
    const resource = event.clientId
      ? { type: 'oauth_clients', id: event.clientId }
      : event.subjectId
        ? { type: 'users', id: event.subjectId }
        : undefined;
    this.audit.annotate(
      {
        action: event.action,
        outcome: event.outcome,
        actor: event.actor,
        resource,
        details: {
          ...(event.reason ? { reason: event.reason } : {}),
          ...(event.sessionId ? { sessionId: event.sessionId } : {}),
          ...(event.email ? { email: event.email } : {}),
        },
      },
      { requestId: event.requestId, ip: event.ip, userAgent: event.userAgent },
    );
  }
}
