import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { signWebhook } from '../../src/payments/processor/webhook-signature';
import type { Actor, FuzzWorld, RawRequest, Route } from './fuzz-harness';

/**
 * Request generators. Each route gets "valid" values for its documented fields (so requests
 * reach the handler and its queries), and every part of the request is, with some weight,
 * replaced by something hostile: wrong types, boundary numbers, injection strings, unknown and
 * repeated keys, prototype-pollution keys, broken JSON, wrong content types, garbage headers
 * and path parameters.
 */

type Arb = fc.Arbitrary<unknown>;

/** Strings attackers try first (OWASP WSTG injection and input-handling cases). */
const HOSTILE_STRINGS = [
  "' OR '1'='1",
  "'; DROP TABLE customers; --",
  '" OR 1=1 --',
  '1; SELECT pg_sleep(5)',
  "' UNION SELECT null,null,null --",
  '$ne',
  '{"$gt":""}',
  '../../../../etc/passwd',
  '%00',
  '\u0000',
  '\uFFFF\uFFFE',
  '\uD800',
  '<script>alert(1)</script>',
  '${7*7}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '9'.repeat(400),
  'a'.repeat(5000),
  '',
  ' ',
  '\r\n\r\nX-Injected: 1',
];

const hostileString = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Any JSON value, weighted towards the shapes validators most often get wrong. */
const garbageValue: Arb = fc.oneof(
  hostileString,
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
);

/**
 * A body or query built from the route's fields: sometimes every field from its generator (so
 * the request can succeed and reach the service and its queries), otherwise each field valid,
 * replaced by a garbage value or dropped, and now and then an unknown or server-owned extra key.
 */
function mutatedRecord(fields: Record<string, Arb>): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries(fields).map(([name, valid]) =>
    fc
      .oneof(
        { weight: 6, arbitrary: valid },
        { weight: 1, arbitrary: garbageValue },
        { weight: 1, arbitrary: fc.constant(undefined) },
      )
      .map((value) => [name, value] as const),
  );
  const extra = fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.oneof(
          fc.constantFrom('id', 'ownerId', 'role', 'roles', 'createdAt', 'status', 'isAdmin'),
          fc.string({ minLength: 1, maxLength: 12 }),
        ),
        garbageValue,
      ),
    },
  );
  const mutated = fc.tuple(fc.tuple(...entries), extra).map(([pairs, extraPair]) => {
    const out: Record<string, unknown> = {};
    for (const [name, value] of pairs) if (value !== undefined) out[name] = value;
    if (extraPair) out[extraPair[0]] = extraPair[1];
    return out;
  });
  return fc.oneof({ weight: 2, arbitrary: fc.record(fields) }, { weight: 3, arbitrary: mutated });
}

/** Mostly a valid value, sometimes one of the boundary values just outside the rules. */
function mostly<T>(valid: fc.Arbitrary<T>, ...boundaries: T[]): fc.Arbitrary<T> {
  return fc.oneof(
    { weight: 6, arbitrary: valid },
    { weight: 1, arbitrary: fc.constantFrom(...boundaries) },
  );
}

const year = new Date().getFullYear();

