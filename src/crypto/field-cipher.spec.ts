import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { DecryptionError } from './decryption.error';
import { FieldBinding, FieldCipher } from './field-cipher';
import { KeyRing } from './key-ring';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const binding: FieldBinding = { table: 'customers', column: 'national_id' };

function cipherWith(keys: Record<string, Buffer>, active: string): FieldCipher {
  return new FieldCipher(new KeyRing(new Map(Object.entries(keys)), active));
}

/** Flips one bit of the n-th base64url part of an envelope (2 = IV, 3 = tag, 4 = ciphertext). */
function flipPart(envelope: string, index: number): string {
  const parts = envelope.split(':');
  const bytes = Buffer.from(parts[index], 'base64url');
  bytes[0] ^= 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join(':');
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/**
 * Sets an unused low bit in the last character of the n-th part: Node decodes it to the SAME
 * bytes, so only the canonical-encoding check can refuse it.
 */
function strayBits(envelope: string, index: number): string {
  const parts = envelope.split(':');
  const text = parts[index];
  const last = ALPHABET.indexOf(text[text.length - 1]);
  parts[index] = text.slice(0, -1) + ALPHABET[last | 1];
  expect(parts[index]).not.toBe(text);
  expect(Buffer.from(parts[index], 'base64url')).toEqual(Buffer.from(text, 'base64url'));
  return parts.join(':');
}

describe(FieldCipher.name, () => {
  let logError: jest.SpyInstance;
  beforeEach(() => {
    logError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logError.mockRestore());

  const cipher = cipherWith({ k1 }, 'k1');

  it('should round-trip text, including empty and non-ASCII text', () => {
    for (const text of ['123-45-6789', '', 'Zoë Ångström 北京 🎉', 'x'.repeat(10_000)]) {
      const envelope = cipher.encrypt(text, binding);
      expect(cipher.decrypt(envelope, binding)).toBe(text);
    }
  });

  it('should write a v1 envelope naming the active key with a 96-bit IV and a 128-bit tag', () => {
    const envelope = cipher.encrypt('123-45-6789', binding);
    const [version, kid, iv, tag, ct] = envelope.split(':');
    expect(version).toBe('v1');
    expect(kid).toBe('k1');
    expect(Buffer.from(iv, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag, 'base64url')).toHaveLength(16);
    expect(Buffer.from(ct, 'base64url')).toHaveLength('123-45-6789'.length);
    expect(envelope).not.toContain('123-45-6789');
  });

  it('should use a unique IV for each of 10,000 encryptions of the same value', () => {
    const ivs = new Set<string>();
    const envelopes = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const envelope = cipher.encrypt('same value', binding);
      ivs.add(envelope.split(':')[2]);
      envelopes.add(envelope);
    }
    expect(ivs.size).toBe(10_000);
    expect(envelopes.size).toBe(10_000);
  });

  describe('tampering', () => {
    const envelope = cipher.encrypt('123-45-6789', binding);
    const cases: Array<[string, string]> = [
      ['an altered IV', flipPart(envelope, 2)],
      ['an altered tag', flipPart(envelope, 3)],
      ['an altered ciphertext', flipPart(envelope, 4)],
      [
        'a truncated tag',
        envelope.replace(
          /:([^:]+):([^:]+)$/,
          (_m, t: string, c: string) => `:${t.slice(0, 16)}:${c}`,
        ),
      ],
      ['a truncated ciphertext', envelope.slice(0, -2)],
      ['an unknown key id', envelope.replace(/^v1:k1:/, 'v1:k9:')],
      ['another version', envelope.replace(/^v1:/, 'v2:')],
      ['a missing part', envelope.split(':').slice(0, 4).join(':')],
      ['an extra part', `${envelope}:AAAA`],
      ['non-base64url characters', envelope.replace(/:([^:]+)$/, ':+/+/')],
      // 16-byte tag: 22 characters, 4 unused bits; 11-byte ciphertext: 15 characters, 2 unused.
      ['a tag with stray trailing bits (non-canonical)', strayBits(envelope, 3)],
      ['a ciphertext with stray trailing bits (non-canonical)', strayBits(envelope, 4)],
      [
        'a part of impossible length (1 mod 4)',
        envelope.replace(/:([^:]+)$/, (_m, c: string) => `:${c}AA`),
      ],
      ['plaintext instead of an envelope', '123-45-6789'],
      ['an empty string', ''],
    ];
    it.each(cases)('should refuse %s with the one generic error', (_name, tampered) => {
      expect(tampered).not.toBe(envelope);
      expect(() => cipher.decrypt(tampered, binding)).toThrow(DecryptionError);
      expect(() => cipher.decrypt(tampered, binding)).toThrow(/^Decryption failed$/);
    });

    it('should log every failed decryption without the value', () => {
      expect(() => cipher.decrypt(flipPart(envelope, 4), binding)).toThrow(DecryptionError);
      expect(logError).toHaveBeenCalledTimes(1);
      expect(JSON.stringify(logError.mock.calls)).not.toContain('123-45-6789');
      expect(JSON.stringify(logError.mock.calls)).toContain('national_id');
    });
  });

  it('should refuse a key id swapped to another key of the ring (the key id is authenticated)', () => {
    const both = cipherWith({ k1, k2 }, 'k1');
    const envelope = both.encrypt('123-45-6789', binding);
    expect(() => both.decrypt(envelope.replace(/^v1:k1:/, 'v1:k2:'), binding)).toThrow(
      DecryptionError,
    );
  });

  it('should refuse a value moved to another column or another table', () => {
    const envelope = cipher.encrypt('123-45-6789', binding);
    expect(() => cipher.decrypt(envelope, { table: 'customers', column: 'full_name' })).toThrow(
      DecryptionError,
    );
    expect(() => cipher.decrypt(envelope, { table: 'payments', column: 'national_id' })).toThrow(
      DecryptionError,
    );
  });

  it('should refuse a value encrypted under a key that is not in the ring', () => {
    const other = cipherWith({ k1: randomBytes(32) }, 'k1');
    expect(() => cipher.decrypt(other.encrypt('secret', binding), binding)).toThrow(
      DecryptionError,
    );
  });

  it('should decrypt rows under two keys and encrypt new ones under the active key', () => {
    const before = cipherWith({ k1 }, 'k1');
    const oldRow = before.encrypt('old row', binding);
    const after = cipherWith({ k1, k2 }, 'k2');
    const newRow = after.encrypt('new row', binding);
    expect(after.keyIdOf(oldRow)).toBe('k1');
    expect(after.keyIdOf(newRow)).toBe('k2');
    expect(after.isUnderActiveKey(oldRow)).toBe(false);
    expect(after.isUnderActiveKey(newRow)).toBe(true);
    expect(after.decrypt(oldRow, binding)).toBe('old row');
    expect(after.decrypt(newRow, binding)).toBe('new row');
    // Once k1 is retired, what was not rotated no longer decrypts.
    const retired = cipherWith({ k2 }, 'k2');
    expect(retired.decrypt(newRow, binding)).toBe('new row');
    expect(() => retired.decrypt(oldRow, binding)).toThrow(DecryptionError);
  });
});

describe(`${FieldCipher.name} with a record's data key (crypto-shredding)`, () => {
  let logError: jest.SpyInstance;
  beforeEach(() => {
    logError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logError.mockRestore());

  const cipher = cipherWith({ k1 }, 'k1');
  const row = { ...binding, rowId: '2b0d7b3e-0a4c-4d7c-9a55-0d1b9a1b2c3d' };

  it('should round-trip under the data key with a dk envelope', () => {
    const dataKey = cipher.generateDataKey();
    expect(dataKey).toHaveLength(32);
    const envelope = cipher.encryptWithDataKey(dataKey, '123-45-6789', row);
    expect(envelope).toMatch(/^v1:dk:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
    expect(cipher.decryptWithDataKey(dataKey, envelope, row)).toBe('123-45-6789');
  });

  it('should not decrypt without the right data key, in another row, or through the ring', () => {
    const dataKey = cipher.generateDataKey();
    const envelope = cipher.encryptWithDataKey(dataKey, '123-45-6789', row);
    expect(() => cipher.decryptWithDataKey(cipher.generateDataKey(), envelope, row)).toThrow(
      DecryptionError,
    );
    expect(() =>
      cipher.decryptWithDataKey(dataKey, envelope, { ...row, rowId: 'another-row' }),
    ).toThrow(DecryptionError);
    expect(() =>
      cipher.decryptWithDataKey(dataKey, envelope, { ...row, column: 'full_name' }),
    ).toThrow(DecryptionError);
    expect(() => cipher.decrypt(envelope, binding)).toThrow(DecryptionError);
    expect(() => cipher.decryptWithDataKey(dataKey, cipher.encrypt('x', binding), row)).toThrow(
      DecryptionError,
    );
    expect(() => cipher.dataKeyMissing(row)).toThrow(DecryptionError);
  });

  it('should refuse "dk" as a key-ring id (it marks data-key envelopes)', () => {
    expect(() => new KeyRing(new Map([['dk', k1]]), 'dk')).toThrow(/reserved/);
  });
});

describe(KeyRing.name, () => {
  it('should refuse an active key id that is not in the ring', () => {
    expect(() => new KeyRing(new Map([['k1', k1]]), 'k2')).toThrow(/active/);
  });

  it('should refuse a key that is not 32 bytes', () => {
    expect(() => new KeyRing(new Map([['k1', randomBytes(16)]]), 'k1')).toThrow(/32 bytes/);
  });

  it('should refuse a key id that could break the envelope format', () => {
    expect(() => new KeyRing(new Map([['k:1', k1]]), 'k:1')).toThrow(/key id/);
  });
});
