import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, ProblemException } from './problem';

/**
 * The global input gate: DTOs describe exactly what is accepted. Unknown properties are refused
 * (`forbidNonWhitelisted`) rather than silently stripped, so a client learns that `roles` in a
 * registration body is not a thing (mass assignment, OWASP API3).
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    stopAtFirstError: true,
    exceptionFactory: (errors) =>
      new ProblemException(400, {
        slug: 'validation-error',
        title: 'Validation Failed',
        detail: 'The request has invalid or unexpected fields.',
        errors: flattenValidationErrors(errors),
      }),
  });
}

export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      // class-validator's whitelist message names the property; keep it short and stable.
      out.push({
        field,
        message: message.replace(/^property .* should not exist$/, 'is not allowed'),
      });
    }
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  if (out.length === 0) out.push({ field: prefix || 'body', message: 'is not valid' });
  return out;
}
