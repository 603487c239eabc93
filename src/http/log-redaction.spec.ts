import { Writable } from 'node:stream';
import pino from 'pino';
import { REDACT_PATHS, REDACTION_CENSOR } from './log-redaction';

/** A pino logger configured exactly as LoggingModule does, writing lines into an array. */
function capture(): { logger: pino.Logger; lines: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ redact: { paths: REDACT_PATHS, censor: REDACTION_CENSOR } }, stream);
  return { logger, lines: () => chunks.join('') };
}

const SECRETS = {
  bearer: 'Bearer eyJhbGciOiJFUzI1NiJ9.secret-access-token',
  cookie: 'sid=secret-session-cookie',
  password: 'correct-horse-battery-staple',
  refresh: 'rt_secret_refresh_token_value',
  access: 'at_secret_access_token_value',
  clientSecret: 'cs_secret_client_value',
  pan: '4242424242424242',
  cvc: '987',
  nationalId: '010190-12345',
};

describe('REDACT_PATHS', () => {
  it('should censor credential headers on the request', () => {
    const { logger, lines } = capture();
    logger.info({
      req: {
        method: 'POST',
        headers: {
          authorization: SECRETS.bearer,
          cookie: SECRETS.cookie,
          'proxy-authorization': SECRETS.bearer,
          'idempotency-key': 'idem-key-1',
          'user-agent': 'jest',
        },
      },
    });
    const out = lines();
    expect(out).not.toContain(SECRETS.bearer);
    expect(out).not.toContain(SECRETS.cookie);
    expect(out).not.toContain('idem-key-1');
    expect(out).toContain(REDACTION_CENSOR);
    expect(out).toContain('jest');
  });

  it('should censor passwords and tokens at the top level and nested', () => {
    const { logger, lines } = capture();
    logger.info({ password: SECRETS.password, refresh_token: SECRETS.refresh }, 'login');
    logger.info({ body: { password: SECRETS.password, newPassword: SECRETS.password } });
    logger.info({ req: { body: { access_token: SECRETS.access, refreshToken: SECRETS.refresh } } });
    logger.info({
      client: { client_secret: SECRETS.clientSecret, clientSecret: SECRETS.clientSecret },
    });
    const out = lines();
    for (const value of [SECRETS.password, SECRETS.refresh, SECRETS.access, SECRETS.clientSecret])
      expect(out).not.toContain(value);
    expect(out).toContain('login');
  });

  it('should censor card data and personal fields', () => {
    const { logger, lines } = capture();
    logger.info({
      payment: {
        amount: 1200,
        card: { number: SECRETS.pan, cvc: SECRETS.cvc, expMonth: 12, expYear: 2030 },
      },
    });
    logger.info({ body: { number: SECRETS.pan, cvc: SECRETS.cvc, pan: SECRETS.pan } });
    logger.info({ customer: { nationalId: SECRETS.nationalId } });
    const out = lines();
    expect(out).not.toContain(SECRETS.pan);
    expect(out).not.toMatch(/"cvc":"?987/);
    expect(out).not.toContain(SECRETS.nationalId);
    expect(out).toContain('"amount":1200');
  });

  it("should censor the bound values and row detail of a failed query's error", () => {
    const { logger, lines } = capture();
    const error = Object.assign(new Error('value too long for type character(4)'), {
      query: 'INSERT INTO "payments"("card_last4") VALUES ($1)',
      parameters: ['visa', SECRETS.pan],
      code: '22001',
      driverError: {
        detail: `Failing row contains (visa, ${SECRETS.pan}).`,
        parameters: [SECRETS.pan],
      },
      detail: `Failing row contains (visa, ${SECRETS.pan}).`,
    });
    logger.error({ err: error }, 'Unhandled error');
    logger.error({ error }, 'Unhandled error');
    const out = lines();
    expect(out).not.toContain(SECRETS.pan);
    expect(out).toContain('22001');
    expect(out).toContain('INSERT INTO');
  });

  it('should keep the line valid JSON and leave ordinary fields alone', () => {
    const { logger, lines } = capture();
    logger.info({ requestId: 'r-1', res: { statusCode: 201 }, password: SECRETS.password });
    const line = JSON.parse(lines().trim()) as Record<string, unknown>;
    expect(line).toEqual(
      expect.objectContaining({
        requestId: 'r-1',
        res: { statusCode: 201 },
        password: REDACTION_CENSOR,
      }),
    );
  });
});
