import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * `npm run bench` end to end, shortened (issue 9; docs/performance.md): it compiles, starts the
 * secured, baseline and control servers on a throwaway database, measures `GET /health/live`,
 * the control server's audit interleaved by block, and writes its JSON report. The figures of a
 * run this short mean nothing; what is checked is that the benchmark works and reports what the
 * docs say it reports.
 */
const ROOT = resolve(__dirname, '..', '..');

function runBench(): Promise<{ code: number | null; out: string }> {
  return new Promise((done, reject) => {
    const child = spawn('npm', ['run', 'bench', '--silent'], {
      cwd: ROOT,
      env: {
        ...process.env,
        BENCH_ADMIN_DATABASE_URL: process.env.TEST_ADMIN_DATABASE_URL,
        BENCH_ONLY: 'secured|baseline|control',
        BENCH_SCENARIOS: 'GET /health/live',
        BENCH_DURATION: '1',
        BENCH_ROUNDS: '1',
        BENCH_AUDIT_BLOCK_MS: '300',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => done({ code, out }));
  });
}

interface Report {
  settings: { rounds: number };
  configurations: { name: string }[];
  measurements: {
    scenario: string;
    configuration: string;
    rps: number;
    cpuUsPerRequest: number;
    rssMb: number;
  }[];
  summary: { scenario: string; ratio?: number }[];
  auditBlocks: { audit: boolean; responses: number; round: number }[];
  auditInterleaved: { scenario: string; blocks: number; cost: number; quads: { n: number } }[];
  unexpectedResponses: boolean;
}

describe('npm run bench (smoke)', () => {
  let run: { code: number | null; out: string };
  let report: Report;

  beforeAll(async () => {
    run = await runBench();
    const file = /report: (\S+\.json)/.exec(run.out)?.[1];
    if (!file) throw new Error(`no report written:\n${run.out}`);
    report = JSON.parse(readFileSync(file, 'utf8')) as Report;
    rmSync(file);
  }, 180_000);

  it('should exit 0 with only the expected statuses', () => {
    expect({ code: run.code, unexpected: report.unexpectedResponses }).toEqual({
      code: 0,
      unexpected: false,
    });
  });

  it('should measure every configuration asked for, with req/s, CPU and RSS', () => {
    const names = report.measurements.map((m) => m.configuration).sort();
    expect(names).toEqual(['baseline', 'control', 'control-audit-off', 'secured']);
    for (const m of report.measurements) {
      expect(m.scenario).toBe('GET /health/live');
      expect(m.rps).toBeGreaterThan(0);
      expect(m.cpuUsPerRequest).toBeGreaterThan(0);
      expect(m.rssMb).toBeGreaterThan(0);
    }
    const live = report.summary.find((s) => s.scenario === 'GET /health/live');
    expect(live?.ratio).toBeGreaterThan(0);
  });

  it('should switch the audit on, off, off, on under one load and pool the blocks', () => {
    expect(report.auditBlocks.map((b) => b.audit)).toEqual([true, false, false, true]);
    for (const b of report.auditBlocks) expect(b.responses).toBeGreaterThan(0);
    expect(report.auditInterleaved).toHaveLength(1);
    expect(report.auditInterleaved[0]).toMatchObject({
      scenario: 'GET /health/live',
      blocks: 4,
      quads: { n: 1 },
    });
    expect(Number.isFinite(report.auditInterleaved[0].cost)).toBe(true);
  });
});
