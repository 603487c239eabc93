/**
 * The one list of what never reaches a log line (pino `redact` paths). Headers carrying
 * credentials, and every body or object field that holds a password, token, secret or card data.
 * Encrypted customer fields are never logged by the code either; they are listed as a backstop.
 * Tested in log-redaction.spec.ts.
 */
const SENSITIVE_FIELDS = [
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'access_token',
  'refresh_token',
  'accessToken',
  'refreshToken',
  'client_secret',
  'clientSecret',
  'secret',
  'authorization',
  'cookie',
  'card',
  'number',
  'cvc',
  'pan',
  'nationalId',
  'dateOfBirth',
  'email',
  'phone',
  'fullName',
  'address',
];

export const REDACT_PATHS: string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'req.headers["processor-signature"]',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  ...SENSITIVE_FIELDS.map((field) => field),
  ...SENSITIVE_FIELDS.map((field) => `*.${field}`),
  ...SENSITIVE_FIELDS.map((field) => `*.*.${field}`),
];

export const REDACTION_CENSOR = '[REDACTED]';
