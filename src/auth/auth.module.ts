import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AuthController } from './auth.controller';
import { AuthEventsService } from './auth-events.service';
import { AuthMaintenanceService } from './auth-maintenance.service';
import { AuthMonitoringListener } from './auth-monitoring.listener';
import { IncidentResponseService } from './incident-response.service';
import { LivenessCache } from './liveness/liveness-cache';
import { LivenessListener } from './liveness/liveness-listener';
import { AuthService } from './auth.service';
import { ExternalIdentityMapper } from './external/external-identity.mapper';
import { ExternalJwtStrategy } from './external/external-jwt.strategy';
import { AuthenticationGuard } from './guards/authentication.guard';
import { AuthorizationGuard } from './guards/authorization.guard';
import { OAuthClientsRepository } from './oauth/oauth-clients.repository';
import { OAuthController } from './oauth/oauth.controller';
import { OAuthService } from './oauth/oauth.service';
import { PasswordHasher } from './passwords/password-hasher';
import { SessionsRepository } from './sessions/sessions.repository';
import { JwtStrategy } from './strategies/jwt.strategy';
import { PrincipalResolver } from './strategies/principal.resolver';
import { VerifiedTokenCache } from './tokens/verified-token-cache';
import { AccessTokenService } from './tokens/access-token.service';
import { JwksController } from './tokens/jwks.controller';
import { UsersRepository } from './users/users.repository';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/**
 * Identity and access. Registers the two GLOBAL guards, in this order (Nest runs APP_GUARDs in
 * registration order, and AppModule lists AuthModule right after DatabaseModule so they run
 * before any other module's global guard):
 *   1. AuthenticationGuard: deny by default, verifies the bearer token, sets the Principal;
 *   2. AuthorizationGuard: the route's `@Authorize` rule (roles, scopes, principal types).
 * Exports the services other features and the CLI use; repositories stay inside.
 */
@Module({
  imports: [PassportModule.register({ session: false })],
  controllers: [AuthController, OAuthController, JwksController],
  providers: [
    AuthService,
    AuthEventsService,
    AuthMaintenanceService,
    AuthMonitoringListener,
    IncidentResponseService,
    AccessTokenService,
    PasswordHasher,
    UsersRepository,
    SessionsRepository,
    OAuthClientsRepository,
    OAuthService,
    PrincipalResolver,
    // Shared by JwtStrategy (fills it after a full verification) and AuthenticationGuard.
    { provide: VerifiedTokenCache, useFactory: () => new VerifiedTokenCache() },
    {
      provide: LivenessCache,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new LivenessCache(config.auth.livenessCacheMs),
    },
    LivenessListener,
    JwtStrategy,
    ExternalIdentityMapper,
    ExternalJwtStrategy,
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    { provide: APP_GUARD, useClass: AuthorizationGuard },
  ],
  exports: [AuthService, IncidentResponseService, OAuthService, AuthEventsService],
})
export class AuthModule {}
