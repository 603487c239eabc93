import {
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';

/** Bounds shared by the create and update DTOs, so the two cannot drift apart. */
export const NO_CONTROL_CHARS = /^[^\p{Cc}]*$/u;
/** E.164: a plus, a non-zero country digit, at most 15 digits in all (ITU-T E.164 §6). */
export const E164 = /^\+[1-9]\d{1,14}$/;
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** National identifiers differ by country; letters, digits, spaces, dots and dashes cover them. */
export const NATIONAL_ID = /^[A-Za-z0-9][A-Za-z0-9 .-]*$/;
export const EARLIEST_BIRTH_DATE = '1900-01-01';

/** A real calendar date (no 2023-02-30), not before 1900 and strictly in the past. */
@ValidatorConstraint({ name: 'pastDate' })
export class PastDateConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string' || !ISO_DATE.test(value)) return false;
    const date = new Date(`${value}T00:00:00.000Z`);
    if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) return false;
    return value >= EARLIEST_BIRTH_DATE && date.getTime() < Date.now() - 86_400_000;
  }

  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must be a past date YYYY-MM-DD, not before ${EARLIEST_BIRTH_DATE}`;
  }
}
