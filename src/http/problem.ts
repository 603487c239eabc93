import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * RFC 9457 problem details. Every error response of the API has this shape (the OAuth
 * endpoints excepted, which answer in the RFC 6749 §5.2 form).
 */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export interface FieldError {
  field: string;
  message: string;
}

/** Problem type URIs: one stable slug per kind of problem (documented in docs/errors.md). */
export const PROBLEM_TYPE_BASE = 'https://secure-api.example/problems/';
export const problemType = (slug: string): string => `${PROBLEM_TYPE_BASE}${slug}`;

/** Default slug and title per status, so a plain `NotFoundException` becomes a proper problem. */
export const STATUS_PROBLEMS: Record<number, { slug: string; title: string }> = {
  400: { slug: 'bad-request', title: 'Bad Request' },
  401: { slug: 'unauthorized', title: 'Unauthorized' },
  403: { slug: 'forbidden', title: 'Forbidden' },
  404: { slug: 'not-found', title: 'Not Found' },
  405: { slug: 'method-not-allowed', title: 'Method Not Allowed' },
  406: { slug: 'not-acceptable', title: 'Not Acceptable' },
  409: { slug: 'conflict', title: 'Conflict' },
  413: { slug: 'payload-too-large', title: 'Payload Too Large' },
  415: { slug: 'unsupported-media-type', title: 'Unsupported Media Type' },
  422: { slug: 'unprocessable-content', title: 'Unprocessable Content' },
  429: { slug: 'rate-limited', title: 'Too Many Requests' },
  500: { slug: 'internal-error', title: 'Internal Server Error' },
  503: { slug: 'service-unavailable', title: 'Service Unavailable' },
};

export interface ProblemInit {
  slug?: string;
  title?: string;
  detail?: string;
  errors?: FieldError[];
  /** Response headers to send with the problem (e.g. `Retry-After`, `WWW-Authenticate`, `Allow`). */
  headers?: Record<string, string>;
  /** Extra members, e.g. a stable domain `code`. Never internals. */
  extensions?: Record<string, unknown>;
}

/**
 * Throw this from anywhere to answer with a specific problem. The global filter renders it;
 * `detail` is shown to the client, so it must be safe to show.
 */
export class ProblemException extends HttpException {
  constructor(
    status: HttpStatus | number,
    readonly problem: ProblemInit = {},
  ) {
    super(problem.detail ?? STATUS_PROBLEMS[status]?.title ?? 'Error', status);
  }
}