function shapes(world: FuzzWorld): {
  body: Record<string, Record<string, Arb>>;
  query: Record<string, Record<string, Arb>>;
} {
  const customerId = fc.oneof(fc.constantFrom(...world.customerIds), fc.uuid());
  const plainEmail = fc.stringMatching(/^[a-z0-9]{1,12}@example\.test$/);
  const email = fc.oneof(
    fc.constantFrom(...world.emails),
    mostly(plainEmail, 'a@b', 'x@localhost'),
  );
  const password = fc.oneof(
    fc.string({ minLength: 15, maxLength: 40 }),
    fc.constantFrom('passwordpassword', 'correct horse battery staple'),
  );
  const limit = mostly(fc.integer({ min: 1, max: 100 }).map(String), '0', '101', '1.5', '-1');
  const cursor = fc.oneof(fc.base64String({ maxLength: 40 }), fc.stringMatching(/^[\w-]{1,40}$/));
  const sort = mostly(
    fc.constantFrom('createdAt', '-createdAt'),
    'fullName',
    'email',
    '+createdAt',
  );
  const card = mutatedRecord({
    number: mostly(fc.constantFrom('4242424242424242', '4000000000000002'), '4242424242424241'),
    expMonth: fc.integer({ min: 1, max: 12 }),
    expYear: fc.integer({ min: year + 1, max: year + 10 }),
    cvc: fc.stringMatching(/^\d{3,4}$/),
  });
  const address = mutatedRecord({
    line1: fc.string({ minLength: 1, maxLength: 60 }),
    city: fc.string({ minLength: 1, maxLength: 40 }),
    postalCode: fc.stringMatching(/^[0-9A-Z]{3,8}$/),
    country: mostly(fc.constantFrom('DE', 'FR', 'US'), 'XX', 'de'),
  });
  const customer = {
    fullName: fc.string({ minLength: 1, maxLength: 80 }),
    email: fc.oneof(
      { weight: 4, arbitrary: plainEmail },
      { weight: 1, arbitrary: fc.emailAddress() },
    ),
    phone: mostly(fc.constantFrom('+15550001234', '+4930123456'), '12'),
    dateOfBirth: mostly(
      fc
        .date({ min: new Date('1900-01-01'), max: new Date(), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10)),
      '2024-02-30',
      '0000-00-00',
      '1990-13-01',
    ),
    nationalId: fc.stringMatching(/^[A-Z0-9]{4,20}$/),
    address,
  };
  const webhookData = mutatedRecord({
    paymentId: fc.oneof(fc.constantFrom(...world.paymentIds), fc.uuid()),
    amount: fc.integer({ min: 1, max: 5000 }),
    reason: fc.string({ maxLength: 20 }),
  });
  return {
    body: {
      'POST /v1/auth/register': { email, password },
      'POST /v1/auth/login': { email, password },
      'POST /v1/auth/refresh': {
        refresh_token: fc.oneof(fc.constantFrom(...world.refreshTokens), fc.string()),
      },
      'POST /v1/auth/logout': {},
      'POST /v1/oauth/clients': {
        name: fc.string({ minLength: 1, maxLength: 100 }),
        scopes: fc.subarray(['customers:read', 'customers:write', 'payments:read', 'x:y']),
      },
      'POST /v1/oauth/token': {
        grant_type: fc.constantFrom('client_credentials', 'password', 'authorization_code'),
        scope: fc.constantFrom('customers:read', 'customers:read payments:write', 'admin'),
        client_id: fc.constantFrom(world.clientCredentials.id, randomUUID()),
        client_secret: fc.constantFrom(world.clientCredentials.secret, 'wrong'),
      },
      'POST /v1/oauth/revoke': {
        token: fc.oneof(fc.constantFrom(world.tokens.user ?? ''), fc.string()),
        token_type_hint: fc.constantFrom('access_token', 'refresh_token', 'other'),
        client_id: fc.constantFrom(world.clientCredentials.id, randomUUID()),
        client_secret: fc.constantFrom(world.clientCredentials.secret, 'wrong'),
      },
      'POST /v1/customers': customer,
      'PATCH /v1/customers/:id': customer,
      'POST /v1/payments': {
        customerId,
        amount: mostly(fc.integer({ min: 1, max: 100_000_000 }), 0, 100_000_001),
        currency: mostly(fc.constantFrom('EUR', 'USD', 'GBP', 'JPY'), 'XXX', 'eur'),
        description: fc.string({ maxLength: 60 }),
        card,
      },
      'POST /v1/payments/:id/refunds': { amount: fc.integer({ min: 1, max: 2000 }) },
      'POST /v1/webhooks/processor': {
        id: fc.stringMatching(/^evt_[a-z0-9]{4,12}$/),
        type: fc.constantFrom('payment.refunded', 'payment.disputed', 'payment.created'),
        created: fc.integer({ min: 1_700_000_000, max: 2_000_000_000 }),
        data: webhookData,
      },
    },
    query: {
      'GET /v1/customers': { limit, cursor, sort, email },
      'GET /v1/payments': {
        limit,
        cursor,
        sort,
        customerId,
        status: mostly(fc.constantFrom('succeeded', 'declined', 'refunded', 'disputed'), 'pending'),
      },
      'GET /v1/audit-logs': {
        limit,
        cursor,
        actorId: fc.oneof(fc.uuid(), fc.string({ maxLength: 10 })),
        action: mostly(fc.constantFrom('customers.create', 'auth.login'), 'nope'),
        resourceType: fc.constantFrom('customers', 'payments'),
        resourceId: customerId,
        outcome: mostly(fc.constantFrom('success', 'denied', 'error'), 'maybe'),
        from: mostly(fc.constant('2024-01-01T00:00:00Z'), '2024-13-01', 'yesterday'),
        to: mostly(fc.constant('2099-01-01T00:00:00.000Z'), '2024-01-01T25:00:00Z'),
      },
    },
  };
}

