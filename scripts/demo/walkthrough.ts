import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';

/**
 * The reviewer's tour (`npm run demo`): the attacks a reviewer would try first, each against
 * the running API, each with the request, the response and the one-line lesson with the page
 * that explains it. Every step states the outcome it expects; `runWalkthrough` reports which
 * did not happen, so the tour doubles as a test (test/fuzz/demo.e2e-spec.ts).
 */

export interface DemoTarget {
  /** Base URL of the running API. */
  url: string;
  /** The owner role's connection (the table owner: what a DBA or a stolen backup sees). */
  ownerUrl: string;
  /** The runtime role's connection (what the API itself connects as). */
  runtimeUrl: string;
  /** Creates an account with a role the API does not hand out (the `user:create` CLI). */
  createUser(email: string, password: string, role: 'admin' | 'auditor' | 'support'): Promise<void>;
}

export interface StepResult {
  title: string;
  ok: boolean;
  failures: string[];
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: Record<string, unknown>;
}

type Print = (line: string) => void;

const MAX_SHOWN = 220;

function short(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > MAX_SHOWN ? `${flat.slice(0, MAX_SHOWN)}... (${text.length} bytes)` : flat;
}

class Tour {
  readonly results: StepResult[] = [];
  private current?: StepResult;

  constructor(
    private readonly target: DemoTarget,
    private readonly print: Print,
  ) {}

