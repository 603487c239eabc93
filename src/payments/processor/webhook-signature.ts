import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying the processor's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'processor-signature';

/** Events signed more than this far from our clock are refused (replay window, 5 minutes). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type SignatureCheck = 'valid' | 'invalid' | 'stale';

/**
 * Signs an event body the way the (simulated) processor does: HMAC-SHA256 over
 * `"<t>.<raw body>"` with the shared secret. The timestamp is inside the MAC, so an attacker
 * cannot refresh an old, captured event to pass the staleness check.
 */
export function signWebhook(secret: string, rawBody: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex(secret, `${timestamp}.${rawBody}`)}`;
}

/**
 * Verifies a `Processor-Signature` header against the exact bytes received (a re-serialised
 * JSON body would not match: key order and whitespace change). The MAC is checked first and in
 * constant time (`timingSafeEqual`), so response timing does not reveal how many leading bytes
 * of a forged signature were right; only then is the timestamp checked against the tolerance.
 * Several `v1=` entries are accepted (a provider sends one per active secret during rotation).
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  rawBody: string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
  toleranceSeconds: number = SIGNATURE_TOLERANCE_SECONDS,
): SignatureCheck {
  const parsed = parseSignatureHeader(header);
  if (!parsed) return 'invalid';
  const expected = Buffer.from(hmacHex(secret, `${parsed.timestampText}.${rawBody}`), 'hex');
  const matches = parsed.signatures.some((candidate) => {
    const given = Buffer.from(candidate, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) return 'invalid';
  return Math.abs(nowSeconds - parsed.timestamp) > toleranceSeconds ? 'stale' : 'valid';
}

function parseSignatureHeader(
  header: string | undefined,
): { timestamp: number; timestampText: string; signatures: string[] } | undefined {
  if (typeof header !== 'string' || header.length > 1024) return undefined;
  let timestampText: string | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [name, value] = part.trim().split('=', 2);
    if (name === 't' && value !== undefined && /^\d{1,12}$/.test(value)) timestampText = value;
    else if (name === 'v1' && value !== undefined && /^[0-9a-f]{64}$/i.test(value))
      signatures.push(value);
  }
  if (timestampText === undefined || signatures.length === 0) return undefined;
  return { timestamp: Number(timestampText), timestampText, signatures };
}

function hmacHex(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message, 'utf8').digest('hex');
}
