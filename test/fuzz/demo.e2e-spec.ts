import { AuthService } from '../../src/auth/auth.service';
import { runWalkthrough, StepResult } from '../../scripts/demo/walkthrough';
import { startTestApp, TestApp } from '../helpers/test-app';

/**
 * `npm run demo` as a test: the same walkthrough (scripts/demo/walkthrough.ts) against the test
 * app, so a change that alters what a reviewer would see (a BOLA that answers 200, a token that
 * survives logout, an audit trail that misses a denial...) fails CI, not the next demo.
 */
describe('reviewer demo walkthrough (e2e)', () => {
  let t: TestApp;
  let results: StepResult[];
  const printed: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    results = await runWalkthrough(
      {
        url: t.url,
        ownerUrl: t.db.ownerUrl,
        runtimeUrl: t.db.runtimeUrl,
        createUser: async (email, password, role) => {
          await t.app.get(AuthService).createUser({ email, password, role });
        },
      },
      (line) => printed.push(line),
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it('should run every step of the tour', () => {
    expect(results.map((r) => r.title)).toHaveLength(12);
  });

  it('should see every step behave as expected', () => {
    const failed = results.filter((r) => !r.ok).map((r) => `${r.title}: ${r.failures.join('; ')}`);
    expect(failed).toEqual([]);
  });

  it('should print a request, a response and a lesson naming a doc for every step', () => {
    const text = printed.join('\n');
    expect(text.match(/^ {3}-> /gm)?.length).toBeGreaterThanOrEqual(12);
    expect(text.match(/^ {3}<- \d{3} /gm)?.length).toBeGreaterThanOrEqual(12);
    expect(text.match(/^ {3}lesson: .+\(docs\/[a-z-]+\.md/gm)).toHaveLength(12);
  });
});
