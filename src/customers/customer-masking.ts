import { Principal } from '../auth/principal';
import { CustomerResponseDto } from './dto/customer-response.dto';

/**
 * The ONE place where customer data is masked. `support` reads every customer to help people,
 * but sees only what identifies the record (data minimisation, GDPR art. 5(1)(c); OWASP API3
 * excessive data exposure): the owner and `admin` see full values.
 */
export function masksCustomerData(principal: Principal): boolean {
  return principal.roles.includes('support') && !principal.roles.includes('admin');
}

export function maskCustomer(customer: CustomerResponseDto): CustomerResponseDto {
  return {
    ...customer,
    email: maskEmail(customer.email),
    phone: customer.phone === null ? null : maskKeepingLast(customer.phone, 2),
    dateOfBirth: customer.dateOfBirth === null ? null : '****-**-**',
    nationalId: customer.nationalId === null ? null : maskNationalId(customer.nationalId),
    address:
      customer.address === null
        ? null
        : {
            line1: '***',
            ...(customer.address.line2 !== undefined ? { line2: '***' } : {}),
            city: customer.address.city,
            postalCode: '***',
            country: customer.address.country,
          },
  };
}

/** "jane@example.com" -> "j***@example.com": the first character and the domain. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** "123-45-6789" -> "*****6789": a fixed five stars (the length is not revealed), last four. */
export function maskNationalId(value: string): string {
  return value.length <= 4 ? '*****' : `*****${value.slice(-4)}`;
}

/** "+15551234567" -> "**********67". */
export function maskKeepingLast(value: string, visible: number): string {
  if (value.length <= visible) return '*'.repeat(value.length);
  return '*'.repeat(value.length - visible) + value.slice(-visible);
}
