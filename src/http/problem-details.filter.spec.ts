import {
  ArgumentsHost,
  BadRequestException,
  HttpException,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemDetailsFilter } from './problem-details.filter';
import { ProblemException } from './problem';

const REQUEST_ID = '0b9f3c2e-8d4a-4f7e-9c1a-2b3c4d5e6f70';

function harness() {
  const sent: { status?: number; type?: string; body?: unknown; headers: Record<string, string> } =
    {
      headers: {},
    };
  const reply = {
    header: (name: string, value: string) => {
      sent.headers[name] = value;
      return reply;
    },
    status: (status: number) => {
      sent.status = status;
      return reply;
    },
    type: (type: string) => {
      sent.type = type;
      return reply;
    },
    send: (body: unknown) => {
      sent.body = body;
      return reply;
    },
  };
  const request = { id: REQUEST_ID, url: '/v1/x', routeOptions: { url: '/v1/x' }, server: {} };
  const host = {
    switchToHttp: () => ({
      getRequest: () => request as unknown as FastifyRequest,
      getResponse: () => reply as unknown as FastifyReply,
    }),
  } as unknown as ArgumentsHost;
  return { host, sent };
}

describe(ProblemDetailsFilter.name, () => {
  afterEach(() => jest.restoreAllMocks());

  it('should answer an unknown error with a bare 500 and log it under the request id', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { host, sent } = harness();
    const error = new TypeError('connect ECONNREFUSED 10.0.0.5:5432 at PgPool.connect');
    new ProblemDetailsFilter().catch(error, host);
    expect(sent.status).toBe(500);
    expect(sent.type).toBe('application/problem+json');
    expect(sent.body).toEqual({
      type: 'https://secure-api.example/problems/internal-error',
      title: 'Internal Server Error',
      status: 500,
      requestId: REQUEST_ID,
    });
    expect(logged).toHaveBeenCalledWith(
      expect.objectContaining({ err: error, requestId: REQUEST_ID }),
      'Unhandled error',
    );
  });

  it('should hide the message of a 5xx HttpException', () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { host, sent } = harness();
    new ProblemDetailsFilter().catch(new HttpException('pool exhausted on db-3', 503), host);
    expect(sent.status).toBe(503);
    expect(JSON.stringify(sent.body)).not.toContain('db-3');
  });

  it('should render a ProblemException with its slug, detail, errors and headers', () => {
    const { host, sent } = harness();
    new ProblemDetailsFilter().catch(
      new ProblemException(429, {
        slug: 'quota-exceeded',
        detail: 'Slow down.',
        headers: { 'retry-after': '30' },
        errors: [{ field: 'amount', message: 'too large' }],
      }),
      host,
    );
    expect(sent.status).toBe(429);
    expect(sent.headers['retry-after']).toBe('30');
    expect(sent.body).toEqual({
      type: 'https://secure-api.example/problems/quota-exceeded',
      title: 'Too Many Requests',
      status: 429,
      detail: 'Slow down.',
      requestId: REQUEST_ID,
      errors: [{ field: 'amount', message: 'too large' }],
    });
  });

  it("should replace Nest's 'Cannot GET /path' so the path is not echoed", () => {
    const { host, sent } = harness();
    new ProblemDetailsFilter().catch(new NotFoundException('Cannot GET /v1/<script>'), host);
    expect(sent.status).toBe(404);
    expect(JSON.stringify(sent.body)).not.toContain('script');
  });

  it('should keep the message of a plain 4xx HttpException', () => {
    const { host, sent } = harness();
    new ProblemDetailsFilter().catch(new BadRequestException('limit must be 1..100'), host);
    expect(sent.body).toEqual(
      expect.objectContaining({ status: 400, detail: 'limit must be 1..100' }),
    );
  });

  it.each([
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400],
  ])('should map the Fastify error %s to %i with a fixed detail', (code, status) => {
    const { host, sent } = harness();
    const error = Object.assign(new Error(`internal message for ${code}`), {
      code,
      statusCode: status,
    });
    new ProblemDetailsFilter().catch(error, host);
    expect(sent.status).toBe(status);
    expect(JSON.stringify(sent.body)).not.toContain('internal message');
  });
});
