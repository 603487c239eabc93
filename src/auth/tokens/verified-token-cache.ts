import { hash } from 'node:crypto';
import type { AccessTokenClaims } from './access-token.service';

/** Upper bound on entries: memory stays small (~1 KB each) whatever the token traffic. */
export const VERIFIED_TOKEN_CACHE_MAX = 10_000;

/**
 * The claims of access tokens whose signature, algorithm, issuer, audience, `typ` and expiry
 * were verified once in this process, keyed by the SHA-256 of the token (the token itself is
 * not kept), until the token's own `exp`. It saves the ECDSA verification on every later request
 * with the same token (docs/performance.md); it changes no decision:
 * - only a byte-identical token hits, so a forged or altered token is always fully verified;
 * - an entry is dropped at `exp` (no clock tolerance here: stricter than the verifier);
 * - the session / client liveness check (PrincipalResolver) still runs on every request, so
 *   logout and revocation take effect at once, as before;
 * - verification keys come from the configuration, read at boot: a key withdrawn by a restart
 *   empties the cache with the process.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Readonly<Partial<AccessTokenClaims>>>();

  constructor(
    private readonly maxEntries = VERIFIED_TOKEN_CACHE_MAX,
    private readonly nowMs: () => number = Date.now,
  ) {}

  get(token: string): Readonly<Partial<AccessTokenClaims>> | undefined {
    const key = keyOf(token);
    const claims = this.entries.get(key);
    if (!claims) return undefined;
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= this.nowMs()) {
      this.entries.delete(key);
      return undefined;
    }
    return claims;
  }

  /** Call only with the claims of a token that has just passed full verification. */
  set(token: string, claims: Partial<AccessTokenClaims>): void {
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= this.nowMs()) return;
    if (this.entries.size >= this.maxEntries) {
      // Oldest first (a Map iterates in insertion order): bounded, and never a wrong answer.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(keyOf(token), Object.freeze({ ...claims }));
  }

  get size(): number {
    return this.entries.size;
  }
}

function keyOf(token: string): string {
  // One-shot hash (Node >= 20.12): no Hash object per request.
  return hash('sha256', token, 'base64url');
}