/** Percent-encodes the UTF-8 bytes (lone surrogates become U+FFFD instead of throwing). */
function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/** Path parameters: an existing id, a random UUID, or something that is not an id at all. */
function pathParam(world: FuzzWorld, name: string): fc.Arbitrary<string> {
  const existing =
    name === 'client_id'
      ? world.spareClientIds
      : [...world.customerIds, ...world.paymentIds, ...world.spareClientIds];
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...existing) },
    { weight: 2, arbitrary: fc.uuid() },
    {
      weight: 3,
      arbitrary: fc.oneof(
        hostileString.map(percentEncode),
        // Raw, already-encoded sequences, some of them invalid percent-encoding.
        fc.constantFrom('%00', '%ZZ', '%E0%A4%A', '..%2F..%2F', '%2e%2e', '%u0027', '%C0%AF', '.'),
        fc.constantFrom(
          '00000000-0000-0000-0000-000000000000',
          'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
        ),
      ),
    },
  );
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function query(fields: Record<string, Arb> | undefined): fc.Arbitrary<string> {
  const known = fields
    ? mutatedRecord(fields).map((record) => {
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries(record)) {
          // A repeated key arrives as an array: the contract says 400, never a crash.
          if (Array.isArray(v)) for (const item of v) params.append(k, asText(item));
          else params.append(k, asText(v));
        }
        return params.toString();
      })
    : fc.constant('');
  return fc.oneof(
    { weight: 6, arbitrary: known },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'limit=1&limit=2',
        'limit[]=1',
        'limit[$gt]=0',
        '__proto__[admin]=1',
        'constructor[prototype][x]=1',
        'a=%ZZ',
        '%ZZ=1',
        'cursor=' + 'A'.repeat(3000),
        '&&&==&',
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .dictionary(fc.string({ maxLength: 10 }), hostileString, { maxKeys: 4 })
        .map((d) => new URLSearchParams(d).toString()),
    },
  );
}

const visibleAscii = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 60,
});

/** Bodies: a JSON object built from the route's fields (mutated) or something else entirely. */
function body(
  fields: Record<string, Arb> | undefined,
): fc.Arbitrary<{ text?: string | Buffer; json: boolean }> {
  const structured = mutatedRecord(fields ?? {}).map((b) => ({
    text: JSON.stringify(b),
    json: true,
  }));
  return fc.oneof(
    { weight: 8, arbitrary: structured },
    {
      weight: 1,
      arbitrary: fc
        .jsonValue({ maxDepth: 3 })
        .map((v) => ({ text: JSON.stringify(v), json: true })),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        { text: '{"__proto__":{"isAdmin":true}}', json: true },
        { text: '{"constructor":{"prototype":{"isAdmin":true}}}', json: true },
        { text: '{', json: true },
        { text: '{"a":1,"a":2}', json: true },
        { text: '[]', json: true },
        { text: 'null', json: true },
        { text: '"string"', json: true },
        { text: '1e999', json: true },
        { text: '['.repeat(5000) + ']'.repeat(5000), json: true },
        { text: `{"x":"${'y'.repeat(200_000)}"}`, json: true },
        { text: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), json: true },
        { text: 'grant_type=client_credentials', json: false },
        { text: '', json: true },
        { text: undefined, json: true },
      ),
    },
  );
}

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/xml',
  'application/json; charset=utf-8',
  'application/merge-patch+json',
  '*/*',
  ';;;',
];

