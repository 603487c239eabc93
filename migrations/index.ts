/**
 * Every migration, in order. Listed explicitly (not globbed) so the app, the CLI and the tests
 * run exactly the same set, compiled or not. Add new migrations at the end.
 */
import { Init1764000000000 } from './1764000000000-Init';
import { Auth1764000100000 } from './1764000100000-Auth';
import { Customers1764000300000 } from './1764000300000-Customers';
import { CustomerDataKeys1764000300001 } from './1764000300001-CustomerDataKeys';
import { AuditLog1764000400000 } from './1764000400000-AuditLog';
import { AuditChainTable1764000400001 } from './1764000400001-AuditChainTable';
import { Payments1764000500000 } from './1764000500000-Payments';
import { TokenCutoff1764000600000 } from './1764000600000-TokenCutoff';
import { AuthLivenessNotify1764000700000 } from './1764000700000-AuthLivenessNotify';
import { AuditSealHorizon1764000800000 } from './1764000800000-AuditSealHorizon';

export const ALL_MIGRATIONS = [
  Init1764000000000,
  Auth1764000100000,
  Customers1764000300000,
  CustomerDataKeys1764000300001,
  AuditLog1764000400000,
  AuditChainTable1764000400001,
  Payments1764000500000,
  TokenCutoff1764000600000,
  AuthLivenessNotify1764000700000,
  AuditSealHorizon1764000800000,
];
