/**
 * The two database roles (least privilege, OWASP ASVS 14.x):
 * - `app_owner` owns the schema and runs migrations;
 * - `app_runtime` is what the running API connects as. It holds only the privileges migrations
 *   grant it (no DDL; on the audit table INSERT and SELECT only).
 * Role names are fixed because migrations grant to them by name; passwords come from config.
 */
export const OWNER_ROLE = 'app_owner';
export const RUNTIME_ROLE = 'app_runtime';
