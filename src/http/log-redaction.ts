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

/**
 * A failed query's error carries the statement's bound values (TypeORM
 * `QueryFailedError.parameters`), and PostgreSQL's `detail` repeats row values ("Failing row
 * contains (...)", "Key (email)=(...) already exists"): whatever the row held, card data and
 * personal data included. The SQL text, the error code and the constraint name stay, which is
 * what a diagnosis needs. Found by test/security/api10-unsafe-consumption.e2e-spec.ts (a
 * processor answer that does not fit its column put the full card number in the error log).
 */
const ERROR_VALUE_PATHS = ['err', 'error'].flatMap((key) =>
  ['parameters', 'detail'].flatMap((field) => [`${key}.${field}`, `${key}.driverError.${field}`]),
);

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
  ...ERROR_VALUE_PATHS,
];

export const REDACTION_CENSOR = '[REDACTED]';
