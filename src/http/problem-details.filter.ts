import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  FieldError,
  ProblemDocument,
  ProblemException,
  problemType,
  STATUS_PROBLEMS,
} from './problem';
import { allowedMethodsFor } from './http-pipeline';
import { requestIdOf } from './request-context';

/** Fastify's own client errors (raised before Nest sees the request) mapped to safe problems. */
const FASTIFY_ERRORS: Record<string, { status: number; detail: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, detail: 'The request body is larger than the limit.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, detail: 'Send the body as application/json.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    detail: 'The Content-Length does not match the body.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, detail: 'The JSON body is empty.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, detail: 'The body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_TYPE: { status: 415, detail: 'The Content-Type header is empty.' },
  FST_ERR_CTP_INVALID_TYPE: { status: 415, detail: 'The Content-Type header is not valid.' },
};

/**
 * The one place where errors become responses (RFC 9457). It never leaks internals: unknown
 * errors are logged with the request id and answered with a bare 500 "Internal Server Error".
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetailsFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { problem, headers } = this.toProblem(exception, request);
    if (problem.status >= 500) {
      this.logger.error({ err: exception, requestId: problem.requestId }, 'Unhandled error');
    }
    for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
    void reply.status(problem.status).type('application/problem+json').send(problem);
  }

  toProblem(
    exception: unknown,
    request: FastifyRequest,
  ): { problem: ProblemDocument; headers: Record<string, string> } {
    const requestId = requestIdOf(request);
    if (exception instanceof ProblemException) {
      const status = exception.getStatus();
      const defaults = STATUS_PROBLEMS[status] ?? STATUS_PROBLEMS[500];
      return {
        problem: {
          ...(exception.problem.extensions ?? {}),
          type: problemType(exception.problem.slug ?? defaults.slug),
          title: exception.problem.title ?? defaults.title,
          status,
          ...(exception.problem.detail ? { detail: exception.problem.detail } : {}),
          requestId,
          ...(exception.problem.errors ? { errors: exception.problem.errors } : {}),
        },
        headers: exception.problem.headers ?? {},
      };
    }
    if (exception instanceof NotFoundException && !request.routeOptions?.url) {
      // No route matched: if the path exists under other methods, that is a 405 with `Allow`.
      const allowed = allowedMethodsFor(request);
      if (allowed.length > 0) {
        return {
          problem: {
            type: problemType('method-not-allowed'),
            title: 'Method Not Allowed',
            status: 405,
            detail: `This resource supports ${allowed.join(', ')}.`,
            requestId,
          },
          headers: { allow: allowed.join(', ') },
        };
      }
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const defaults =
        STATUS_PROBLEMS[status] ?? (status < 500 ? STATUS_PROBLEMS[400] : STATUS_PROBLEMS[500]);
      const detail = status < 500 ? safeDetail(exception) : undefined;
      return {
        problem: {
          type: problemType(defaults.slug),
          title: defaults.title,
          status,
          ...(detail ? { detail } : {}),
          requestId,
        },
        headers: {},
      };
    }
    const code = (exception as { code?: unknown })?.code;
    const known = typeof code === 'string' ? FASTIFY_ERRORS[code] : undefined;
    const statusCode = (exception as { statusCode?: unknown })?.statusCode;
    if (known || (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500)) {
      const status = known?.status ?? (statusCode as number);
      const defaults = STATUS_PROBLEMS[status] ?? STATUS_PROBLEMS[400];
      return {
        problem: {
          type: problemType(defaults.slug),
          title: defaults.title,
          status,
          detail: known?.detail ?? 'The request could not be processed.',
          requestId,
        },
        headers: {},
      };
    }
    return {
      problem: {
        type: problemType('internal-error'),
        title: 'Internal Server Error',
        status: 500,
        requestId,
      },
      headers: {},
    };
  }
}

/**
 * A 4xx HttpException's message, only when it is our own plain string (Nest's built-in ones like
 * "Cannot GET /x" echo the path back; we replace those with a generic sentence).
 */
function safeDetail(exception: HttpException): string | undefined {
  const response = exception.getResponse();
  const message =
    typeof response === 'string' ? response : (response as { message?: unknown }).message;
  if (typeof message !== 'string') return undefined;
  if (/^Cannot [A-Z]+ /.test(message)) return 'No resource matches this path.';
  return message;
}

export type { FieldError };
