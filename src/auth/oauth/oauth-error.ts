import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** RFC 6749 §5.2 error codes (and RFC 7009 §2.2.1 `unsupported_token_type`). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'unsupported_token_type';

/**
 * An error of the OAuth endpoints. They answer in the RFC 6749 §5.2 form
 * (`application/json`, `{ error, error_description }`), the one exception to problem+json.
 */
export class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly status = code === 'invalid_client' ? 401 : 400,
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}

/** Renders OAuthError; bound to the OAuth token and revoke routes only (`@UseFilters`). */
@Catch(OAuthError)
export class OAuthErrorFilter implements ExceptionFilter {
  catch(error: OAuthError, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    // RFC 6749 §5.2: invalid_client answers 401 with WWW-Authenticate for the scheme used.
    if (error.status === 401) void reply.header('WWW-Authenticate', 'Basic realm="oauth"');
    void reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
    void reply
      .status(error.status)
      .type('application/json')
      .send({ error: error.code, error_description: error.description });
  }
}
