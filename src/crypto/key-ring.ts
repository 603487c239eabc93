/**
 * The field-encryption keys, by id, with one active key. New values are always encrypted under
 * the active key; older values name their key in the envelope, so every key in the ring keeps
 * decrypting until `keys:rotate` has moved all rows to the active one (docs/encryption.md).
 */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** AES-256: 32-byte keys only (NIST SP 800-38D with a 256-bit key). */
export const FIELD_KEY_BYTES = 32;

export class KeyRing {
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(
    keys: ReadonlyMap<string, Buffer>,
    readonly activeKeyId: string,
  ) {
    for (const [id, key] of keys) {
      if (!KEY_ID_PATTERN.test(id)) throw new Error(`Invalid field-encryption key id`);
      // "dk" marks envelopes under a record's own data key (FieldCipher.encryptWithDataKey).
      if (id === 'dk') throw new Error('Field-encryption key id "dk" is reserved');
      if (key.length !== FIELD_KEY_BYTES)
        throw new Error(`Field-encryption key ${id} must be ${FIELD_KEY_BYTES} bytes`);
    }
    if (!keys.has(activeKeyId))
      throw new Error('The active field-encryption key is not in the ring');
    // A private copy: a caller mutating its map later must not change what decrypts.
    this.keys = new Map(keys);
  }

  /** The key new values are encrypted under. */
  activeKey(): Buffer {
    return this.keys.get(this.activeKeyId)!;
  }

  /** The key named by an envelope, or undefined when the ring does not hold it. */
  key(id: string): Buffer | undefined {
    return this.keys.get(id);
  }

  ids(): string[] {
    return [...this.keys.keys()];
  }
}
