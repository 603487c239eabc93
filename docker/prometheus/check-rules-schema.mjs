// Fallback of `npm run test:alerts` when promtool cannot be installed: checks the SHAPE of the
// rule file (groups, unique alert names, non-empty expr, `for` durations, severity label,
// summary and runbook annotations, runbook anchors present in docs/monitoring.md) and that every
// alert has at least one test in alerts.test.yml. It does not parse PromQL.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const [rulesFile = 'alerts.yml', testsFile = 'alerts.test.yml'] = process.argv.slice(2);
const rules = parse(readFileSync(join(here, rulesFile), 'utf8'));
const tests = parse(readFileSync(join(here, testsFile), 'utf8'));
const docs = readFileSync(join(here, '../../docs/monitoring.md'), 'utf8').toLowerCase();

const errors = [];
const names = new Set();
const duration = /^(\d+(ms|s|m|h|d|w|y))+$/;
if (!Array.isArray(rules?.groups) || rules.groups.length === 0) errors.push('no groups');
for (const group of rules?.groups ?? []) {
  if (typeof group.name !== 'string') errors.push('a group without a name');
  for (const rule of group.rules ?? []) {
    const id = rule.alert ?? rule.record ?? '(unnamed)';
    if (!rule.alert && !rule.record) errors.push(`${group.name}: a rule without alert or record`);
    if (typeof rule.expr !== 'string' || rule.expr.trim() === '') errors.push(`${id}: empty expr`);
    if (rule.for !== undefined && !duration.test(String(rule.for))) errors.push(`${id}: bad for`);
    if (!rule.alert) continue;
    if (names.has(rule.alert)) errors.push(`${id}: duplicate alert name`);
    names.add(rule.alert);
    if (!['critical', 'warning', 'info'].includes(rule.labels?.severity))
      errors.push(`${id}: severity label must be critical, warning or info`);
    if (!rule.annotations?.summary) errors.push(`${id}: no summary annotation`);
    const runbook = rule.annotations?.runbook ?? '';
    const anchor = runbook.split('#')[1];
    if (!anchor) errors.push(`${id}: no runbook annotation with an anchor`);
    else if (!docs.includes(`## ${anchor}`) && !docs.includes(`### ${anchor}`))
      errors.push(`${id}: runbook section #${anchor} missing from docs/monitoring.md`);
  }
}
const tested = new Set(
  (tests?.tests ?? []).flatMap((t) => (t.alert_rule_test ?? []).map((a) => a.alertname)),
);
for (const name of names) if (!tested.has(name)) errors.push(`${name}: no test in ${testsFile}`);

if (errors.length > 0) {
  console.error(`Schema check FAILED:\n  - ${errors.join('\n  - ')}`);
  process.exit(1);
}
console.log(`Schema check passed: ${names.size} alerts, each with a runbook and a test.`);
