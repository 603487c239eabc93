import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../principal';

/** Where the authentication guard stores the verified caller on the request. */
export const PRINCIPAL_REQUEST_KEY = 'principal';

export function principalOf(request: FastifyRequest): Principal | undefined {
  return (request as unknown as Record<string, Principal | undefined>)[PRINCIPAL_REQUEST_KEY];
}

/** Injects the verified caller into a handler: `find(@CurrentPrincipal() p: Principal)`. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Principal => {
    const principal = principalOf(ctx.switchToHttp().getRequest<FastifyRequest>());
    // The global guard runs first; reaching a handler without a principal is a wiring bug.
    if (!principal) throw new Error('CurrentPrincipal used on a route without authentication');
    return principal;
  },
);
