import { Principal } from '../auth/principal';
import {
  maskCustomer,
  maskEmail,
  maskKeepingLast,
  maskNationalId,
  masksCustomerData,
} from './customer-masking';
import { CustomerResponseDto } from './dto/customer-response.dto';

const principal = (roles: Principal['roles']): Principal => ({
  type: 'user',
  id: 'u',
  ownerId: 'u',
  roles,
  scopes: ['customers:read'],
});

const full: CustomerResponseDto = {
  id: '2b0d7b3e-0a4c-4d7c-9a55-0d1b9a1b2c3d',
  fullName: 'Jane Doe',
  email: 'jane.doe@example.com',
  phone: '+15551234567',
  dateOfBirth: '1990-05-17',
  nationalId: '123-45-6789',
  address: {
    line1: '1 Main Street',
    line2: 'Apt 2',
    city: 'Springfield',
    postalCode: '12345',
    country: 'US',
  },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('customer masking', () => {
  it('should mask for support only, not for the owner or admin', () => {
    expect(masksCustomerData(principal(['support']))).toBe(true);
    expect(masksCustomerData(principal(['user']))).toBe(false);
    expect(masksCustomerData(principal(['admin']))).toBe(false);
    expect(masksCustomerData(principal(['support', 'admin']))).toBe(false);
  });

  it('should mask the national id to five stars and the last four characters', () => {
    expect(maskNationalId('123-45-6789')).toBe('*****6789');
    expect(maskNationalId('AB12345678901')).toBe('*****8901');
    expect(maskNationalId('123')).toBe('*****');
  });

  it('should mask an email to its first character and domain', () => {
    expect(maskEmail('jane@example.com')).toBe('j***@example.com');
    expect(maskEmail('not-an-email')).toBe('***');
  });

  it('should keep only the last two digits of a phone number', () => {
    expect(maskKeepingLast('+15551234567', 2)).toBe('**********67');
    expect(maskKeepingLast('1', 2)).toBe('*');
  });

  it('should leave no sensitive value of the full record in the masked one', () => {
    const masked = maskCustomer(full);
    expect(masked).toEqual({
      ...full,
      email: 'j***@example.com',
      phone: '**********67',
      dateOfBirth: '****-**-**',
      nationalId: '*****6789',
      address: {
        line1: '***',
        line2: '***',
        city: 'Springfield',
        postalCode: '***',
        country: 'US',
      },
    });
    const text = JSON.stringify(masked);
    for (const secret of [
      'jane.doe',
      '5551234567',
      '1990-05-17',
      '123-45',
      '1 Main Street',
      '12345',
    ])
      expect(text).not.toContain(secret);
  });

  it('should keep absent values null', () => {
    const masked = maskCustomer({
      ...full,
      phone: null,
      dateOfBirth: null,
      nationalId: null,
      address: null,
    });
    expect(masked).toMatchObject({
      phone: null,
      dateOfBirth: null,
      nationalId: null,
      address: null,
    });
  });
});
