import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Entity, Equal, getMetadataArgsStorage, PrimaryColumn } from 'typeorm';
import { DecryptionError } from './decryption.error';
import {
  EncryptedColumn,
  encryptedColumns,
  encryptedTransformer,
} from './encrypted-column.decorator';
import { FieldCipher } from './field-cipher';
import { registerFieldCipher, unregisterFieldCipher } from './field-cipher.registry';
import { KeyRing } from './key-ring';

@Entity({ name: 'widgets' })
class Widget {
  @PrimaryColumn('uuid') id: string;

  @EncryptedColumn({ table: 'widgets', column: 'secret_note', type: 'string', nullable: true })
  secretNote: string | null;
}

describe('EncryptedColumn', () => {
  const cipher = new FieldCipher(new KeyRing(new Map([['k1', randomBytes(32)]]), 'k1'));
  beforeAll(() => registerFieldCipher(cipher));
  afterAll(() => unregisterFieldCipher(cipher));

  const text = encryptedTransformer({ table: 'widgets', column: 'note', type: 'string' });
  const date = encryptedTransformer({ table: 'widgets', column: 'born', type: 'date' });
  const json = encryptedTransformer({ table: 'widgets', column: 'address', type: 'json' });

  it('should store an envelope and read the text back through the registered cipher', () => {
    const stored = text.to('123-45-6789') as string;
    expect(stored).toMatch(/^v1:k1:/);
    expect(stored).not.toContain('123-45-6789');
    expect(cipher.decrypt(stored, { table: 'widgets', column: 'note' })).toBe('123-45-6789');
    expect(text.from(stored)).toBe('123-45-6789');
  });

  it('should round-trip dates and JSON objects', () => {
    const born = new Date('1990-05-17T00:00:00.000Z');
    expect((date.from(date.to(born)) as Date).toISOString()).toBe(born.toISOString());
    const address = { line1: '1 Main St', city: 'Springfield', country: 'US' };
    expect(json.from(json.to(address))).toEqual(address);
  });

  it('should keep null and undefined as they are (null-aware)', () => {
    expect(text.to(null)).toBeNull();
    expect(text.to(undefined)).toBeUndefined();
    expect(text.from(null)).toBeNull();
    expect(json.from(null)).toBeNull();
  });

  it('should refuse a value of the wrong type', () => {
    expect(() => date.to('1990-05-17')).toThrow(TypeError);
    expect(() => text.to(42)).toThrow(TypeError);
  });

  it('should refuse a query on the ciphertext (a random IV never matches)', () => {
    expect(() => text.to(Equal('x'))).toThrow(/blind index/);
  });

  it('should not decrypt a value stored under another column', () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementationOnce(() => undefined);
    expect(() => json.from(text.to('{"a":1}'))).toThrow(DecryptionError);
  });

  it('should declare a text column and list it for key rotation', () => {
    const column = getMetadataArgsStorage().columns.find(
      (c) => c.target === Widget && c.propertyName === 'secretNote',
    );
    expect(column?.options).toMatchObject({ name: 'secret_note', type: 'text', nullable: true });
    expect(encryptedColumns()).toContainEqual({
      target: Widget,
      table: 'widgets',
      column: 'secret_note',
      propertyName: 'secretNote',
    });
  });
});
