import request from 'supertest';
import { MetricsServer } from '../../../src/monitoring/metrics.server';
import { TestApp } from '../../helpers/test-app';

/** Base URL of the app's internal metrics listener. */
export function metricsUrl(t: TestApp): string {
  const { host, port } = t.app.get(MetricsServer).address();
  return `http://${host}:${port}`;
}

/** One scraped sample: metric name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Scrapes /metrics (with the token when given) and parses the text exposition format. */
export async function scrape(t: TestApp, token?: string): Promise<Sample[]> {
  const req = request(metricsUrl(t)).get('/metrics');
  if (token) void req.set('Authorization', `Bearer ${token}`);
  const res = await req.expect(200);
  return parseExposition(res.text);
}

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    for (const m of (match[2] ?? '').matchAll(labelRe)) labels[m[1]] = m[2];
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sum of a metric's samples whose labels include `labels`. */
export function valueOf(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Scrapes before and after `action` and returns how much the metric moved. */
export async function delta(
  t: TestApp,
  name: string,
  labels: Record<string, string>,
  action: () => Promise<unknown>,
): Promise<number> {
  const before = valueOf(await scrape(t), name, labels);
  await action();
  const after = valueOf(await scrape(t), name, labels);
  return after - before;
}
