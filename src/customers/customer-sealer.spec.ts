import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { DecryptionError } from '../crypto/decryption.error';
import { FieldCipher } from '../crypto/field-cipher';
import { KeyRing } from '../crypto/key-ring';
import { CustomerFields, CustomerSealer } from './customer-sealer';
import { Customer } from './entities/customer.entity';

describe(CustomerSealer.name, () => {
  const sealer = new CustomerSealer(
    new FieldCipher(new KeyRing(new Map([['k1', randomBytes(32)]]), 'k1')),
  );
  const id = '2b0d7b3e-0a4c-4d7c-9a55-0d1b9a1b2c3d';
  const fields: CustomerFields = {
    fullName: 'Jane Doe',
    email: 'jane@example.com',
    phone: null,
    dateOfBirth: '1990-05-17',
    nationalId: '123-45-6789',
    address: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
  };
  const asCustomer = (sealed: Partial<Customer>, rowId = id): Customer =>
    ({ id: rowId, ...sealed }) as Customer;

  let logError: jest.SpyInstance;
  beforeEach(() => {
    logError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logError.mockRestore());

  it('should seal every present field as a dk envelope and open them back', () => {
    const key = sealer.newDataKey();
    const sealed = sealer.seal(id, key, fields);
    expect(sealed.phone).toBeNull();
    for (const value of [sealed.fullName, sealed.email, sealed.nationalId, sealed.address])
      expect(value).toMatch(/^v1:dk:/);
    expect(JSON.stringify(sealed)).not.toMatch(/Jane|123-45|Main St|1990/);
    expect(sealer.open(asCustomer(sealed), key)).toEqual(fields);
  });

  it('should leave out the fields that are undefined (a partial change)', () => {
    const sealed = sealer.seal(id, sealer.newDataKey(), { fullName: 'New', phone: null });
    expect(Object.keys(sealed).sort()).toEqual(['fullName', 'phone']);
  });

  it('should not open without the data key, with another key or in another row', () => {
    const key = sealer.newDataKey();
    const sealed = sealer.seal(id, key, fields);
    expect(() => sealer.open(asCustomer(sealed), undefined)).toThrow(DecryptionError);
    expect(() => sealer.open(asCustomer(sealed), sealer.newDataKey())).toThrow(DecryptionError);
    expect(() =>
      sealer.open(asCustomer(sealed, '5f1c2d3e-0a4c-4d7c-9a55-0d1b9a1b2c3d'), key),
    ).toThrow(DecryptionError);
    expect(() => sealer.missingKey(id)).toThrow(DecryptionError);
  });
});
