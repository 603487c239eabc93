import { SetMetadata } from '@nestjs/common';
import type { Principal, Role, Scope } from '../principal';

/** Metadata key read by the authorization guard. */
export const AUTHORIZE_KEY = 'authorize';

export interface AuthorizeRule {
  /** The caller needs at least one of these roles (users) / its owner one of them (clients). */
  roles?: Role[];
  /** The caller needs every one of these scopes. */
  scopes?: Scope[];
  /** Which kinds of caller may use the route (default: both users and OAuth clients). */
  principals?: Principal['type'][];
}

/**
 * The one decorator that carries a route's access rule, e.g.
 * `@Authorize({ roles: ['user', 'admin'], scopes: ['customers:write'] })`.
 * A route that is neither `@Public()` nor `@Authorize(...)` is refused (deny by default).
 */
export const Authorize = (rule: AuthorizeRule): MethodDecorator & ClassDecorator =>
  SetMetadata(AUTHORIZE_KEY, rule);
