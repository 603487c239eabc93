import { Injectable, Logger } from '@nestjs/common';

/**
 * Security events of identity and access, for the audit log and monitoring to subscribe to:
 *
 *   constructor(events: AuthEventsService) { events.on((e) => this.record(e)); }
 *
 * `AuthService` and `OAuthService` emit one event per outcome, on a single code path each:
 * - `auth.register`       a registration was accepted (outcome success; `subjectId` only if new)
 * - `auth.login`          success, or `denied` for ANY failure (unknown email, wrong password,
 *                         disabled account: `reason` tells them apart, the client never learns it)
 * - `auth.refresh`        a refresh token was rotated (success) or refused (denied)
 * - `auth.refresh_reuse`  a spent refresh token was presented: the session was revoked
 *                         (RFC 9700 §4.14.2); a security event worth alerting on
 * - `auth.logout`         a session was revoked by its user
 * - `oauth.token`         a client token was issued (success) or refused (denied)
 * - `oauth.revoke`        a client revoked a token (RFC 7009)
 * - `oauth.client_create` / `oauth.client_delete`
 *
 * Events never carry a password, token, hash or secret. Listeners are awaited in order; a
 * listener that throws is logged and does not change the outcome of the request (a monitoring
 * failure must not log people out). A listener that must block a request (e.g. lock-out) does so
 * from its own guard or hook on the route, not from here.
 */
export type AuthEventAction =
  | 'auth.register'
  | 'auth.login'
  | 'auth.refresh'
  | 'auth.refresh_reuse'
  | 'auth.logout'
  | 'oauth.token'
  | 'oauth.revoke'
  | 'oauth.client_create'
  | 'oauth.client_delete';

/** Where a request came from: filled by the controllers, passed down to the services. */
export interface RequestMeta {
  requestId?: string;
  ip?: string;
  userAgent?: string;
}

export interface AuthEvent extends RequestMeta {
  action: AuthEventAction;
  outcome: 'success' | 'denied';
  /** Who acted: a user, an OAuth client, or nobody known yet (a failed login). */
  actor: { type: 'user' | 'client' | 'anonymous'; id: string | null };
  /** The account concerned (e.g. the user that logged in, or the owner of a client). */
  subjectId?: string;
  /** The normalised email a login or registration was attempted for (never the password). */
  email?: string;
  sessionId?: string;
  clientId?: string;
  /** Machine-readable reason of a denial, for logs only (never sent to the client). */
  reason?: string;
}

export type AuthEventListener = (event: AuthEvent) => void | Promise<void>;

@Injectable()
export class AuthEventsService {
  private readonly logger = new Logger(AuthEventsService.name);
  private readonly listeners: AuthEventListener[] = [];

  /** Subscribes; returns a function that unsubscribes. */
  on(listener: AuthEventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  async emit(event: AuthEvent): Promise<void> {
    for (const listener of [...this.listeners]) {
      try {
        await listener(event);
      } catch (error) {
        this.logger.error({ err: error, action: event.action }, 'Auth event listener failed');
      }
    }
  }
}
