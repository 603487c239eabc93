import { SetMetadata } from '@nestjs/common';

/** Metadata key read by the global authentication guard. */
export const IS_PUBLIC_KEY = 'isPublic';

/**
 * Marks a route as reachable without a token. Every other route is protected by the global
 * guard (deny by default); the route-inventory test lists every public route.
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);
