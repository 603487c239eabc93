import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { Response } from 'supertest';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Checks the RFC 9457 shape of the contract and returns the parsed document. */
export function expectProblem(res: Response, status: number): Record<string, unknown> {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(body).toEqual(
    expect.objectContaining({
      type: expect.stringMatching(/^https:\/\//),
      title: expect.any(String),
      status,
      requestId: res.headers['x-request-id'],
    }),
  );
  expect(body.requestId).toMatch(UUID);
  const allowed = ['type', 'title', 'status', 'detail', 'instance', 'requestId', 'errors'];
  expect(Object.keys(body).filter((key) => !allowed.includes(key))).toEqual([]);
  expect(res.text).not.toMatch(/\bat .*\(|\.ts:\d+|node_modules|Error:|stack/);
  return body;
}

/** The contract's security headers (API-CONTRACT "Conventions"), on any response. */
export function expectSecurityHeaders(res: Response): void {
  const hsts = String(res.headers['strict-transport-security']);
  expect(Number(/max-age=(\d+)/.exec(hsts)?.[1])).toBeGreaterThanOrEqual(31536000);
  expect(hsts).toMatch(/includeSubDomains/i);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
  expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['x-powered-by']).toBeUndefined();
  expect(res.headers['x-request-id']).toMatch(UUID);
}

/** A request with any method name (supertest only knows the standard ones). */
export function rawMethod(
  url: string,
  method: string,
  path: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Writes a raw request line on a socket, for methods Node's HTTP parser does not know (its
 * server answers those itself) and returns the status line.
 */
export function rawRequestLine(url: string, line: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`${line}\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('end', () => resolve(data.split('\r\n')[0]));
    socket.on('error', reject);
  });
}