  async step(
    title: string,
    lesson: string,
    docs: string,
    body: () => Promise<void>,
  ): Promise<void> {
    const n = this.results.length + 1;
    this.print('');
    this.print(`== ${n}. ${title} ${'='.repeat(Math.max(3, 72 - title.length))}`);
    this.current = { title, ok: true, failures: [] };
    try {
      await body();
    } catch (error) {
      this.fail(`step crashed: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.print(`   lesson: ${lesson} (${docs})`);
    this.print(this.current.ok ? '   result: as expected' : '   result: NOT AS EXPECTED');
    this.results.push(this.current);
  }

  /** One HTTP exchange, printed both ways. `label` says who is calling. */
  async call(
    method: string,
    path: string,
    options: {
      token?: string;
      json?: unknown;
      raw?: string;
      headers?: Record<string, string>;
      label?: string;
      quiet?: boolean;
    } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined;
    if (options.json !== undefined || options.raw !== undefined) {
      headers['content-type'] = 'application/json';
      payload = options.raw ?? JSON.stringify(options.json);
    }
    if (!options.quiet) {
      const who = options.label ? ` [${options.label}]` : '';
      const shown = payload === undefined ? '' : ` ${short(payload)}`;
      this.print(`   -> ${method} ${path}${who}${shown}`);
    }
    const res = await fetch(`${this.target.url}${path}`, { method, headers, body: payload });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // Not JSON: shown as text.
    }
    if (!options.quiet) this.print(`   <- ${res.status} ${short(text)}`);
    return { status: res.status, headers: res.headers, text, body };
  }

  note(line: string): void {
    this.print(`   ${line}`);
  }

  expect(condition: boolean, what: string): void {
    if (!condition) this.fail(what);
  }

  expectStatus(reply: Reply, status: number): void {
    this.expect(reply.status === status, `expected ${status}, got ${reply.status}`);
  }

  private fail(what: string): void {
    if (!this.current) return;
    this.current.ok = false;
    this.current.failures.push(what);
    this.print(`   !! ${what}`);
  }

  /** Runs SQL as one of the two database roles. */
  async sql<T = Record<string, unknown>>(
    as: 'owner' | 'runtime',
    text: string,
    params: unknown[] = [],
  ): Promise<T[]> {
    const client = new Client({
      connectionString: as === 'owner' ? this.target.ownerUrl : this.target.runtimeUrl,
    });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  }
}

const password = (): string => `demo-${randomBytes(12).toString('base64url')}`;
const email = (name: string): string => `${name}-${randomBytes(3).toString('hex')}@example.test`;

function withoutPerRequestMembers(body: Record<string, unknown>): string {
  const { requestId: _r, instance: _i, ...rest } = body;
  return JSON.stringify(rest);
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function eventually<T>(
  probe: () => Promise<T | undefined>,
  ms = 3000,
): Promise<T | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** Runs every step; never throws for an unexpected outcome (it is recorded and printed). */
export async function runWalkthrough(target: DemoTarget, print: Print): Promise<StepResult[]> {
  const tour = new Tour(target, print);
  const alice = { email: email('alice'), password: password(), token: '' };
  const bob = { email: email('bob'), password: password(), token: '' };
  const support = { email: email('support'), password: password(), token: '' };
  const auditor = { email: email('auditor'), password: password(), token: '' };
  let aliceCustomerId = '';
  /** User ids to first names, so the audit entries read as a story. */
  const names = new Map<string, string>();
  const nationalId = 'AB-123-456-789';

  await tour.step(
    'Set-up: two users register, staff accounts come from the CLI',
    'registration answers 202 whether or not the email exists (no account enumeration); staff roles are never self-service',
    'docs/auth.md',
    async () => {
      for (const who of [alice, bob]) {
        const reg = await tour.call('POST', '/v1/auth/register', {
          json: { email: who.email, password: who.password },
        });
        tour.expectStatus(reg, 202);
        const again = await tour.call('POST', '/v1/auth/register', {
          json: { email: who.email, password: password() },
          quiet: true,
        });
        tour.expect(again.status === 202, 'a second registration of the same email is also 202');
      }
      tour.note('(registering the same email again: 202 too, the account is untouched)');
      await target.createUser(support.email, support.password, 'support');
      await target.createUser(auditor.email, auditor.password, 'auditor');
      tour.note('(support and auditor accounts created as `npm run cli -- user:create` does)');
      for (const who of [alice, bob, support, auditor]) {
        const res = await tour.call('POST', '/v1/auth/login', {
          json: { email: who.email, password: who.password },
          quiet: who !== alice,
        });
        tour.expectStatus(res, 200);
        who.token = String(res.body.access_token);
        const me = await tour.call('GET', '/v1/auth/me', { token: who.token, quiet: true });
        names.set(String(me.body.id), who.email.split('-')[0]);
      }
      const created = await tour.call('POST', '/v1/customers', {
        token: alice.token,
        label: 'alice',
        json: {
          fullName: 'Alice Customer',
          email: 'alice.customer@example.test',
          nationalId,
          dateOfBirth: '1990-04-01',
        },
      });
      tour.expectStatus(created, 201);
      aliceCustomerId = String(created.body.id);
    },
  );

  await tour.step(
    "BOLA: Bob asks for Alice's customer by id",
    'ownership is a condition of every query, and "not yours" is the same 404 as "does not exist" (OWASP API1)',
    'docs/customers.md, docs/threat-model.md',
    async () => {
      const theirs = await tour.call('GET', `/v1/customers/${aliceCustomerId}`, {
        token: bob.token,
        label: 'bob',
      });
      tour.expectStatus(theirs, 404);
      const none = await tour.call('GET', `/v1/customers/${randomUUID()}`, {
        token: bob.token,
        label: 'bob, an id that does not exist',
      });
      tour.expectStatus(none, 404);
      tour.expect(
        withoutPerRequestMembers(theirs.body) === withoutPerRequestMembers(none.body),
        'the two 404 bodies differ (the id would be confirmed to exist)',
      );
      tour.note('(both bodies are identical apart from the request id)');
    },
  );

  await tour.step(
    'Mass assignment: Bob posts server-owned fields',
    'unknown or server-owned properties are refused with 400 naming them, never silently applied or stripped (OWASP API3)',
    'docs/http.md, docs/customers.md',
    async () => {
      const res = await tour.call('POST', '/v1/customers', {
        token: bob.token,
        label: 'bob',
        json: {
          fullName: 'Mallory',
          email: 'm@example.test',
          ownerId: randomUUID(),
          id: randomUUID(),
        },
      });
      tour.expectStatus(res, 400);
      tour.expect(/ownerId/.test(res.text), 'the 400 does not name ownerId');
      const role = await tour.call('POST', '/v1/auth/register', {
        json: { email: email('mallory'), password: password(), roles: ['admin'] },
      });
      tour.expectStatus(role, 400);
    },
  );

  await tour.step(
    'Forged JWT: alg "none", and a real token with its payload edited',
    'only ES256 signatures by a published key are accepted; the algorithm comes from the key, not the token header',
    'docs/auth.md',
    async () => {
      const [header, payload, signature] = alice.token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
        string,
        unknown
      >;
      const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...claims, roles: ['admin'] })}.`;
      const r1 = await tour.call('GET', '/v1/audit-logs', {
        token: none,
        label: 'alg none, roles admin',
      });
      tour.expectStatus(r1, 401);
      tour.expect(
        /invalid_token/.test(r1.headers.get('www-authenticate') ?? ''),
        'no WWW-Authenticate: Bearer error="invalid_token"',
      );
      const edited = `${header}.${b64url({ ...claims, roles: ['admin'] })}.${signature}`;
      const r2 = await tour.call('GET', '/v1/audit-logs', {
        token: edited,
        label: "alice's token, roles edited",
      });
      tour.expectStatus(r2, 401);
    },
  );

  await tour.step(
    'A token after logout',
    'logout revokes the session server-side: its access token stops working at once, not at expiry',
    'docs/auth.md',
    async () => {
      const session = await tour.call('POST', '/v1/auth/login', {
        json: { email: alice.email, password: alice.password },
        quiet: true,
      });
      const token = String(session.body.access_token);
      tour.expectStatus(
        await tour.call('GET', '/v1/auth/me', { token, label: 'alice, session 2' }),
        200,
      );
      tour.expectStatus(await tour.call('POST', '/v1/auth/logout', { token, json: {} }), 204);
      tour.expectStatus(await tour.call('GET', '/v1/auth/me', { token, label: 'same token' }), 401);
    },
  );

  await tour.step(
    'Refresh-token reuse',
    'a refresh token works once; replaying a spent one is treated as theft and revokes the whole session (RFC 9700)',
    'docs/auth.md',
    async () => {
      const session = await tour.call('POST', '/v1/auth/login', {
        json: { email: alice.email, password: alice.password },
        quiet: true,
      });
      const stolen = String(session.body.refresh_token);
      const rotated = await tour.call('POST', '/v1/auth/refresh', {
        json: { refresh_token: stolen },
        label: 'legitimate client',
      });
      tour.expectStatus(rotated, 200);
      const replay = await tour.call('POST', '/v1/auth/refresh', {
        json: { refresh_token: stolen },
        label: 'attacker replays the old one',
      });
      tour.expectStatus(replay, 401);
      const after = await tour.call('GET', '/v1/auth/me', {
        token: String(rotated.body.access_token),
        label: 'the rotated access token',
      });
      tour.expectStatus(after, 401);
    },
  );

  await tour.step(
    'Brute force: guessing a password',
    'after 10 failed logins an account is locked for the window, even for the right password (ASVS 2.2.1)',
    'docs/rate-limiting.md',
    async () => {
      const victim = { email: email('carol'), password: password() };
      await tour.call('POST', '/v1/auth/register', { json: victim, quiet: true });
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) {
        const res = await tour.call('POST', '/v1/auth/login', {
          json: { email: victim.email, password: `guess-number-${i}-xxxxxx` },
          quiet: i > 0,
        });
        statuses.push(res.status);
      }
      tour.note(`(10 wrong guesses: ${statuses.join(' ')})`);
      tour.expect(
        statuses.every((s) => s === 401),
        'a wrong guess was not 401',
      );
      const right = await tour.call('POST', '/v1/auth/login', {
        json: victim,
        label: 'the right password, now',
      });
      tour.expectStatus(right, 429);
      tour.expect(right.headers.get('retry-after') !== null, 'no Retry-After header');
      tour.note(`(Retry-After: ${right.headers.get('retry-after') ?? 'missing'} s)`);
    },
  );

