import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { CreateCustomerDto } from './create-customer.dto';
import { ListCustomersQueryDto } from './list-customers.query.dto';
import { UpdateCustomerDto } from './update-customer.dto';

async function errorsOf<T extends object>(type: new () => T, plain: object): Promise<string[]> {
  const errors = await validate(plainToInstance(type, plain), {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  const fields: string[] = [];
  const walk = (list: typeof errors, prefix = ''): void => {
    for (const e of list) {
      const name = prefix ? `${prefix}.${e.property}` : e.property;
      if (e.constraints) fields.push(name);
      walk(e.children ?? [], name);
    }
  };
  walk(errors);
  return fields;
}

const valid = {
  fullName: 'Jane Doe',
  email: 'jane@example.com',
  phone: '+15551234567',
  dateOfBirth: '1990-05-17',
  nationalId: '123-45-6789',
  address: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
};

describe(CreateCustomerDto.name, () => {
  it('should accept a complete valid customer and a minimal one', async () => {
    await expect(errorsOf(CreateCustomerDto, valid)).resolves.toEqual([]);
    await expect(errorsOf(CreateCustomerDto, { fullName: 'J', email: 'j@x.io' })).resolves.toEqual(
      [],
    );
  });

  it.each([
    ['fullName', { fullName: '' }],
    ['fullName', { fullName: 'x'.repeat(201) }],
    ['fullName', { fullName: 'a\u0000b' }],
    ['email', { email: 'not-an-email' }],
    ['email', { email: `${'a'.repeat(250)}@x.io` }],
    ['phone', { phone: '5551234567' }],
    ['phone', { phone: '+0123' }],
    ['phone', { phone: '+1234567890123456' }],
    ['dateOfBirth', { dateOfBirth: '2999-01-01' }],
    ['dateOfBirth', { dateOfBirth: '1990-02-30' }],
    ['dateOfBirth', { dateOfBirth: '17/05/1990' }],
    ['dateOfBirth', { dateOfBirth: '1899-12-31' }],
    ['nationalId', { nationalId: 'x'.repeat(65) }],
    ['nationalId', { nationalId: "1'; DROP TABLE customers;--" }],
    ['address.country', { address: { ...valid.address, country: 'XX' } }],
    ['address.country', { address: { ...valid.address, country: 'USA' } }],
    ['address.city', { address: { ...valid.address, city: '' } }],
    ['address.postalCode', { address: { ...valid.address, postalCode: 'x'.repeat(17) } }],
    ['address', { address: 'Main St' }],
  ])('should refuse %s in %j', async (field, change) => {
    await expect(errorsOf(CreateCustomerDto, { ...valid, ...change })).resolves.toContain(field);
  });

  it.each(['id', 'ownerId', 'createdAt', 'updatedAt', 'emailIndex'])(
    'should refuse a body carrying the server-owned %s',
    async (field) => {
      await expect(errorsOf(CreateCustomerDto, { ...valid, [field]: 'x' })).resolves.toContain(
        field,
      );
    },
  );
});

describe(UpdateCustomerDto.name, () => {
  it('should accept a partial change and null to clear an optional field', async () => {
    await expect(errorsOf(UpdateCustomerDto, { phone: null, fullName: 'New' })).resolves.toEqual(
      [],
    );
  });

  it('should hold the optional fields to the bounds of CreateCustomerDto', async () => {
    await expect(errorsOf(UpdateCustomerDto, { phone: '555-1234' })).resolves.toContain('phone');
    await expect(errorsOf(UpdateCustomerDto, { nationalId: 'x'.repeat(65) })).resolves.toContain(
      'nationalId',
    );
    await expect(errorsOf(UpdateCustomerDto, { ownerId: 'someone' })).resolves.toContain('ownerId');
  });

  it('should refuse null for a required field', async () => {
    await expect(errorsOf(UpdateCustomerDto, { fullName: null })).resolves.toContain('fullName');
    await expect(errorsOf(UpdateCustomerDto, { email: null })).resolves.toContain('email');
  });
});

describe(ListCustomersQueryDto.name, () => {
  it('should accept limits 1 and 100 as numbers', async () => {
    const dto = plainToInstance(ListCustomersQueryDto, { limit: '100' });
    expect(dto.limit).toBe(100);
    await expect(
      errorsOf(ListCustomersQueryDto, { limit: '1', sort: 'createdAt' }),
    ).resolves.toEqual([]);
  });

  it.each([['0'], ['101'], ['-1'], ['1.5'], ['1e2'], ['abc'], [['1', '2']], ['']])(
    'should refuse limit %j',
    async (limit) => {
      await expect(errorsOf(ListCustomersQueryDto, { limit })).resolves.toContain('limit');
    },
  );

  it.each([
    ['fullName'],
    ['created_at; DROP TABLE customers'],
    ["createdAt' OR 1=1--"],
    [['createdAt', '-createdAt']],
  ])('should refuse sort %j', async (sort) => {
    await expect(errorsOf(ListCustomersQueryDto, { sort })).resolves.toContain('sort');
  });

  it('should refuse an email filter that is not an email', async () => {
    await expect(errorsOf(ListCustomersQueryDto, { email: "' OR '1'='1" })).resolves.toContain(
      'email',
    );
  });
});
