import { CallHandler, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { defer, lastValueFrom } from 'rxjs';
import type { AppConfig } from '../config/app-config';
import { AuditContextInterceptor } from './audit-context.interceptor';
import { peekAuditState } from './audit-request-state';
import { AUDITED_READ_KEY } from './audited-read.decorator';
import { actionOf, AuditService, resourceOf } from './audit.service';
import type { AuditSealer } from './audit-sealer';
import type { AuditWriter } from './audit-writer';
import type { TransactionHost } from './transaction-host';

function fakeRequest(overrides: Partial<FastifyRequest> = {}): FastifyRequest {
  return {
    id: 'req-1',
    method: 'POST',
    ip: '203.0.113.9',
    headers: { 'user-agent': 'jest' },
    params: {},
    routeOptions: { url: '/v1/customers' },
    ...overrides,
  } as unknown as FastifyRequest;
}

function setup(): { audit: AuditService; inserted: unknown[][] } {
  const inserted: unknown[][] = [];
  const tx = {
    manager: { query: (_sql: string, params: unknown[]) => Promise.resolve(inserted.push(params)) },
    withCommit: () => false, // outside a transaction
    afterCommit: (fn: () => void) => fn(),
  } as unknown as TransactionHost;
  const audit = new AuditService(
    tx,
    { enqueue: () => undefined } as unknown as AuditWriter,
    { kick: () => undefined } as unknown as AuditSealer,
    {} as never,
    { nodeEnv: 'test', audit: { disabledForBenchmark: false } } as AppConfig,
  );
  return { audit, inserted };
}

function contextFor(request: FastifyRequest): ExecutionContext {
  return {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request }),
    getHandler: () => function handler() {},
    getClass: () => class Controller {},
  } as unknown as ExecutionContext;
}

describe(AuditContextInterceptor.name, () => {
  it('should let a service deep in the handler record with the request id, address and agent', async () => {
    const { audit, inserted } = setup();
    const interceptor = new AuditContextInterceptor(new Reflector(), audit);
    const request = fakeRequest();
    const handler: CallHandler = {
      handle: () =>
        defer(async () => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          await audit.record({ action: 'customers.create', resource: { type: 'customers' } });
          return 'ok';
        }),
    };
    await lastValueFrom(interceptor.intercept(contextFor(request), handler));
    expect(inserted).toHaveLength(1);
    // Columns: id, at, request_id, actor_type, actor_id, action, ..., status(9), ip(10), ua(11)
    expect(inserted[0][2]).toBe('req-1');
    expect(inserted[0][3]).toBe('anonymous');
    expect(inserted[0][9]).toBe(201);
    expect(inserted[0][10]).toBe('203.0.113.9');
    expect(inserted[0][11]).toBe('jest');
    expect(peekAuditState(request)?.written).toBe(true);
  });

  it('should mark a route decorated with @AuditedRead as a sensitive read', async () => {
    const { audit } = setup();
    const reflector = new Reflector();
    jest
      .spyOn(reflector, 'getAllAndOverride')
      .mockImplementation((key) => (key === AUDITED_READ_KEY ? 'customers.export' : undefined));
    const request = fakeRequest({ method: 'GET' });
    await lastValueFrom(
      new AuditContextInterceptor(reflector, audit).intercept(contextFor(request), {
        handle: () => defer(() => Promise.resolve('ok')),
      }),
    );
    expect(peekAuditState(request)).toMatchObject({
      action: 'customers.export',
      sensitiveRead: true,
    });
  });
});

describe('audit action and resource from the route pattern', () => {
  it.each([
    ['POST', '/v1/customers', 'customers.create'],
    ['GET', '/v1/customers', 'customers.list'],
    ['GET', '/v1/customers/:id', 'customers.read'],
    ['PATCH', '/v1/customers/:id', 'customers.update'],
    ['DELETE', '/v1/customers/:id', 'customers.delete'],
    ['GET', '/v1/customers/:id/export', 'customers.export'],
    ['POST', '/v1/auth/login', 'auth.login'],
    ['POST', '/v1/payments/:id/refunds', 'payments.refunds'],
    ['DELETE', '/v1/oauth/clients/:client_id', 'oauth.clients_delete'],
    ['GET', '/v1/audit-logs', 'audit_logs.list'],
  ])('should name %s %s as %s', (method, url, action) => {
    expect(actionOf(fakeRequest({ method, routeOptions: { url } } as never))).toBe(action);
  });

  it('should call an unmatched path http.unmatched and never use the raw path', () => {
    expect(actionOf(fakeRequest({ routeOptions: {} } as never))).toBe('http.unmatched');
  });

  it('should take the resource id from the route parameter, sanitised', () => {
    const request = fakeRequest({
      routeOptions: { url: '/v1/customers/:id' },
      params: { id: 'abc\r\ndef' },
    } as never);
    expect(resourceOf(request)).toEqual({ type: 'customers', id: 'abcdef' });
  });
});