  await tour.step(
    'Injection: SQL in the query string, the path and the body',
    'inputs are validated by type before use and every query is parameterised; SQL in a field is stored as text',
    'docs/http.md, docs/customers.md (npm run scan:sqlmap: docs/sqlmap.md)',
    async () => {
      const q1 = await tour.call(
        'GET',
        `/v1/customers?email=${encodeURIComponent("' OR '1'='1")}`,
        {
          token: bob.token,
          label: 'bob',
        },
      );
      tour.expectStatus(q1, 400);
      const q2 = await tour.call(
        'GET',
        `/v1/customers?sort=${encodeURIComponent('createdAt; DROP TABLE customers')}`,
        { token: bob.token, label: 'bob' },
      );
      tour.expectStatus(q2, 400);
      const q3 = await tour.call('GET', `/v1/customers/${encodeURIComponent("1' OR '1'='1")}`, {
        token: bob.token,
        label: 'bob',
      });
      tour.expectStatus(q3, 400);
      const name = "Robert'); DROP TABLE customers;--";
      const stored = await tour.call('POST', '/v1/customers', {
        token: bob.token,
        label: 'bob',
        json: { fullName: name, email: 'bobby@example.test' },
      });
      tour.expectStatus(stored, 201);
      tour.expect(stored.body.fullName === name, 'the name did not come back unchanged');
      const list = await tour.call('GET', '/v1/customers', {
        token: bob.token,
        label: 'bob, the table is still there',
      });
      tour.expectStatus(list, 200);
    },
  );

