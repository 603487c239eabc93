import { randomUUID } from 'node:crypto';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DataSource, EntityManager } from 'typeorm';
import { principalOf } from '../auth/decorators/current-principal.decorator';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ProblemException } from '../http/problem';
import type { RESOURCE_TYPES } from '../monitoring/security-event-catalog';
import { SecurityEvents } from '../monitoring/security-events.service';
import { requestIdOf } from '../http/request-context';
import type { AuditActor, AuditEntryInput, AuditRow } from './audit-entry';
import { auditStateOf, AuditRequestState, peekAuditState } from './audit-request-state';
import { INSERT_ONE_SQL, rowParams } from './audit-rows';
import { fieldNames, safeDetails, sanitizeText } from './audit-sanitizer';
import { AuditSealer } from './audit-sealer';
import { AuditWriter } from './audit-writer';
import { TransactionHost } from './transaction-host';

const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Denials are recorded whatever the route (OWASP ASVS 16.3.2: failed authorization attempts). */
const DENIED_STATUSES = new Set([401, 403, 429]);
const ANONYMOUS: AuditActor = { type: 'anonymous', id: null };

/**
 * The audit log's write side. See audit.module.ts for the API the features use and
 * docs/audit.md for the model:
 * - `transaction(work)` + `record(entry)`: the entry commits with the change, or neither does;
 *   a failed audit insert rolls the change back and answers 503;
 * - `annotate(...)` / `deniedNotOwner(...)`: shape the entry the response hook writes for this
 *   request (asynchronously, batched);
 * - `captureResponse(request, status)`: called by the Fastify `onResponse` hook for EVERY
 *   response, so denials produced by guards (which run before any interceptor) are seen.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);
  /** The current HTTP request, set by the audit interceptor around each handler. */
  private readonly requests = new AsyncLocalStorage<FastifyRequest>();
  private enabled: boolean;
  private readonly production: boolean;

  constructor(
    private readonly tx: TransactionHost,
    private readonly writer: AuditWriter,
    private readonly sealer: AuditSealer,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
    @Optional() private readonly securityEvents?: SecurityEvents,
  ) {
    // Belt and braces: loadConfig refuses the switch in production; ignore it there anyway.
    this.production = config.nodeEnv === 'production';
    this.enabled = !(config.audit.disabledForBenchmark && !this.production);
  }

  /**
   * `npm run bench` only: the audit off and on again in the SAME process, so that its cost is
   * measured without the differences between two processes (docs/performance.md). Throws in
   * production, where the audit can never be switched off.
   */
  setEnabledForBenchmark(enabled: boolean): void {
    if (this.production) throw new Error('The audit cannot be switched off in production');
    this.enabled = enabled;
  }

  /** Runs `work` in one database transaction shared by the change and its audit entries. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.tx.run(work);
  }

  /**
   * Records a successful change. Inside `transaction(...)` the entry is inserted in that
   * transaction, as its last statement, in the same message as the COMMIT
   * (TransactionHost.withCommit); if the insert fails, nothing commits and the transaction
   * answers a 503 problem. Outside a transaction the entry is inserted on its own, awaited
   * (same 503 on failure).
   */
  async record(entry: AuditEntryInput): Promise<void> {
    if (!this.enabled) return;
    const request = this.requests.getStore();
    const row = this.buildRow(entry, request, {
      outcome: entry.outcome ?? 'success',
      status: entry.status ?? (request ? defaultSuccessStatus(request.method) : null),
    });
    // A prepared statement sent with the COMMIT saves a round trip to PostgreSQL, most of
    // what an entry costs on the benchmark machine (docs/performance.md).
    const values = rowParams(row);
    const statement = { name: 'audit_insert_with_commit', text: INSERT_ONE_SQL, values };
    if (!this.tx.withCommit(statement, (error) => this.insertFailed(error, row))) {
      try {
        await this.tx.manager.query(INSERT_ONE_SQL, values);
      } catch (error) {
        throw this.insertFailed(error, row);
      }
    }
    const state = request ? auditStateOf(request) : undefined;
    this.tx.afterCommit(() => {
      if (state) state.written = true;
      this.sealer.kick();
    });
  }

  /** A change whose entry could not be written is not made (OWASP ASVS 16.4): 503. */
  private insertFailed(error: unknown, row: AuditRow): ProblemException {
    this.logger.error({ err: error, action: row.action }, 'Audit insert failed: change refused');
    this.securityEvents?.record('audit.write_failed', {}); // docs/monitoring.md
    // 503: the cause is on our side and temporary; the client may retry.
    return new ProblemException(503, {
      slug: 'audit-unavailable',
      detail: 'The change could not be recorded in the audit log, so it was not made. Retry later.',
    });
  }

  /**
   * Shapes the one entry the response hook will write for the current request, e.g. an auth
   * event naming its action, or a denial the status alone does not reveal. Outside a request
   * the entry is written on its own, asynchronously.
   */
  annotate(
    entry: Partial<AuditEntryInput> & { action: string },
    meta: { requestId?: string; ip?: string; userAgent?: string } = {},
  ): void {
    if (!this.enabled) return;
    const request = this.requests.getStore();
    if (!request) {
      const row = this.buildRow(entry, undefined, {
        outcome: entry.outcome ?? 'success',
        status: null,
      });
      row.requestId = sanitizeText(meta.requestId, 64);
      row.ip = sanitizeText(meta.ip, 64);
      row.userAgent = sanitizeText(meta.userAgent, 512);
      this.writer.enqueue(row);
      return;
    }
    const state = auditStateOf(request);
    state.action = entry.action;
    if (entry.outcome) state.outcome = entry.outcome;
    if (entry.resource) state.resource = entry.resource;
    if (entry.actor) state.actor = entry.actor;
    if (entry.details) state.details = { ...state.details, ...entry.details };
  }

  /**
   * Object-level denial (OWASP API1): the caller asked for an object that exists but belongs to
   * another owner. The client gets the same 404 as for a missing id; the audit records a denial.
   * Services call this only after their owner-scoped lookup missed and an id-only existence
   * check found the row (docs/audit.md "404 for another owner's object").
   */
  deniedNotOwner(action: string, resource: { type: string; id: string }): void {
    // Monitoring (docs/monitoring.md, BOLA probing): the type singular ("payments" -> "payment").
    this.securityEvents?.record(
      'authz.foreign_object',
      { resource: resource.type.replace(/s$/, '') as (typeof RESOURCE_TYPES)[number] },
      { resourceId: resource.id },
    );
    this.annotate({ action, resource, outcome: 'denied', details: { reason: 'not_owner' } });
  }

  /** Runs `fn` with `request` as the current request (the interceptor wraps every handler). */
  runInRequest<T>(request: FastifyRequest, fn: () => T): T {
    return this.requests.run(request, fn);
  }

  /**
   * The response hook: decides whether this response needs an entry, and queues it.
   * Recorded: every mutating request (unless its transactional entry committed), every denial
   * (401, 403, 429, or annotated), every `@AuditedRead` success, every annotated request.
   */
  captureResponse(request: FastifyRequest, status: number): void {
    if (!this.enabled) return;
    const state = peekAuditState(request);
    if (state?.written) return;
    const mutation = MUTATING_METHODS.has(request.method);
    const denied = DENIED_STATUSES.has(status) || state?.outcome === 'denied';
    const read = state?.sensitiveRead === true && status < 400;
    if (!mutation && !denied && !read && !state?.action) return;
    const outcome = denied ? 'denied' : status >= 400 ? 'error' : (state?.outcome ?? 'success');
    const row = this.buildRow(
      {
        action: state?.action ?? actionOf(request),
        resource: state?.resource ?? resourceOf(request),
        actor: state?.actor,
        details: {
          ...(mutation ? { fields: fieldNames(request.body) } : {}),
          ...(request.routeOptions?.url
            ? { route: `${request.method} ${request.routeOptions.url}` }
            : { path: request.url.split('?')[0] }),
          ...(status === 401 && request.headers.authorization !== undefined
            ? { credentialsPresented: true }
            : {}),
          ...state?.details,
        },
      },
      request,
      { outcome, status },
    );
    if (status === 429) this.writer.enqueueRateLimited(row);
    else this.writer.enqueue(row);
  }

  /** For tests and shutdown: waits until queued entries are written and sealed. */
  async flush(): Promise<void> {
    await this.writer.flush();
    await this.sealer.sealNow();
  }

  private buildRow(
    entry: Partial<AuditEntryInput> & { action: string },
    request: FastifyRequest | undefined,
    result: Pick<AuditRow, 'outcome' | 'status'>,
  ): AuditRow {
    const principal = request ? principalOf(request) : undefined;
    const actor: AuditActor =
      entry.actor ?? (principal ? { type: principal.type, id: principal.id } : ANONYMOUS);
    return {
      id: randomUUID(),
      at: new Date(),
      requestId: request ? requestIdOf(request) : null,
      actor: { type: actor.type, id: sanitizeText(actor.id, 128) },
      action: sanitizeText(entry.action, 100) ?? 'unknown',
      resource: {
        type: sanitizeText(entry.resource?.type, 64),
        id: sanitizeText(entry.resource?.id, 200),
      },
      outcome: result.outcome,
      status: result.status,
      ip: request ? sanitizeText(request.ip, 64) : null,
      userAgent: request ? sanitizeText(request.headers['user-agent'], 512) : null,
      details: safeDetails(entry.details),
    };
  }

  /** Exposed for the interceptor: marks a sensitive read on the request's state. */
  markRead(request: FastifyRequest, action: string): AuditRequestState {
    const state = auditStateOf(request);
    state.action ??= action;
    state.sensitiveRead = true;
    return state;
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  get database(): DataSource {
    return this.dataSource;
  }
}

