import { isIPv6 } from 'node:net';

/**
 * The rate-limit identity of a client address (Fastify's `request.ip`, which honours
 * `TRUST_PROXY` exactly as configured and ignores `X-Forwarded-For` when it is off).
 *
 * IPv6 addresses are counted per /64: one subscriber is routinely given a whole /64 (RFC 6177),
 * so keying on the full address would hand an attacker 2^64 fresh budgets. IPv4-mapped IPv6
 * (`::ffff:192.0.2.1`, what a dual-stack socket reports) is counted as the IPv4 address.
 */
export function clientAddressKey(ip: string): string {
  if (ip.startsWith('::ffff:') && ip.includes('.')) return ip.slice(7);
  if (!ip.includes(':') || !isIPv6(ip)) return ip;
  return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, `::` expanded, leading zeros dropped. */
function expandIPv6(ip: string): string[] {
  const zone = ip.indexOf('%');
  const address = zone === -1 ? ip : ip.slice(0, zone);
  const [head, tail] = address.split('::', 2);
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::1.2.3.4) occupies the last two groups; only the /64 matters here.
  const rightGroups = right.flatMap((g) => (g.includes('.') ? ['0', '0'] : [g]));
  const missing = address.includes('::') ? 8 - left.length - rightGroups.length : 0;
  return [...left, ...Array<string>(missing).fill('0'), ...rightGroups].map((g) =>
    (parseInt(g, 16) || 0).toString(16),
  );
}
