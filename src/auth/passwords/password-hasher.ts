import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import { HashSlots } from './hash-slots';
import { normalisePassword } from './password-policy';

/**
 * argon2id at the OWASP Password Storage Cheat Sheet parameters (m=19 MiB, t=2, p=1), ~25 ms per
 * hash on the reference machine (STACK-NOTES). A hash made with weaker parameters reports
 * `needsRehash` and is upgraded at the next successful login.
 */
export const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
} as const;

@Injectable()
export class PasswordHasher {
  /** A real hash of a random value: verified against for unknown emails (equal timing). */
  private dummyHash?: Promise<string>;
  /** Leaves a core to the event loop during a login storm (hash-slots.ts). */
  private readonly slots = new HashSlots();

  async hash(password: string): Promise<string> {
    return this.slots.run(() => argon2.hash(normalisePassword(password), ARGON2_OPTIONS));
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await this.slots.run(() => argon2.verify(hash, normalisePassword(password)));
    } catch {
      // A malformed stored hash is a failed verification, never a 500 that tells accounts apart.
      return false;
    }
  }

  needsRehash(hash: string): boolean {
    try {
      return argon2.needsRehash(hash, ARGON2_OPTIONS);
    } catch {
      return true;
    }
  }

  /**
   * Spends one argon2 verification for a login whose email matched no account, so the response
   * time does not reveal which emails exist (OWASP Authentication Cheat Sheet).
   */
  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= argon2.hash(`dummy-${Math.random()}-${Date.now()}`, ARGON2_OPTIONS);
    await this.verify(await this.dummyHash, password);
  }
}
