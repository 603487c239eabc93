import { Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { SecurityEvents } from '../monitoring/security-events.service';
import { AuthEvent, AuthEventsService } from './auth-events.service';

/**
 * Feeds the auth events that are alert-worthy to monitoring (docs/monitoring.md): every failed
 * login (whatever the reason: the metric, like the client, does not tell them apart) and every
 * refresh-token reuse (RFC 9700 §4.14.2). Auth depends on monitoring, never the reverse
 * (STYLE.md module map); without MonitoringModule this listener does nothing.
 */
@Injectable()
export class AuthMonitoringListener implements OnModuleInit {
  constructor(
    private readonly events: AuthEventsService,
    @Optional() private readonly securityEvents?: SecurityEvents,
  ) {}

  onModuleInit(): void {
    const security = this.securityEvents;
    if (!security) return;
    this.events.on((event: AuthEvent) => {
      const subject = { userId: event.subjectId, sessionId: event.sessionId };
      if (event.action === 'auth.login' && event.outcome === 'denied')
        security.record('auth.login_failed', {}, subject);
      else if (event.action === 'auth.refresh_reuse')
        security.record('auth.refresh_reuse', {}, subject);
    });
  }
}