  await tour.step(
    'An oversized body',
    'bodies over BODY_LIMIT_BYTES (100 KB) are refused while reading, before parsing (OWASP API4)',
    'docs/http.md',
    async () => {
      const big = JSON.stringify({ fullName: 'x'.repeat(200 * 1024), email: 'big@example.test' });
      const res = await tour.call('POST', '/v1/customers', {
        token: bob.token,
        label: 'bob',
        raw: big,
      });
      tour.expectStatus(res, 413);
      tour.expect(
        (res.headers.get('content-type') ?? '').startsWith('application/problem+json'),
        'the 413 is not a problem document',
      );
    },
  );

  await tour.step(
    'Data at rest beside its API view',
    'personal fields are encrypted per field (AES-256-GCM, a data key per customer); email is found through a keyed blind index; support sees masked values',
    'docs/encryption.md, docs/customers.md',
    async () => {
      const rows = await tour.sql<Record<string, string>>(
        'owner',
        'SELECT full_name, email, email_bidx, national_id, date_of_birth FROM customers WHERE id = $1',
        [aliceCustomerId],
      );
      tour.note(
        `SQL (as the table owner): SELECT full_name, email, email_bidx, national_id, date_of_birth FROM customers WHERE id = '${aliceCustomerId}'`,
      );
      for (const [column, value] of Object.entries(rows[0] ?? {}))
        tour.note(`  ${column.padEnd(14)} ${short(String(value)).slice(0, 90)}`);
      const raw = JSON.stringify(rows[0] ?? {});
      tour.expect(rows.length === 1, 'the row was not found');
      tour.expect(!raw.includes('Alice Customer'), 'the name is stored in clear');
      tour.expect(!raw.includes('alice.customer@example.test'), 'the email is stored in clear');
      tour.expect(!raw.includes(nationalId), 'the national id is stored in clear');
      const owner = await tour.call('GET', `/v1/customers/${aliceCustomerId}`, {
        token: alice.token,
        label: 'alice, the owner',
      });
      tour.expect(owner.body.nationalId === nationalId, 'the owner does not see the national id');
      const masked = await tour.call('GET', `/v1/customers/${aliceCustomerId}`, {
        token: support.token,
        label: 'support',
      });
      tour.expectStatus(masked, 200);
      tour.expect(
        typeof masked.body.nationalId === 'string' && !masked.body.nationalId.includes('123-456'),
        'support sees the national id unmasked',
      );
    },
  );

