import { SetMetadata } from '@nestjs/common';

export const AUDITED_READ_KEY = 'auditedRead';

/**
 * Marks a read of sensitive data (customer get and export, audit-log reads): every successful
 * call is recorded, asynchronously, as `action` with outcome `success`. Denials of these routes
 * are recorded anyway (every 401/403/429/404-not-yours is).
 */
export const AuditedRead = (action: string): MethodDecorator & ClassDecorator =>
  SetMetadata(AUDITED_READ_KEY, action);