function defaultSuccessStatus(method: string): number {
  if (method === 'POST') return 201;
  if (method === 'DELETE') return 204;
  return 200;
}

/** Path segments of the matched route pattern, without the version (`/v1/customers/:id`). */
function routeSegments(request: FastifyRequest): string[] {
  const url = request.routeOptions?.url;
  if (!url) return [];
  return url
    .split('/')
    .filter(Boolean)
    .filter((segment, i) => !(i === 0 && /^v\d+$/.test(segment)));
}

/**
 * `<resource>.<verb>` from the route pattern, never from the raw path: `POST /v1/customers` is
 * `customers.create`, `GET /v1/customers/:id/export` is `customers.export`, `POST
 * /v1/auth/login` is `auth.login`. Unmatched paths are `http.unmatched`.
 */
export function actionOf(request: FastifyRequest): string {
  const segments = routeSegments(request);
  const names = segments.filter((s) => !s.startsWith(':')).map((s) => s.replace(/-/g, '_'));
  if (names.length === 0) return request.routeOptions?.url ? 'http.request' : 'http.unmatched';
  const byId = segments[segments.length - 1]?.startsWith(':') ?? false;
  const verb =
    request.method === 'POST'
      ? 'create'
      : request.method === 'DELETE'
        ? 'delete'
        : request.method === 'PATCH' || request.method === 'PUT'
          ? 'update'
          : byId
            ? 'read'
            : 'list';
  if (names.length === 1) return `${names[0]}.${verb}`;
  const sub = names.slice(1).join('_');
  return request.method === 'POST' || (request.method === 'GET' && !byId)
    ? `${names[0]}.${sub}`
    : `${names[0]}.${sub}_${verb}`;
}

/** The resource: the route's first name and its first id parameter. */
export function resourceOf(
  request: FastifyRequest,
): { type: string; id: string | null } | undefined {
  const segments = routeSegments(request);
  const name = segments.find((s) => !s.startsWith(':'));
  if (!name) return undefined;
  const param = segments.find((s) => s.startsWith(':'))?.slice(1);
  const params = (request.params ?? {}) as Record<string, unknown>;
  return {
    type: name.replace(/-/g, '_'),
    id: param ? (sanitizeText(params[param], 200) ?? null) : null,
  };
}
