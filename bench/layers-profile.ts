/**
 * `npm run bench:layers-profile -- <file.cpuprofile> <requests>`: the CPU per request spent in
 * the request layers (authentication, roles, rate limiter) according to a `--cpu-prof` profile
 * of a bench server (`BENCH_CPU_PROF=secured`, docs/performance.md). Two processes differ by
 * more than the layers cost on the benchmark machine, so the load comparison cannot resolve
 * them; a profile of one process can.
 *
 * A sample counts for the layers when its nearest application frame (skipping V8 natives and
 * Node built-ins, such as the SHA-256 a layer asks for) lies in the layers' code. Files that
 * only run at start or in other routes' handlers (controllers, modules, the external issuer's
 * strategy) are reported apart. `requests`: the responses the profile covers, warm-up included
 * (the report's `total` plus rps x 2 s).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const LAYERS =
  /\/src\/auth\/|\/src\/rate-limit\/|node_modules\/(passport|passport-jwt|passport-strategy|@nestjs\/passport|jsonwebtoken|jws|jwa)\//;
const NOT_PER_REQUEST = /(controller|\.module|external-jwt\.strategy)\.js$/;
const VM_STATES = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

function main(): void {
  const [file, requestsArg] = process.argv.slice(2);
  const requests = Number(requestsArg);
  if (!file || !(requests > 0))
    throw new Error('usage: layers-profile <file.cpuprofile> <requests>');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );

  const application = (n: ProfileNode) =>
    n.callFrame.url !== '' && !n.callFrame.url.startsWith('node:');
  const perFile = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    if (VM_STATES.has(nodes.get(id)!.callFrame.functionName)) continue;
    busy += us;
    let current: number | undefined = id;
    while (current !== undefined && !application(nodes.get(current)!))
      current = parent.get(current);
    if (current === undefined) continue;
    const url = nodes.get(current)!.callFrame.url;
    if (!LAYERS.test(url)) continue;
    const name = url.replace(/^.*?(src\/|node_modules\/)/, '$1');
    perFile.set(name, (perFile.get(name) ?? 0) + us);
  }
  const rows = [...perFile].sort((a, b) => b[1] - a[1]);
  const sum = (keep: (name: string) => boolean) =>
    rows.filter(([name]) => keep(name)).reduce((total, [, us]) => total + us, 0) / requests;
  const perRequest = sum((name) => !NOT_PER_REQUEST.test(name));
  process.stdout.write(
    `busy CPU ${(busy / requests).toFixed(0)} us/request; request layers ${perRequest.toFixed(0)} us/request ` +
      `(start-up and other routes' code, not counted: ${sum((name) => NOT_PER_REQUEST.test(name)).toFixed(0)} us/request)\n`,
  );
  for (const [name, us] of rows)
    process.stdout.write(
      `  ${(us / requests).toFixed(1).padStart(6)}  ${name}${NOT_PER_REQUEST.test(name) ? '  (not counted)' : ''}\n`,
    );
}

main();
