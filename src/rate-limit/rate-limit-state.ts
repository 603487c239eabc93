import type { FastifyRequest } from 'fastify';
import type { RateLimitDecision } from './rate-limit-headers';

/**
 * Per-request state shared by the tier-1 hook, the guard and the login-failure hook, kept under
 * symbols so nothing else on the request can collide with it or forge it from input.
 */
const ADDRESS_DECISION = Symbol('rateLimit.addressDecision');
const LOGIN_RESERVATION = Symbol('rateLimit.loginReservation');

type WithState = FastifyRequest & {
  [ADDRESS_DECISION]?: RateLimitDecision;
  [LOGIN_RESERVATION]?: string[];
};

export function setAddressDecision(request: FastifyRequest, decision: RateLimitDecision): void {
  (request as WithState)[ADDRESS_DECISION] = decision;
}

export function addressDecisionOf(request: FastifyRequest): RateLimitDecision | undefined {
  return (request as WithState)[ADDRESS_DECISION];
}

/** Counter keys a login attempt reserved: released unless the attempt ends in a 401. */
export function setLoginReservation(request: FastifyRequest, keys: string[]): void {
  (request as WithState)[LOGIN_RESERVATION] = keys;
}

export function loginReservationOf(request: FastifyRequest): string[] | undefined {
  return (request as WithState)[LOGIN_RESERVATION];
}