  await tour.step(
    'The audit trail',
    'every change and every denial is recorded (who, what, outcome, request id), with no personal value; only auditors and admins read it',
    'docs/audit.md',
    async () => {
      // Alice's customer: its creation, her own read, and Bob's refused read (a 404 to him).
      const path = `/v1/audit-logs?resourceType=customers&resourceId=${aliceCustomerId}&limit=10`;
      const entries = (res: Reply): Record<string, unknown>[] =>
        (res.body.data ?? []) as Record<string, unknown>[];
      await eventually(async () => {
        const res = await tour.call('GET', path, { token: auditor.token, quiet: true });
        return entries(res).some((e) => e.outcome === 'denied') ? res : undefined;
      });
      const shown = await tour.call('GET', path, { token: auditor.token, label: 'auditor' });
      tour.expectStatus(shown, 200);
      for (const entry of entries(shown))
        tour.note(
          `  ${String(entry.at)} ${String(entry.action).padEnd(18)} ${String(entry.outcome).padEnd(8)} ${String(entry.status)} actor=${names.get(String((entry.actor as { id?: string } | undefined)?.id)) ?? JSON.stringify(entry.actor)} details=${JSON.stringify(entry.details)}`,
        );
      tour.expect(
        entries(shown).some((e) => e.action === 'customers.read' && e.outcome === 'denied'),
        "Bob's BOLA attempt is not in the trail as denied",
      );
      tour.expect(
        entries(shown).some((e) => e.action === 'customers.create' && e.outcome === 'success'),
        "Alice's creation is not in the trail",
      );
      tour.expect(!shown.text.includes(nationalId), 'a personal value is in the trail');
      const asUser = await tour.call('GET', '/v1/audit-logs', {
        token: alice.token,
        label: 'alice',
      });
      tour.expectStatus(asUser, 403);
    },
  );

  await tour.step(
    'Audit verification: append-only, and a hash chain that names a tampered entry',
    'the API role cannot UPDATE the trail, triggers refuse it to the owner, and an owner who disables them is caught by the chain',
    'docs/audit.md',
    async () => {
      const ok = await tour.call('GET', '/v1/audit-logs/verify', {
        token: auditor.token,
        label: 'auditor',
      });
      tour.expect(
        ok.status === 200 && ok.body.valid === true,
        'the chain is not valid before tampering',
      );
      const [victim] = await tour.sql<{ id: string }>(
        'owner',
        "SELECT id FROM audit_log WHERE outcome = 'denied' ORDER BY seq LIMIT 1",
      );
      const update = "UPDATE audit_log SET outcome = 'success' WHERE id = $1";
      for (const as of ['runtime', 'owner'] as const) {
        try {
          await tour.sql(as, update, [victim.id]);
          tour.expect(false, `the ${as} role could update an audit entry`);
        } catch (error) {
          tour.note(`SQL as ${as}: ${update} -> refused: ${(error as Error).message}`);
        }
      }
      const client = new Client({ connectionString: target.ownerUrl });
      await client.connect();
      try {
        await client.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
        await client.query(update, [victim.id]);
        await client.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
      } finally {
        await client.end();
      }
      tour.note(
        `SQL as owner: trigger disabled, entry ${victim.id} changed to "success", trigger re-enabled`,
      );
      const broken = await tour.call('GET', '/v1/audit-logs/verify', {
        token: auditor.token,
        label: 'auditor',
      });
      tour.expect(
        broken.body.valid === false && broken.body.firstInvalidId === victim.id,
        'verification did not name the tampered entry',
      );
    },
  );

  return tour.results;
}

/** One line per step, and the verdict. */
export function summary(results: StepResult[]): string[] {
  const lines = results.map((r, i) => `${r.ok ? 'ok  ' : 'FAIL'} ${i + 1}. ${r.title}`);
  const failed = results.filter((r) => !r.ok).length;
  lines.push(
    failed === 0
      ? `All ${results.length} steps behaved as expected.`
      : `${failed} of ${results.length} steps did NOT behave as expected.`,
  );
  return lines;
}