function formEncode(jsonText: string): string {
  try {
    const value = JSON.parse(jsonText) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(value))
        params.append(k, typeof v === 'string' ? v : JSON.stringify(v));
      return params.toString();
    }
  } catch {
    // Not JSON: send it as it is.
  }
  return jsonText;
}

const OTHER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

/** One generated request for this route as this actor. */
export function requestFor(route: Route, actor: Actor, world: FuzzWorld): fc.Arbitrary<RawRequest> {
  const { body: bodies, query: queries } = shapes(world);
  const params = route.path.match(/:[A-Za-z0-9_]+/g) ?? [];
  const pathArb = fc
    .tuple(...params.map((p) => pathParam(world, p.slice(1))))
    .map((values) => params.reduce((path, p, i) => path.replace(p, values[i]), route.path));
  const isOAuthForm = route.key === 'POST /v1/oauth/token' || route.key === 'POST /v1/oauth/revoke';
  const token = world.tokens[actor];
  const authorization = fc.oneof(
    { weight: 8, arbitrary: fc.constant(token ? `Bearer ${token}` : undefined) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        visibleAscii.map((s) => `Bearer ${s}`),
        fc.constantFrom(
          'Bearer',
          'Basic Og==',
          'Basic ' +
            Buffer.from(`${world.clientCredentials.id}:${world.clientCredentials.secret}`).toString(
              'base64',
            ),
          `Bearer ${token ?? 'x'}.${token ?? 'y'}`,
          'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
          `bearer ${token ?? ''}`,
        ),
      ),
    },
  );
  const extraHeaders = fc.record(
    {
      'idempotency-key': fc.oneof(visibleAscii, fc.constantFrom('', ' ', 'x'.repeat(300), 'é')),
      'x-request-id': fc.oneof(visibleAscii, fc.constant('00000000-0000-0000-0000-000000000000')),
      'x-forwarded-for': fc.constantFrom('1.2.3.4', '::1', 'garbage', '1.2.3.4, 5.6.7.8'),
      accept: fc.constantFrom('application/xml', 'text/html', '*/*', 'application/problem+json'),
      origin: fc.constantFrom('https://evil.example', 'null'),
      'processor-signature': fc.oneof(visibleAscii, fc.constantFrom('t=1,v1=00', 't=,v1=')),
    },
    { requiredKeys: [] },
  );
  return fc
    .record({
      method: fc.oneof(
        { weight: 12, arbitrary: fc.constant(route.method) },
        { weight: 1, arbitrary: fc.constantFrom(...OTHER_METHODS) },
      ),
      path: pathArb,
      query: query(queries[route.key]),
      body: body(bodies[route.key]),
      contentType: fc.oneof(
        { weight: 10, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
      ),
      authorization,
      idempotent: fc.oneof(
        { weight: 5, arbitrary: fc.constant(true) },
        { weight: 1, arbitrary: fc.constant(false) },
      ),
      signWebhook: fc.boolean(),
      extra: fc.option(extraHeaders, { freq: 3 }),
    })
    .map((g) => {
      const headers: Record<string, string> = { ...(g.extra ?? {}) };
      if (g.authorization) headers.authorization = g.authorization;
      if (
        route.key.startsWith('POST /v1/payments') &&
        g.idempotent &&
        !g.extra?.['idempotency-key']
      )
        headers['idempotency-key'] = randomUUID();
      let text = g.body.text;
      if (isOAuthForm && typeof text === 'string') text = formEncode(text);
      const hasBody =
        text !== undefined && !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(g.method);
      if (hasBody)
        headers['content-type'] =
          g.contentType ?? (isOAuthForm ? 'application/x-www-form-urlencoded' : 'application/json');
      if (route.key === 'POST /v1/webhooks/processor' && g.signWebhook && typeof text === 'string')
        headers['processor-signature'] = signWebhook(
          world.webhookSecret,
          text,
          Math.floor(Date.now() / 1000),
        );
      return {
        method: g.method,
        path: g.query ? `${g.path}?${g.query}` : g.path,
        headers,
        body: hasBody ? Buffer.from(text as string | Buffer) : undefined,
      };
    });
}
