/**
 * Header checks made BEFORE any key is chosen (RFC 8725 §3.1, §3.10; RFC 9068 §4): the token
 * names its key only by `kid`, and a token that tries to bring its own key or key location
 * (`jwk`, `jku`, `x5u`, `x5c`) or critical extensions we do not implement (`crit`) is refused
 * outright, so no token can make this server fetch anything or trust a key it carries.
 */
export interface JwtHeader {
  alg?: unknown;
  typ?: unknown;
  kid?: unknown;
  [name: string]: unknown;
}

const FORBIDDEN_HEADERS = ['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'crit'];

export function decodeJwtHeader(token: string): JwtHeader | undefined {
  const [encoded] = token.split('.', 1);
  if (!encoded || !/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    return header && typeof header === 'object' && !Array.isArray(header)
      ? (header as JwtHeader)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The unverified payload, used ONLY to route a token to its issuer's verifier. */
export function peekJwtIssuer(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload || !/^[A-Za-z0-9_-]+$/.test(payload)) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const iss = (claims as { iss?: unknown } | null)?.iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/** Returns why the header is refused, or undefined. `typ` is checked when `expectedTyp` is set. */
export function refuseHeader(
  header: JwtHeader | undefined,
  expectedTyp?: string,
): string | undefined {
  if (!header) return 'malformed header';
  for (const name of FORBIDDEN_HEADERS) if (name in header) return `header ${name} is not accepted`;
  if (typeof header.kid !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(header.kid))
    return 'missing or malformed kid';
  if (expectedTyp !== undefined) {
    const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : '';
    // RFC 9068 §4: `at+jwt` (or the full media type); an ID token or other JWT is not an access token.
    if (typ !== expectedTyp && typ !== `application/${expectedTyp}`) return 'wrong typ';
  }
  return undefined;
}
