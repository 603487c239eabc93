import { Controller, Get, Module } from '@nestjs/common';
import { Authorize } from '../../../src/auth/decorators/authorize.decorator';
import { CurrentPrincipal } from '../../../src/auth/decorators/current-principal.decorator';
import type { Principal } from '../../../src/auth/principal';

/** Test-only routes exercising the global guards with each kind of rule. */
@Controller({ path: 'auth-probe', version: '1' })
export class AuthProbeController {
  @Authorize({ roles: ['user', 'support', 'auditor', 'admin'] })
  @Get('any')
  any(@CurrentPrincipal() principal: Principal): Principal {
    return principal;
  }

  @Authorize({ roles: ['admin'] })
  @Get('admin')
  admin(): { ok: true } {
    return { ok: true };
  }

  @Authorize({ roles: ['user', 'admin'], scopes: ['customers:read'] })
  @Get('customers-read')
  customersRead(): { ok: true } {
    return { ok: true };
  }

  @Authorize({ roles: ['user', 'admin'], scopes: ['payments:write'] })
  @Get('payments-write')
  paymentsWrite(): { ok: true } {
    return { ok: true };
  }

  /** Neither @Public nor @Authorize: must be refused even with a valid token. */
  @Get('unruled')
  unruled(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [AuthProbeController] })
export class AuthProbeModule {}
