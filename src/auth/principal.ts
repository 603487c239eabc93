/**
 * The caller, as every handler and service sees it. Built by the authentication guard from a
 * verified access token (first-party or external issuer) and passed explicitly to services,
 * which put `ownerId` into their queries (object-level authorization, OWASP API1).
 */
export const ROLES = ['user', 'support', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const SCOPES = [
  'customers:read',
  'customers:write',
  'payments:read',
  'payments:write',
] as const;
export type Scope = (typeof SCOPES)[number];

export interface Principal {
  /** `user`: a person logged in; `client`: an OAuth client acting for the user that owns it. */
  type: 'user' | 'client';
  /** User id, or OAuth client id. */
  id: string;
  /** The user whose data this caller acts on: the user itself, or the client's owner. */
  ownerId: string;
  roles: Role[];
  scopes: Scope[];
  /** Session id (`sid`) for first-party tokens; token id (`jti`) for revocation checks. */
  sessionId?: string;
  tokenId?: string;
}

/** Roles that may see every owner's data (support masked, admin in full). */
export function seesAllOwners(principal: Principal): boolean {
  return principal.roles.includes('admin') || principal.roles.includes('support');
}
