import { ProblemException } from '../../http/problem';

/**
 * RFC 6750 §3: every 401 names the scheme; `error="invalid_token"` when a token was presented
 * (and failed), none when the request carried no credentials at all (§3.1).
 */
export function unauthorized(tokenPresented: boolean, detail?: string): ProblemException {
  return new ProblemException(401, {
    slug: tokenPresented ? 'invalid-token' : 'unauthorized',
    title: 'Unauthorized',
    detail:
      detail ??
      (tokenPresented
        ? 'The access token is invalid, expired or revoked.'
        : 'This resource needs a bearer access token.'),
    headers: {
      'WWW-Authenticate': tokenPresented
        ? 'Bearer error="invalid_token", error_description="The access token is invalid"'
        : 'Bearer',
    },
  });
}

/** RFC 6750 §3.1 `insufficient_scope`: 403 naming the scopes the route needs. */
export function insufficientScope(scopes: string[]): ProblemException {
  return new ProblemException(403, {
    slug: 'insufficient-scope',
    title: 'Forbidden',
    detail: `This token lacks a required scope: ${scopes.join(' ')}.`,
    headers: {
      'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${scopes.join(' ')}"`,
    },
  });
}
