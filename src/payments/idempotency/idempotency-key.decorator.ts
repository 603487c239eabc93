import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '../../http/problem';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** The header that marks a replayed response (exposed through CORS in http-pipeline.ts). */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

/** 1..255 visible ASCII characters (contract): no spaces, no control characters. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export function parseIdempotencyKey(value: unknown): string {
  if (typeof value !== 'string' || !KEY_PATTERN.test(value)) {
    throw new ProblemException(400, {
      slug: 'idempotency-key-required',
      title: 'Idempotency-Key required',
      detail: 'Send an Idempotency-Key header of 1 to 255 visible ASCII characters (e.g. a UUID).',
      errors: [{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }],
    });
  }
  return value;
}

/**
 * The request's `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header §2.1), required:
 * missing or malformed is 400 (§2.7). A repeated header arrives joined with ", " and so fails
 * the visible-ASCII rule (a space), rather than one of the two being picked silently.
 */
export const IdempotencyKey = createParamDecorator((_data: unknown, ctx: ExecutionContext) =>
  parseIdempotencyKey(
    ctx.switchToHttp().getRequest<FastifyRequest>().headers[IDEMPOTENCY_KEY_HEADER],
  ),
);
