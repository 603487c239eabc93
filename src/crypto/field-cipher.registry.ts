import type { FieldCipher } from './field-cipher';

/**
 * Why a module-level registry: TypeORM column transformers are plain objects created when the
 * entity class is decorated (at import time), long before Nest's container exists, so they
 * cannot have the cipher injected. CryptoModule's provider factory registers the ONE FieldCipher
 * instance here as it is created, and the transformers look it up on every read and write. The
 * services and the transformers therefore share one instance and one code path.
 *
 * Consequence: one key ring per process. Two Nest applications with different keys in one
 * process (only tests do that) must not run at the same time; the last one created wins and a
 * closing application only unregisters its own cipher.
 */
let current: FieldCipher | undefined;

export function registerFieldCipher(cipher: FieldCipher): void {
  current = cipher;
}

export function unregisterFieldCipher(cipher: FieldCipher): void {
  if (current === cipher) current = undefined;
}

export function registeredFieldCipher(): FieldCipher {
  // Failing closed: without a cipher nothing is written in clear and nothing is read.
  if (!current) throw new Error('FieldCipher is not initialised: import CryptoModule');
  return current;
}
